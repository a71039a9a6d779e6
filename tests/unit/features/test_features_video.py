"""Video features: TR windows, single-pass frame decoding, and the V-JEPA 2 extractor."""

from __future__ import annotations

import math
from fractions import Fraction
from pathlib import Path
from types import SimpleNamespace

import av
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from safetensors.torch import load_file
from synthetic import write_video

from vibe_widgets.engine.demo.video_model import build_tiny_video_extractor
from vibe_widgets.engine.features.video import (
    VideoFeatureExtractor,
    _hidden_states_4x_convention,
    _pool_tokens,
)
from vibe_widgets.engine.media import count_frames, iter_frame_windows
from vibe_widgets.engine.timing import video_windows
from vibe_widgets.errors import (
    InvalidParameterError,
    MediaError,
    ModelLoadError,
    StimulusError,
)

SAMPLE = Path(__file__).resolve().parents[3] / "vibe_widgets" / "data" / "sample" / "sample.mp4"
MEAN = np.array([0.485, 0.456, 0.406], dtype=np.float32)
STD = np.array([0.229, 0.224, 0.225], dtype=np.float32)
GREEN, BLUE = (0, 255, 0), (0, 0, 255)


# -- helpers -------------------------------------------------------------------------------


def ref_windows(n_tr, tr, duration, fps, frame_count, chunk, n_samples, n_tokens):
    """REFERENCE.md §4 in plain Python: (frames per TR, (tok0, tok1) per TR)."""
    frames, tokens = [], []
    for i in range(n_tr):
        t = i * tr
        c_start = t - (chunk - tr)
        c_end = min(c_start + chunk, duration)
        rel_start, rel_end = chunk - tr, min(chunk - tr + tr, c_end - c_start)
        f0 = int(c_start * fps)
        f1 = min(frame_count, int(c_end * fps))
        candidates = list(range(f0, f1))
        if not candidates:
            return None
        # numpy.linspace(0, n - 1, num): k * ((n - 1) / (num - 1)), last point exactly n - 1.
        last = len(candidates) - 1
        if n_samples == 1:
            picks = [0]
        else:
            step = last / (n_samples - 1)
            picks = [int(k * step) for k in range(n_samples - 1)] + [last]
        frames.append([candidates[p] for p in picks])
        length = c_end - c_start
        tok0 = min(n_tokens - 1, round(rel_start / length * n_tokens))
        tokens.append((tok0, min(n_tokens, max(tok0 + 1, round(rel_end / length * n_tokens)))))
    return frames, tokens


def colour(i: int) -> tuple[int, int, int]:
    return (i * 37) % 256, (i * 91 + 40) % 256, (i * 13 + 80) % 256


