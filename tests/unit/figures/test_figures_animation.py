"""generate_glass_brain_animation: frame count and duration read back, content, errors."""

from __future__ import annotations

from fractions import Fraction

import av
import numpy as np
import pytest
from PIL import Image

from vibe_widgets.engine.atlas import load_atlas
from vibe_widgets.errors import InvalidParameterError
from vibe_widgets.figures import generate_glass_brain_animation, plot_glass_brain
from vibe_widgets.figures.colors import cold_hot_cmap
from vibe_widgets.figures.glass_brain import GlassBrainFrames

SMALL = {"width": 400, "height": 140, "dpi": 33}


def _gif_frames(path) -> tuple[list[np.ndarray], list[int]]:
    image = Image.open(path)
    frames, durations = [], []
    for i in range(image.n_frames):
        image.seek(i)
        durations.append(image.info["duration"])
        frames.append(np.asarray(image.convert("RGB")))
    return frames, durations


def _mp4_frames(path) -> tuple[list[np.ndarray], list[float], float]:
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        decoded = list(container.decode(stream))
        duration = float(stream.duration * stream.time_base)
    frames = [f.to_ndarray(format="rgb24") for f in decoded]
    return frames, [float(f.time) for f in decoded], duration


def _signs(n_tr: int) -> np.ndarray:
    """TR k is +1 everywhere when k is even, -1 when odd: red and blue frames in turn."""
    return np.where(np.arange(n_tr)[:, None] % 2 == 0, 1.0, -1.0) * np.ones((n_tr, 1000))


def _redness(frame: np.ndarray) -> float:
    rgb = frame.astype(np.int64)
    return float((rgb[..., 0] - rgb[..., 2]).mean())


def test_gif_has_one_frame_per_tr_lasting_one_tr(tmp_path):
    out = generate_glass_brain_animation(_signs(5), tmp_path / "new" / "b.gif", **SMALL)
    assert out == tmp_path / "new" / "b.gif"
    frames, durations = _gif_frames(out)
    assert len(frames) == 5
    assert durations == [1490] * 5  # the true TR, not 1000 / 1.49 ms
    redness = [_redness(f) for f in frames]
    assert all(r > 0 for r in redness[::2])
    assert all(r < 0 for r in redness[1::2])


def test_gif_speed_factor_shortens_frames(tmp_path):
    _, durations = _gif_frames(
        generate_glass_brain_animation(_signs(3), tmp_path / "f.gif", speed=2, tr=1.0, **SMALL)
    )
    assert durations == [500] * 3


def test_mp4_has_one_frame_per_tr_at_the_tr_rate(tmp_path):
    out = generate_glass_brain_animation(
        _signs(4), tmp_path / "b.mp4", show_progress=False, **SMALL
    )
    frames, times, duration = _mp4_frames(out)
    assert len(frames) == 4
    np.testing.assert_allclose(np.diff(times), 1.49, atol=1e-3)
    assert duration == pytest.approx(4 * 1.49, abs=1e-3)
    assert frames[0].shape == (140, 400, 3)
    redness = [_redness(f) for f in frames]
    assert redness[0] > 0 > redness[1]
    with av.open(str(out)) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "h264"
        assert stream.codec_context.pix_fmt == "yuv420p"
        assert stream.average_rate == Fraction(100, 149)


def test_mp4_speed_and_odd_sizes(tmp_path):
    out = generate_glass_brain_animation(
        _signs(3), tmp_path / "b.mp4", speed=1.49, width=401, height=141, dpi=33,
        show_progress=False,
    )
    frames, times, _ = _mp4_frames(out)
    np.testing.assert_allclose(np.diff(times), 1.0, atol=1e-3)
    assert frames[0].shape == (142, 402, 3)  # padded to even for yuv420p


def test_frames_equal_the_static_figure(responses):
    # Blitting draws only the dots: each frame must equal a full draw of plot_glass_brain.
    frames = GlassBrainFrames(
        drawn=np.ones(1000, bool), cmap=cold_hot_cmap(), vmin=-1.3, vmax=1.3, animated=True,
        **SMALL,
    )
    for index in (0, 3):
        frames.set_values(responses[index], f"TR {index} ({index * 1.49:.2f} s)")
        fig = plot_glass_brain(responses, index, vmax=1.3, **SMALL)
        fig.canvas.draw()
        full = np.asarray(fig.canvas.buffer_rgba())[..., :3]
        np.testing.assert_array_equal(frames.render(), full)


def test_selection_subset_is_re_embedded(tmp_path):
    indices = np.flatnonzero(load_atlas().networks == "Vis")
    full = np.full((2, 1000), np.nan)
    full[:, indices] = 1.0
    with pytest.warns(RuntimeWarning, match="NaN/inf"):
        expected = _gif_frames(generate_glass_brain_animation(full, tmp_path / "a.gif", **SMALL))
    subset = generate_glass_brain_animation(
        np.ones((2, indices.size)), tmp_path / "b.gif", parcel_indices=indices, **SMALL
    )
    got = _gif_frames(subset)
    np.testing.assert_array_equal(got[0][0], expected[0][0])
    assert got[1] == expected[1]


def test_progress_bar_is_shown_and_can_be_hidden(tmp_path, capsys):
    generate_glass_brain_animation(_signs(2), tmp_path / "a.gif", show_progress=True, **SMALL)
    assert "glass brain" in capsys.readouterr().err
    generate_glass_brain_animation(_signs(2), tmp_path / "b.gif", show_progress=False, **SMALL)
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize(
    ("responses", "kwargs", "match"),
    [
        (np.zeros((2, 1000)), {"out_path": "b.avi"}, r"unknown extension '\.avi'.*\.gif, \.mp4"),
        (np.zeros((2, 1000)), {"out_path": "b"}, r"unknown extension '\(none\)'"),
        (np.zeros((2, 1000)), {"speed": 0}, "speed must be positive"),
        (np.zeros((2, 1000)), {"speed": "fast"}, "speed must be a number"),
        (np.zeros((2, 1000)), {"speed": 100}, r"too short.*Lower speed, or write an \.mp4"),
        (np.zeros(1000), {}, r"shape \(n_tr, 1000\)"),
        (np.zeros((2, 20)), {"parcel_indices": np.arange(30)}, "names 30 parcels"),
        (np.zeros((2, 2)), {"parcel_indices": [5, 5]}, "repeated"),
        (np.zeros((2, 1000), dtype=bool), {}, "real numbers"),
    ],
)
def test_bad_input_is_refused(tmp_path, responses, kwargs, match):
    kwargs = {"out_path": "a.gif", **kwargs}
    kwargs["out_path"] = tmp_path / kwargs["out_path"]
    with pytest.raises(InvalidParameterError, match=match):
        generate_glass_brain_animation(responses, show_progress=False, **kwargs)
    assert not kwargs["out_path"].exists()
