"""Property-based tests (hypothesis): the TR grid, window bounds, selections, token-to-TR
assignment and the binary and on-disk round trips hold for every input, not a few picked.
"""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import vibe_widgets as vw
from vibe_widgets.engine import timing
from vibe_widgets.engine.atlas import N_PARCELS, NETWORKS, load_atlas
from vibe_widgets.engine.features.cache import FeatureCache
from vibe_widgets.engine.features.text import assign_tokens_to_trs, build_prompt
from vibe_widgets.engine.selection import resolve_selection
from vibe_widgets.widgets._serialize import SUPPORTED_DTYPES, array_from_json, array_to_json

# CPU time is shared with other jobs: no per-example deadline, a bounded example count.
PROPS = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

trs = st.floats(0.05, 5.0, allow_nan=False, allow_infinity=False)
durations = st.floats(0.0, 4000.0, allow_nan=False, allow_infinity=False)


@PROPS
@given(duration=durations, tr=trs)
def test_tr_count_is_every_whole_tr_and_no_more(duration: float, tr: float):
    n = timing.count_trs(duration, tr)
    assert n >= 0
    # Every counted TR ends inside the clip (to float rounding) and one more would not.
    assert n * tr <= duration * (1 + 1e-9) + 1e-9
    assert (n + 1) * tr > duration - 1e-6
    if n:
        assert timing.tr_start(n - 1, tr) < duration


@PROPS
@given(
    n_tr=st.integers(0, 400),
    tr=trs,
    duration=durations,
    window=st.floats(0.1, 30.0),
    rate=st.sampled_from([8_000, 16_000, 44_100]),
)
def test_audio_windows_are_causal_in_bounds_and_at_most_one_window_long(
    n_tr: int, tr: float, duration: float, window: float, rate: int
):
    bounds = timing.audio_windows(n_tr, tr, duration, window, rate)
    assert bounds.shape == (n_tr, 2)
    assert bounds.dtype == np.int64
    start, end = bounds[:, 0], bounds[:, 1]
    assert (start >= 0).all()
    assert (start <= end).all()
    assert (end <= int(duration * rate) + 1).all()
    assert (end - start <= math.ceil(window * rate) + 1).all()
    # Causal: TR i never hears past its own end, and windows only move forward.
    assert (end <= np.floor(np.arange(1, n_tr + 1) * tr * rate) + 1).all()
    assert (np.diff(end) >= 0).all()
    assert (np.diff(start) >= 0).all()


@st.composite
def video_grids(draw):
    tr = draw(trs)
    fps = draw(st.floats(1.0, 120.0))
    duration = draw(st.floats(tr, 600.0))
    frame_count = max(1, math.floor(duration * fps) + draw(st.integers(-2, 2)))
    n_tr = draw(st.integers(1, max(1, math.ceil(duration / tr))))
    chunk = draw(st.floats(tr, 32.0))
    samples = draw(st.integers(2, 96))
    return n_tr, tr, duration, fps, frame_count, chunk, samples


@PROPS
@given(grid=video_grids())
def test_video_windows_sample_existing_frames_and_own_tokens(grid):
    n_tr, tr, duration, fps, frame_count, chunk, samples = grid
    if (n_tr - 1) * tr >= duration:  # a TR that starts after the video is refused
        with pytest.raises(vw.StimulusError, match="do not fit a video"):
            timing.video_windows(n_tr, tr, duration, fps, frame_count, chunk, samples)
        return
    try:
        windows = timing.video_windows(n_tr, tr, duration, fps, frame_count, chunk, samples)
    except vw.StimulusError as error:
        refusal = str(error)
    else:
        refusal = None
    if refusal is not None:  # the one documented refusal left: a chunk with no frame
        assert "holds no frame" in refusal
        return
    frames, tokens, chunks = windows.frames, windows.tokens, windows.chunks
    n_tokens = samples // timing.VIDEO_TUBELET
    assert frames.shape == (n_tr, samples)
    assert (frames < frame_count).all()
    assert (np.diff(frames, axis=1) >= 0).all()  # in time order within a chunk
    # A negative frame is a time before the movie: only early chunks have them.
    assert (frames >= np.floor(chunks[:, :1] * fps) - 1).all()
    assert ((tokens[:, 0] >= 0) & (tokens[:, 0] < tokens[:, 1])).all()
    assert (tokens[:, 1] <= n_tokens).all()
    assert (chunks[:, 1] <= duration + 1e-9).all()
    assert (chunks[:, 1] - chunks[:, 0] <= chunk + 1e-9).all()


masks = hnp.arrays(np.int8, N_PARCELS, elements=st.integers(0, 1))
roi_lists = st.lists(st.sampled_from(NETWORKS), min_size=1, max_size=7, unique=True)