def write_indexed(
    path: Path,
    n_frames: int,
    *,
    fps: int = 12,
    size: tuple[int, int] = (40, 24),
    rotation: int = 0,
    marker: bool = False,
    options: dict[str, str] | None = None,
) -> Path:
    """A movie whose frame i is filled with colour(i); ``marker`` paints the right half's
    top quadrant green and bottom quadrant blue, so that orientation can be told."""
    width, height = size
    with av.open(str(path), "w", options=options or {}) as out:
        stream = out.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        if rotation:
            stream.set_display_rotation(rotation)
        for i in range(n_frames):
            rgb = np.empty((height, width, 3), dtype=np.uint8)
            rgb[...] = colour(i)
            if marker:
                rgb[: height // 2, width // 2 :] = GREEN
                rgb[height // 2 :, width // 2 :] = BLUE
            frame = av.VideoFrame.from_ndarray(rgb, format="rgb24")
            frame.pts, frame.time_base = i, Fraction(1, fps)
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    return path


def decode_all(path: Path, size: tuple[int, int] | None = None) -> np.ndarray:
    """Every frame, in decode order, as coded (no rotation), optionally resized (h, w)."""
    kwargs = {} if size is None else {"height": size[0], "width": size[1]}
    with av.open(str(path)) as container:
        return np.stack([f.to_ndarray(format="rgb24", **kwargs) for f in container.decode(video=0)])


def naive_window(all_frames: np.ndarray, indices: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    valid = indices >= 0
    clamped = np.clip(indices, 0, len(all_frames) - 1)
    return np.where(valid[:, None, None, None], all_frames[clamped], 0).astype(np.uint8), valid


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_video_extractor(
        tmp_path_factory.mktemp("vjepa2") / "tiny", seed=1, crop_size=32, frames_per_clip=16
    )


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # 10 s at 12 fps: with 4 s chunks and TR = 1 the first chunks start before the movie.
    return write_indexed(tmp_path_factory.mktemp("clip") / "clip.mp4", 120, size=(48, 40))


# -- video_windows ---------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(
    tr=st.floats(0.5, 3.0),
    fps=st.one_of(st.sampled_from([23.976, 24.0, 25.0, 29.97, 30.0, 60.0]), st.floats(2.0, 60.0)),
    frame_count=st.integers(1, 2500),
    chunk_extra=st.floats(0.0, 18.0),
    n_samples=st.integers(1, 70),
    token_fraction=st.floats(0.0, 1.0),
    n_tr_fraction=st.floats(0.0, 1.0),
)
def test_video_windows_match_the_reference(
    tr, fps, frame_count, chunk_extra, n_samples, token_fraction, n_tr_fraction
):
    duration = frame_count / fps
    chunk = tr + chunk_extra
    n_tokens = max(1, round(token_fraction * n_samples))
    max_tr = math.ceil(duration / tr)
    while (max_tr - 1) * tr >= duration:
        max_tr -= 1
    n_tr = max(1, round(n_tr_fraction * max_tr))  # from 1 TR to the last that starts in it
    expected = ref_windows(n_tr, tr, duration, fps, frame_count, chunk, n_samples, n_tokens)
    if expected is None:
        with pytest.raises(StimulusError, match="holds no frame"):
            video_windows(n_tr, tr, duration, fps, frame_count, chunk, n_samples, n_tokens)
        return
    windows = video_windows(n_tr, tr, duration, fps, frame_count, chunk, n_samples, n_tokens)
    assert windows.frames.dtype == np.int64
    assert windows.frames.shape == (n_tr, n_samples)
    assert windows.frames.tolist() == expected[0]
    assert [tuple(t) for t in windows.tokens.tolist()] == expected[1]


def test_video_windows_published_settings_on_the_sample_clip():
    # 1086 frames at 24 fps (45.25 s), TR 1.49, 16 s chunks, 64 frames, 32 tokens.
    windows = video_windows(30, 1.49, 1086 / 24, 24.0, 1086)
    assert windows.frames.shape == (30, 64)
    # TR 0: chunk (-14.51, 1.49): f0 = int(-348.24) = -348 (toward zero), f1 = int(35.76).
    assert windows.frames[0, 0] == -348
    assert windows.frames[0, -1] == 34  # the last candidate, f1 - 1
    # 383 candidates, 348 of them before the movie: samples k with int(k * 382 / 63) < 348.
    assert (windows.frames[0] < 0).sum() == 58
    assert windows.chunks[0].tolist() == pytest.approx([-14.51, 1.49])
    # Full chunks: the TR is the last 1.49 of 16 s -> tokens 29..31.
    assert windows.tokens.tolist() == [[29, 32]] * 30
    # A TR that starts inside the movie but ends after it: chunk cut at the duration.
    last = video_windows(31, 1.49, 1086 / 24, 24.0, 1086)
    assert last.chunks[30].tolist() == pytest.approx([30.19, 45.25])
    assert last.tokens[30].tolist() == [31, 32]  # round(14.51 / 15.06 * 32) = round(30.8)
    assert last.frames[30, -1] == 1085


def test_video_windows_round_halves_to_even():
    # chunk 16, TR 11: rel_start = 5, D = 16, 8 tokens -> 5 / 16 * 8 = 2.5 exactly -> 2.
    windows = video_windows(2, 11.0, 100.0, 10.0, 1000, 16.0, 16, 8)
    assert windows.tokens[1].tolist() == [2, 8]
    # 3.5 rounds to 4: rel_start = 7 with TR 9, 16 s chunk, 8 tokens.
    assert video_windows(2, 9.0, 100.0, 10.0, 1000, 16.0, 16, 8).tokens[1].tolist() == [4, 8]


def test_video_windows_rejects_what_does_not_fit():
    with pytest.raises(StimulusError, match=r"n_tr=32 TRs of 1\.49 s do not fit"):
        video_windows(32, 1.49, 45.25, 24.0, 1086)
    with pytest.raises(InvalidParameterError, match="chunk_seconds"):
        video_windows(3, 2.0, 45.25, 24.0, 1086, chunk_seconds=1.0)
    with pytest.raises(InvalidParameterError, match="n_tr"):
        video_windows(0, 1.49, 45.25, 24.0, 1086)
    with pytest.raises(InvalidParameterError, match="fps"):
        video_windows(1, 1.49, 45.25, float("nan"), 1086)


# -- frame decoding ----------------------------------------------------------------------------


def test_iter_frame_windows_equals_decode_all_then_index(tmp_path):
    path = write_indexed(tmp_path / "indexed.mp4", 60, size=(40, 24))
    rng = np.random.default_rng(0)
    # Out of order, repeated, negative, and past the last frame (59): clamped to it.
    windows = np.sort(rng.integers(-10, 66, size=(7, 9)), axis=1)[rng.permutation(7)]
    windows[2, -1] = 200
    stats: dict[str, int] = {}
    got = list(iter_frame_windows(path, windows, (16, 20), stats=stats))
    reference = decode_all(path, (16, 20))
    assert len(reference) == 60
    assert [index for index, _, _ in got] == list(range(7))
    for index, frames, valid in got:
        expected, expected_valid = naive_window(reference, windows[index])
        assert frames.shape == (9, 16, 20, 3)
        assert frames.dtype == np.uint8
        np.testing.assert_array_equal(valid, expected_valid)
        np.testing.assert_array_equal(frames, expected)
    # Each needed frame is resized once, however many windows share it.
    needed = {int(min(i, 59)) for i in windows.ravel() if i >= 0}
    assert stats["converted"] == len(needed)
    assert stats["decoded"] == 60
    # The frames really are distinct: indexing errors could not hide.
    assert len({tuple(f[0, 0]) for f in reference}) == 60


def test_iter_frame_windows_on_a_variable_frame_rate_file(tmp_path):
    times = np.cumsum([0.0] + [0.02 if i % 3 else 0.11 for i in range(49)]).tolist()
    path = write_video(tmp_path / "vfr.mp4", frame_times=times, audio=False, size=(48, 32))
    assert count_frames(path) == 50
    windows = np.array([[-3, 0, 1, 7, 20], [18, 22, 30, 41, 49], [45, 46, 47, 48, 49]])
    reference = decode_all(path, (24, 24))
    got = list(iter_frame_windows(path, windows, (24, 24)))
    assert len(got) == 3
    for index, frames, valid in got:
        expected, expected_valid = naive_window(reference, windows[index])
        np.testing.assert_array_equal(valid, expected_valid)
        np.testing.assert_array_equal(frames, expected)


@pytest.mark.parametrize(
    ("rotation", "green_at", "blue_at"),
    [
        # Coded 64 x 32 with the marker on the right half (green above blue). Turned
        # counterclockwise by the display rotation, as FFmpeg's autorotate shows it.
        (90, (slice(0, 32), slice(0, 16)), (slice(0, 32), slice(16, 32))),
        (180, (slice(16, 32), slice(0, 32)), (slice(0, 16), slice(0, 32))),
        (270, (slice(32, 64), slice(16, 32)), (slice(32, 64), slice(0, 16))),
    ],
)
def test_iter_frame_windows_turns_rotated_frames_upright(tmp_path, rotation, green_at, blue_at):
    path = write_indexed(tmp_path / "rot.mp4", 6, size=(64, 32), rotation=rotation, marker=True)
    upright = (32, 64) if rotation == 180 else (64, 32)
    ((_, frames, _),) = list(iter_frame_windows(path, np.array([[0, 3, 5]]), upright))
    coded = decode_all(path)
    assert coded.shape[1:3] == (32, 64)
    np.testing.assert_array_equal(frames, np.rot90(coded[[0, 3, 5]], rotation // 90, axes=(1, 2)))

    # The direction itself, independent of numpy's rot90 convention (inner pixels only:
    # chroma subsampling blurs the edges).
    def mean_colour(region):
        rows, cols = region
        return frames[0, rows, cols][2:-2, 2:-2].reshape(-1, 3).mean(0)

    np.testing.assert_allclose(mean_colour(green_at), GREEN, atol=12)
    np.testing.assert_allclose(mean_colour(blue_at), BLUE, atol=12)


def test_iter_frame_windows_holds_about_one_chunk_of_frames(tmp_path):
    fps, seconds = 24, 90
    path = write_indexed(tmp_path / "long.mp4", fps * seconds, fps=fps, size=(16, 16))
    windows = video_windows(60, 1.49, seconds, fps, fps * seconds, 16.0, 64)
    stats: dict[str, int] = {}
    count = sum(1 for _ in iter_frame_windows(path, windows.frames, (8, 8), stats=stats))
    assert count == 60
    assert stats["decoded"] == fps * seconds
    unique = np.unique(windows.frames[windows.frames >= 0]).size
    assert unique > 1000  # far more frames are used than are ever held at once
    assert 0 < stats["peak_cached"] <= 16 * fps + 1


def test_iter_frame_windows_bad_files(tmp_path):
    windows = np.array([[0, 1]])
    with pytest.raises(MediaError, match="not found"):
        iter_frame_windows(tmp_path / "missing.mp4", windows, (8, 8))
    garbage = tmp_path / "garbage.mp4"
    garbage.write_bytes(b"not a movie at all " * 200)
    with pytest.raises(MediaError, match=r"garbage\.mp4"):
        list(iter_frame_windows(garbage, windows, (8, 8)))
    # Moov atom at the end: a truncated MP4 cannot even be opened.
    whole = write_indexed(tmp_path / "whole.mp4", 120)
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    with pytest.raises(MediaError, match=r"cut\.mp4"):
        list(iter_frame_windows(cut, windows, (8, 8)))
    # Moov atom first: it opens and decodes part-way; asking for the end is an error.
    fast = write_indexed(tmp_path / "fast.mp4", 240, options={"movflags": "+faststart"})
    fast_cut = tmp_path / "fast_cut.mp4"
    fast_cut.write_bytes(fast.read_bytes()[: fast.stat().st_size // 2])
    assert count_frames(fast_cut) == 240  # the header still says 240
    with pytest.raises(MediaError, match=r"fast_cut\.mp4.*truncated"):
        list(iter_frame_windows(fast_cut, np.array([[0, 239]]), (8, 8), max_missing=5))
    with pytest.raises(InvalidParameterError, match="windows"):
        iter_frame_windows(whole, np.zeros((2, 0), dtype=np.int64), (8, 8))
    with pytest.raises(InvalidParameterError, match="size"):
        iter_frame_windows(whole, windows, (8,))


def test_count_frames_without_a_container_count(tmp_path):
    mkv = write_video(tmp_path / "a.mkv", seconds=2, fps=24, audio=False)
    with av.open(str(mkv)) as container:
        assert container.streams.video[0].frames == 0  # so the demux count is used
    assert count_frames(mkv) == 48
    assert count_frames(write_video(tmp_path / "a.mp4", seconds=2, fps=24, audio=False)) == 48


# -- the extractor -----------------------------------------------------------------------------


def test_pool_tokens_flattens_channel_major():
    t_tokens, grid, channels, pool = 2, 4, 3, 2
    hidden = torch.empty(1, t_tokens * grid * grid, channels)
    for t in range(t_tokens):
        for r in range(grid):
            for c in range(grid):
                for ch in range(channels):
                    hidden[0, t * grid * grid + r * grid + c, ch] = 1000 * t + 100 * ch + 10 * r + c
    pooled = _pool_tokens(hidden, t_tokens, grid, pool)
    assert pooled.shape == (1, t_tokens, channels * pool * pool)
    expected = torch.empty_like(pooled)
    for t in range(t_tokens):
        for ch in range(channels):
            for pr in range(pool):
                for pc in range(pool):
                    # Each pooled cell averages a 2 x 2 block: rows 2pr, 2pr+1, cols 2pc, 2pc+1.
                    value = 1000 * t + 100 * ch + 10 * (2 * pr + 0.5) + (2 * pc + 0.5)
                    expected[0, t, ch * pool * pool + pr * pool + pc] = value
    torch.testing.assert_close(pooled, expected)


def test_hidden_states_follow_the_transformers_4x_convention(tiny_model):
    from transformers import AutoModel

    model = AutoModel.from_pretrained(tiny_model, dtype=torch.float32).eval()
    layer_outputs: list[torch.Tensor] = []
    hooks = [
        layer.register_forward_hook(lambda _m, _i, out: layer_outputs.append(out[0]))
        for layer in model.encoder.layer
    ]
    pixels = torch.randn(2, 16, 3, 32, 32, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        outputs = model(pixel_values_videos=pixels, skip_predictor=True, output_hidden_states=True)
        hidden = _hidden_states_4x_convention(outputs, model)
        normed_last = model.encoder.layernorm(layer_outputs[-1])
    for hook in hooks:
        hook.remove()
    assert len(hidden) == model.config.num_hidden_layers + 1
    # The last entry is the final LayerNorm of the last layer's output ...
    torch.testing.assert_close(hidden[-1], normed_last)
    torch.testing.assert_close(hidden[-1], outputs.last_hidden_state)
    assert not torch.allclose(hidden[-1], layer_outputs[-1], atol=1e-2)  # ... which matters,
    # ... and the other entries are the raw layer outputs.
    for entry, raw in zip(hidden[1:-1], layer_outputs[:-1], strict=True):
        torch.testing.assert_close(entry, raw)
    # Outputs shaped like transformers 4.x (last entry already normalised) give the same
    # tuple: the norm is not applied twice.
    as_4x = SimpleNamespace(
        hidden_states=(*outputs.hidden_states[:-1], outputs.last_hidden_state),
        last_hidden_state=outputs.last_hidden_state,
    )
    for a, b in zip(_hidden_states_4x_convention(as_4x, model), hidden, strict=True):
        torch.testing.assert_close(a, b)
    # Asking for the last three only (what the extractor does) gives the same last three.
    with torch.no_grad():
        selected = model(
            pixel_values_videos=pixels, skip_predictor=True, output_hidden_states=[-3, -2, -1]
        )
    if any(h is None for h in selected.hidden_states[-3:]):
        return  # a release that ignores the list (5.17): the extractor asks for all instead
    for a, b in zip(_hidden_states_4x_convention(selected, model)[-3:], hidden[-3:], strict=True):
        torch.testing.assert_close(a, b)


def reference_features(model_dir, video, n_tr, tr, chunk, n_last, pool):
    """The published computation written out step by step, one TR at a time."""
    from transformers import AutoModel

    model = AutoModel.from_pretrained(model_dir, dtype=torch.float32).eval()
    cfg = model.config
    size, n_samples = cfg.crop_size, cfg.frames_per_clip
    t_tokens, grid = n_samples // cfg.tubelet_size, cfg.crop_size // cfg.patch_size
    all_frames = decode_all(video, (size, size))
    frame_count, fps = len(all_frames), 12.0
    frames, tokens = ref_windows(
        n_tr, tr, frame_count / fps, fps, frame_count, chunk, n_samples, t_tokens
    )
    captured: list[torch.Tensor] = []
    model.encoder.embeddings.register_forward_hook(lambda _m, _i, out: captured.append(out))
    for layer in model.encoder.layer:
        layer.register_forward_hook(lambda _m, _i, out: captured.append(out[0]))
    rows = []
    for indices, (tok0, tok1) in zip(frames, tokens, strict=True):
        clip = np.zeros((n_samples, size, size, 3), dtype=np.float32)
        for j, index in enumerate(indices):
            if index >= 0:
                clip[j] = (all_frames[min(index, frame_count - 1)] / 255.0 - MEAN) / STD
        pixels = torch.from_numpy(clip).permute(0, 3, 1, 2)[None]
        captured.clear()
        with torch.no_grad():
            model(pixel_values_videos=pixels, skip_predictor=True)
            states = [*captured[:-1], model.encoder.layernorm(captured[-1])]  # 4.x: normed last
        mean = torch.stack(states[-n_last:]).mean(0)[0]  # (t_tokens * grid * grid, hidden)
        grids = mean.reshape(t_tokens, grid, grid, -1).permute(0, 3, 1, 2)
        pooled = torch.nn.functional.adaptive_avg_pool2d(grids, pool).flatten(1)
        rows.append(pooled[tok0:tok1].mean(0).numpy())
    return np.stack(rows)


@pytest.mark.parametrize(("n_last", "batch_size"), [(1, 4), (3, 3), (4, 16)])
def test_extract_matches_the_reference_computation(tiny_model, clip, n_last, batch_size):
    n_tr, tr, chunk = 10, 1.0, 4.0
    extractor = VideoFeatureExtractor(
        tiny_model,
        num_last_hidden_states=n_last,
        pool_size=2,
        chunk_length_seconds=chunk,
        batch_size=batch_size,
        dtype=torch.float32,
    )
    calls: list[tuple[int, int]] = []
    features = extractor.extract(clip, n_tr, tr, progress=lambda *a: calls.append(a))
    expected = reference_features(tiny_model, clip, n_tr, tr, chunk, n_last, 2)
    assert features.shape == (n_tr, 32 * 4)
    assert features.dtype == np.float32
    np.testing.assert_allclose(features, expected, atol=1e-4, rtol=0)
    assert np.abs(np.diff(features, axis=0)).max() > 1e-2  # TRs really differ
    assert calls[-1] == (n_tr, n_tr)
    assert [done for done, _ in calls] == sorted(
        {min(n_tr, b) for b in range(batch_size, n_tr + batch_size, batch_size)}
    )


def test_extract_dtype_and_unload(tiny_model, clip):
    float32 = VideoFeatureExtractor(tiny_model, chunk_length_seconds=4, dtype="float32")
    bf16 = VideoFeatureExtractor(tiny_model, chunk_length_seconds=4)  # the published dtype
    a = float32.extract(clip, 5, 1.0)
    b = bf16.extract(clip, 5, 1.0)
    assert bf16.load().dtype == torch.bfloat16
    assert b.dtype == np.float32
    np.testing.assert_allclose(a, b, atol=0.1)  # bfloat16 keeps ~3 significant digits
    assert not np.array_equal(a, b)
    assert float32.loaded
    float32.unload()
    assert not float32.loaded
    np.testing.assert_array_equal(float32.extract(clip, 5, 1.0), a)  # reloads on demand


def test_extract_when_transformers_ignores_a_list_of_hidden_states(tiny_model, clip):
    # transformers 5.17 accepts output_hidden_states=[-3, -2, -1] but returns None for every
    # entry (5.24 fills them in): the extractor must then ask for all states, once.
    extractor = VideoFeatureExtractor(tiny_model, chunk_length_seconds=4, dtype=torch.float32)
    expected = extractor.extract(clip, 5, 1.0)
    model = extractor.load()
    real_forward, requests = model.forward, []

    def forward_like_517(*args, output_hidden_states=None, **kwargs):
        requests.append(output_hidden_states)
        out = real_forward(*args, output_hidden_states=bool(output_hidden_states), **kwargs)
        if isinstance(output_hidden_states, list):
            out.hidden_states = tuple(None for _ in out.hidden_states)
        return out

    model.forward = forward_like_517
    fresh = VideoFeatureExtractor(
        tiny_model, chunk_length_seconds=4, dtype=torch.float32, batch_size=2
    )
    fresh._model = model
    np.testing.assert_array_equal(fresh.extract(clip, 5, 1.0), expected)
    assert isinstance(requests[0], list)
    assert requests[1:] == [True] * (len(requests) - 1)
    assert len(requests) > 2  # several batches: the list was tried once, not per batch


def test_extract_bad_inputs(tiny_model, clip, tmp_path, monkeypatch):
    extractor = VideoFeatureExtractor(tiny_model, chunk_length_seconds=4, dtype=torch.float32)
    with pytest.raises(MediaError, match="not found"):
        extractor.extract(tmp_path / "nope.mp4", 3, 1.0)
    with pytest.raises(
        StimulusError, match=r"n_tr=11 TRs of 1\.0 s do not fit a video of 10\.000 s"
    ):
        extractor.extract(clip, 11, 1.0)
    assert not extractor.loaded  # the TR check comes before loading the model
    with pytest.raises(InvalidParameterError, match="n_tr"):
        extractor.extract(clip, 0, 1.0)
    with pytest.raises(InvalidParameterError, match="tr"):
        extractor.extract(clip, 3, -1.0)
    missing = tmp_path / "no-such-model"
    with pytest.raises(ModelLoadError, match=r"no-such-model.*does not exist"):
        VideoFeatureExtractor(str(missing)).extract(clip, 3, 1.0)
    empty = tmp_path / "empty-model"
    empty.mkdir()
    with pytest.raises(ModelLoadError, match="empty-model"):
        VideoFeatureExtractor(empty).load()
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hf"))
    with pytest.raises(ModelLoadError, match="facebook/no-such-vjepa2"):
        VideoFeatureExtractor("facebook/no-such-vjepa2", local_files_only=True).load()
    with pytest.raises(ModelLoadError, match="pool_size 5 exceeds the token grid side 4"):
        VideoFeatureExtractor(tiny_model, pool_size=5).load()
    with pytest.raises(InvalidParameterError, match="dtype"):
        VideoFeatureExtractor(tiny_model, dtype="int8")
    with pytest.raises(InvalidParameterError, match="batch_size"):
        VideoFeatureExtractor(tiny_model, batch_size=0)


def test_tiny_model_is_deterministic_and_loads_offline(tmp_path, monkeypatch):
    from transformers import AutoModel, VJEPA2Model

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    a = build_tiny_video_extractor(tmp_path / "a", seed=3)
    b = build_tiny_video_extractor(tmp_path / "b", seed=3)
    c = build_tiny_video_extractor(tmp_path / "c", seed=4)
    weights_a, weights_b, weights_c = (load_file(p / "model.safetensors") for p in (a, b, c))
    assert weights_a.keys() == weights_b.keys()
    assert all(torch.equal(weights_a[k], weights_b[k]) for k in weights_a)
    assert any(not torch.equal(weights_a[k], weights_c[k]) for k in weights_a)
    model = AutoModel.from_pretrained(a, local_files_only=True)
    assert isinstance(model, VJEPA2Model)
    assert (model.config.crop_size, model.config.frames_per_clip) == (32, 16)
    assert model.config.hidden_size == 32
    assert model.config.num_hidden_layers == 3


@pytest.mark.skipif(not SAMPLE.exists(), reason="bundled sample clip missing")
def test_extract_on_the_sample_clip(tiny_model):
    features = VideoFeatureExtractor(tiny_model, dtype=torch.float32).extract(SAMPLE, 30, 1.49)
    assert features.shape == (30, 128)
    assert np.isfinite(features).all()
    # Scene cuts at TRs 7, 15 and 22 change the picture, so features differ along the clip.
    assert np.abs(features[20] - features[5]).max() > 1e-2


def test_frame_normaliser_normalises_each_frame_once_and_lets_it_go():
    from vibe_widgets.engine.features.video import IMAGENET_MEAN, IMAGENET_STD, _FrameNormaliser

    rng = np.random.default_rng(3)
    movie = rng.integers(0, 256, size=(40, 4, 5, 3), dtype=np.uint8)
    # Overlapping windows, times before the movie (-1) and a repeated frame number.
    windows = np.array([[-1, -1, 0, 2], [-1, 0, 2, 4], [2, 4, 6, 6], [10, 12, 14, 16]])
    normaliser = _FrameNormaliser(windows, torch.float32)
    converted = []
    mean = torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1)
    std = torch.tensor(IMAGENET_STD).view(1, 3, 1, 1)
    out = torch.empty((4, 3, 4, 5))
    for index, numbers in enumerate(windows):
        valid = numbers >= 0
        frames = movie[np.maximum(numbers, 0)]
        frames[~valid] = 0
        before = dict(normaliser._cache)
        normaliser.window(index, frames, valid, out=out)
        converted.append({n for n in numbers.tolist() if n >= 0 and n not in before})
        per_window = torch.from_numpy(frames).permute(0, 3, 1, 2).to(torch.float32) / 255.0
        per_window = (per_window - mean) / std
        per_window[torch.from_numpy(~valid)] = 0.0
        torch.testing.assert_close(out, per_window, rtol=0, atol=0)
    # Frames 0, 2 and 4 were converted in the window that first held them, never again.
    assert converted == [{0, 2}, {4}, {6}, {10, 12, 14, 16}]
    assert normaliser._cache == {}  # nothing held once the last window that needs it is out


# -- on CUDA -------------------------------------------------------------------------------


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
@pytest.mark.usefixtures("no_tf32")
def test_cuda_demo_extractor_gives_the_cpu_features(clip, tmp_path):
    from vibe_widgets.engine.demo.variant import write_demo_variant

    # TF32 off (no_tf32; cuDNN would use it for the tubelet convolution): float32 on CUDA
    # differs from the CPU by summation order only.
    folder = write_demo_variant(tmp_path / "demo", fitted=False) / "video_extractor"
    n_tr, tr = 8, 1.0
    settings = {"chunk_length_seconds": 4, "dtype": torch.float32, "batch_size": 3}
    on_cpu = VideoFeatureExtractor(folder, **settings).extract(clip, n_tr, tr)
    extractor = VideoFeatureExtractor(folder, device="cuda", **settings)
    on_gpu = extractor.extract(clip, n_tr, tr)
    assert next(extractor.load().parameters()).device.type == "cuda"
    assert on_gpu.dtype == np.float32
    assert on_gpu.shape == on_cpu.shape
    scale = np.abs(on_cpu).max()
    assert np.abs(np.diff(on_cpu, axis=0)).max() > 1e-2 * scale  # TRs really differ
    np.testing.assert_allclose(on_gpu, on_cpu, atol=1e-4 * scale, rtol=0)
