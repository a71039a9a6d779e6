"""render_movie_with_brain: frames, sync with the haemodynamic offset, audio, errors."""

from __future__ import annotations

import av
import numpy as np
import pytest
from synthetic import write_video

from vibe_widgets.errors import InvalidParameterError, MediaError
from vibe_widgets.figures import render_movie_with_brain
from vibe_widgets.figures.movie import brain_tr_at

FPS = 24
HEIGHT = 96  # the movie row; the synthetic movie is 160 x 96


@pytest.fixture(scope="module")
def movie(tmp_path_factory: pytest.TempPathFactory):
    # 6 s: 4 whole TRs of 1.49 s, with an AAC tone.
    return write_video(tmp_path_factory.mktemp("movie") / "clip.mp4", seconds=6.0, fps=FPS)


def _signs(n_tr: int) -> np.ndarray:
    """TR k is +1 everywhere when k is even, -1 when odd: red and blue brains in turn."""
    return np.where(np.arange(n_tr)[:, None] % 2 == 0, 1.0, -1.0) * np.ones((n_tr, 1000))


def _decode(path):
    with av.open(str(path)) as container:
        video = container.streams.video[0]
        frames = [(float(f.time), f.to_ndarray(format="rgb24")) for f in container.decode(video)]
    with av.open(str(path)) as container:
        audio = container.streams.audio[0] if container.streams.audio else None
        samples = (
            np.concatenate([f.to_ndarray().ravel() for f in container.decode(audio)])
            if audio is not None
            else None
        )
        rate = None if audio is None else audio.rate
    return frames, samples, rate


def test_brain_tr_at_is_floor_of_shifted_time_clamped():
    assert brain_tr_at(0.0, 4, 1.49, 0.0) == 0
    assert brain_tr_at(1.5, 4, 1.49, 0.0) == 1
    assert brain_tr_at(1.49, 4, 1.49, 0.0) == 1  # a TR starts exactly at its time
    assert brain_tr_at(2.0, 4, 1.49, 3.0) == 0  # before the offset: clamped to the first TR
    assert brain_tr_at(100.0, 4, 1.49, 0.0) == 3  # past the end: the last TR is held
    assert brain_tr_at(4.5, 4, 1.49, 1.5) == 2


@pytest.mark.parametrize("hrf_offset", [0.0, 1.2])
def test_side_by_side_movie_is_synced_and_keeps_the_audio(movie, tmp_path, hrf_offset):
    out = render_movie_with_brain(
        movie, _signs(4), tmp_path / "out" / "m.mp4", height=HEIGHT, hrf_offset=hrf_offset,
        show_progress=False,
    )
    frames, samples, rate = _decode(out)
    assert len(frames) == 6 * FPS  # every movie frame, at its own time
    times = np.array([t for t, _ in frames])
    np.testing.assert_allclose(np.diff(times), 1 / FPS, atol=1e-3)
    height, width, _ = frames[0][1].shape
    assert height == HEIGHT
    movie_w = 160  # 160 x 96 at a 96-px row
    assert width == movie_w + round(HEIGHT * 1200 / 420 / 2) * 2
    # Left: the movie itself (the synthetic clip is never grey-white like the brain panel).
    with av.open(str(movie)) as container:
        first = next(container.decode(video=0)).to_ndarray(format="rgb24")
    assert np.abs(frames[0][1][:, :movie_w].astype(int) - first).mean() < 12
    # Right: red (even TR) or blue (odd TR) brain, per floor((t - offset) / tr), clamped.
    checked = 0
    for t, rgb in frames:
        shifted = (t - hrf_offset) / 1.49
        if abs(shifted - round(shifted)) < 0.1 and shifted > 0:  # skip frames at a TR edge
            continue
        expected = brain_tr_at(t, 4, 1.49, hrf_offset)
        panel = rgb[:, movie_w:].astype(np.int64)
        redness = (panel[..., 0] - panel[..., 2]).mean()
        assert (redness > 0) == (expected % 2 == 0), (t, expected, redness)
        checked += 1
    assert checked > 100
    # The audio: a 440 Hz tone for the whole movie, re-encoded to AAC.
    assert rate in (44_100, 48_000)
    assert len(samples) / rate == pytest.approx(6.0, abs=0.1)
    assert np.sqrt(np.mean(samples**2)) > 0.1


def test_timecourse_strip_with_a_moving_cursor(movie, tmp_path):
    out = render_movie_with_brain(
        movie, _signs(4), tmp_path / "m.mp4", height=HEIGHT, timecourse=True,
        transcripts=["a", "b", "", "d"], show_progress=False,
    )
    frames, _, _ = _decode(out)
    height = frames[0][1].shape[0]
    assert height == HEIGHT + round(HEIGHT * 0.6 / 2) * 2
    strips = [rgb[HEIGHT:].astype(np.int64) for _, rgb in frames]
    # Only the cursor moves: strips differ in a narrow band of columns that moves right.
    dark = [np.flatnonzero((s.sum(axis=-1) < 150).sum(axis=0) > s.shape[0] * 0.3) for s in strips]
    early, late = dark[12], dark[120]
    assert early.size
    assert late.size
    assert late.mean() > early.mean() + 20


def test_a_movie_without_audio_gives_a_silent_mp4(tmp_path):
    silent = write_video(tmp_path / "silent.mp4", seconds=3.0, fps=12, audio=False)
    out = render_movie_with_brain(silent, _signs(2), tmp_path / "m.mp4", height=HEIGHT,
                                  show_progress=False)
    frames, samples, _ = _decode(out)
    assert len(frames) == 36
    assert samples is None


def test_responses_of_another_length_warn(movie, tmp_path):
    with pytest.warns(RuntimeWarning, match="responses have 9 TRs but the movie lasts 4 TRs"):
        render_movie_with_brain(movie, _signs(9), tmp_path / "m.mp4", height=HEIGHT,
                                show_progress=False)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"out_path": "m.gif"}, InvalidParameterError, r"unknown extension '\.gif'.*\.mp4"),
        ({"hrf_offset": float("nan")}, InvalidParameterError, "hrf_offset must be a finite"),
        ({"height": 10}, InvalidParameterError, "height must be an int in 64..2160"),
        ({"video_path": "missing.mp4"}, MediaError, "Video file not found"),
        ({"responses": np.zeros((4, 10))}, InvalidParameterError, r"\(4, 10\)"),
    ],
)
def test_bad_input_is_refused(movie, tmp_path, kwargs, error, match):
    args = {"video_path": movie, "responses": _signs(4), "out_path": "m.mp4", **kwargs}
    args["out_path"] = tmp_path / args["out_path"]
    if args["video_path"] == "missing.mp4":
        args["video_path"] = tmp_path / "missing.mp4"
    with pytest.raises(error, match=match):
        render_movie_with_brain(**args, show_progress=False)
    assert not args["out_path"].exists()