@PROPS
@given(
    rois=st.one_of(st.none(), roi_lists),
    mask=st.one_of(st.none(), masks),
    case=st.sampled_from(["same", "lower"]),
)
def test_selection_is_the_sorted_union_of_networks_and_mask(rois, mask, case):
    selection = {}
    if rois is not None:
        selection["roi"] = rois if case == "same" else [r.lower() for r in rois]
    if mask is not None:
        selection["parcel_index"] = mask
    expected = np.zeros(N_PARCELS, bool)
    if rois:
        expected |= np.isin(load_atlas().networks, rois)
    if mask is not None:
        expected |= mask == 1
    empty_mask = mask is not None and not mask.any()  # a mask must pick something itself
    if not selection or not expected.any() or empty_mask:
        with pytest.raises(vw.InvalidParameterError):
            resolve_selection(selection)
        return
    resolved = resolve_selection(selection)
    assert resolved.indices.tolist() == np.flatnonzero(expected).tolist()
    assert (np.diff(resolved.indices) > 0).all()
    assert not resolved.indices.flags.writeable


def _reference_assignment(offsets, spans):
    """The published rule, one token at a time."""
    first_start = spans[0][0] if spans else 0
    out = []
    for start, end in offsets:
        if end <= first_start:
            out.append(-1)
            continue
        owner = next((i for i, (s, e) in enumerate(spans) if start < e and end > s), -1)
        out.append(owner)
    return out


lines = st.lists(st.text(max_size=12), min_size=1, max_size=12)


@PROPS
@given(transcripts=lines, data=st.data())
def test_tokens_go_to_the_tr_whose_line_they_overlap(transcripts, data):
    prompt, spans = build_prompt(transcripts)
    # Tokens tile the prompt at random cut points, plus a few zero-width special tokens.
    cuts = sorted(set(data.draw(st.lists(st.integers(1, len(prompt) - 1), max_size=40))))
    edges = [0, *cuts, len(prompt)]
    offsets = list(itertools.pairwise(edges))
    specials = data.draw(st.lists(st.integers(0, len(prompt)), max_size=3))
    offsets += [(p, p) for p in specials]
    got = assign_tokens_to_trs(np.array(offsets, dtype=np.int64), spans)
    assert got.tolist() == _reference_assignment(offsets, spans)
    tiled = got[: len(edges) - 1]
    owned = tiled[tiled >= 0]
    assert (np.diff(owned) >= 0).all()  # tiling tokens walk through the TRs in order
    # A token that lies inside one TR's line belongs to that TR.
    for k, (start, end) in enumerate(offsets[: len(edges) - 1]):
        inside = [i for i, (s, e) in enumerate(spans) if s <= start and end <= e]
        if inside:
            assert tiled[k] == inside[0]


@PROPS
@given(
    array=st.sampled_from(SUPPORTED_DTYPES).flatmap(
        lambda dtype: hnp.arrays(dtype, hnp.array_shapes(min_dims=0, max_dims=3, max_side=7))
    ),
    transpose=st.booleans(),
)
def test_binary_arrays_round_trip_exactly(array: np.ndarray, transpose: bool):
    if transpose:
        array = array.T  # not C-contiguous: must still arrive in C order
    message = array_to_json(array)
    back = array_from_json({**message, "view": message["view"].tobytes()})
    assert back.dtype == array.dtype
    assert back.shape == array.shape
    assert np.array_equal(back, array, equal_nan=array.dtype.kind == "f")


@PROPS
@given(
    array=hnp.arrays(
        st.sampled_from([np.float32, np.float64, np.int16, np.bool_]),
        hnp.array_shapes(min_dims=1, max_dims=3, max_side=9),
    ),
    settings_=st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
)
def test_feature_cache_entries_round_trip_exactly(
    tmp_path_factory: pytest.TempPathFactory, array, settings_
):
    cache = FeatureCache(tmp_path_factory.mktemp("cache"))
    key = cache.key("text", "input", "extractor", settings_)
    cache.put(key, array)
    back = cache.get(key)
    assert back is not None
    assert back.dtype == array.dtype
    assert back.shape == array.shape
    assert np.array_equal(back, array, equal_nan=array.dtype.kind == "f")


@PROPS
@given(
    transcripts=st.lists(st.text(), min_size=1, max_size=8),
    suffix=st.sampled_from([".json", ".tsv"]),
    tr=st.floats(0.1, 3.0),
)
def test_saved_transcripts_load_back_identical(
    tmp_path_factory: pytest.TempPathFactory, transcripts, suffix, tr
):
    path = Path(tmp_path_factory.mktemp("saves")) / f"lines{suffix}"
    vw.TranscriptEditor(transcripts, tr=tr).save(path)
    back = vw.TranscriptEditor.load(path)
    assert back.transcripts == transcripts
    assert back.tr == pytest.approx(tr, abs=1e-8)
