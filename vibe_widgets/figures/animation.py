"""generate_glass_brain_animation: the glass brain TR by TR, as a GIF or an MP4."""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from vibe_widgets.engine.timing import DEFAULT_TR, check_tr
from vibe_widgets.errors import InvalidParameterError
from vibe_widgets.figures._output import check_size, out_file
from vibe_widgets.figures._responses import figure_responses
from vibe_widgets.figures._writers import GifWriter, Mp4Writer, gif_palette
from vibe_widgets.figures.glass_brain import (
    GlassBrainFrames,
    _cmap,
    color_limits,
    network_filter,
)

__all__ = ["ANIMATION_FORMATS", "generate_glass_brain_animation"]

ANIMATION_FORMATS: tuple[str, ...] = ("gif", "mp4")


def _check_speed(speed: Any) -> float:
    if isinstance(speed, bool) or not isinstance(speed, (int, float)):
        raise InvalidParameterError(f"speed must be a number (1 = real time), got {speed!r}.")
    if not (math.isfinite(speed) and speed > 0):
        raise InvalidParameterError(
            f"speed must be positive and finite (1 = one TR per TR of real time), got {speed!r}."
        )
    return float(speed)


def generate_glass_brain_animation(
    responses: Any,
    out_path: str | os.PathLike = "brain_activation.gif",
    *,
    tr: float = DEFAULT_TR,
    speed: float = 1.0,
    parcel_indices: Any = None,
    cmap: Any = None,
    vmin: float | None = None,
    vmax: float | None = None,
    networks: Sequence[str] | str | None = None,
    title: str | None = None,
    colorbar: bool = True,
    marker_size: float | None = None,
    width: int = 960,
    height: int = 336,
    dpi: float = 80,
    crf: int = 18,
    show_progress: bool = True,
) -> Path:
    """One glass-brain frame per TR, shown for one TR of real time, as a GIF or MP4.

    The outlines, colour bar and text are drawn once; each frame only recolours the 1000
    parcel dots (matplotlib blitting), so frames cost tens of milliseconds.

    Parameters
    ----------
    responses : numpy.ndarray or torch.Tensor, shape (n_tr, 1000)
        One row per TR; with ``parcel_indices``, (n_tr, n_selected): the other parcels are
        drawn as missing. NaN/inf are drawn as missing, with a warning.
    out_path : str or Path
        ``.gif`` (Pillow) or ``.mp4`` (H.264 with PyAV); the folder is created.
    tr : float
        Repetition time in seconds.
    speed : float
        Playback speed: each frame lasts ``tr / speed`` seconds (1490 ms at the default).
        GIF durations are stored in 10 ms steps.
    parcel_indices : array-like of int, optional
        Atlas index of each column for a selection's subset (``model.parcel_indices``).
    cmap, vmin, vmax, networks, colorbar, marker_size
        As in `plot_glass_brain`; the limits are the same for every frame.
    title : str, optional
        Written before each frame's ``"TR i (t s)"``.
    width, height : int
        Frame size in pixels (MP4: padded to even numbers).
    dpi : float
    crf : int
        MP4 quality (x264 CRF; lower is better).
    show_progress : bool
        A tqdm progress bar over the frames.

    Returns
    -------
    Path
        The written file.
    """
    from tqdm.auto import tqdm

    tr = check_tr(tr)
    speed = _check_speed(speed)
    width, height, dpi = check_size(width, height, dpi)
    data = figure_responses(responses, parcel_indices=parcel_indices, allow_one_map=False)
    path, fmt = out_file(out_path, ANIMATION_FORMATS, "glass-brain animation")
    lo, hi = color_limits(data.values, vmin, vmax)
    colormap = _cmap(cmap)
    frames = GlassBrainFrames(
        drawn=network_filter(networks) & data.in_selection,
        cmap=colormap,
        vmin=lo,
        vmax=hi,
        width=width,
        height=height,
        dpi=dpi,
        colorbar=colorbar,
        marker_size=marker_size,
        animated=True,
    )
    frame_seconds = tr / speed
    if fmt == "gif":
        writer: GifWriter | Mp4Writer = GifWriter(
            path, 1000 * frame_seconds, gif_palette(frames.background_rgb, colormap)
        )
    else:
        writer = Mp4Writer(path, width, height, frame_seconds, crf=crf)
    prefix = f"{title} · " if title else ""
    done = False
    try:
        for index in tqdm(
            range(data.n_tr), desc="glass brain", unit="frame", disable=not show_progress
        ):
            frames.set_values(data.values[index], f"{prefix}TR {index} ({index * tr:.2f} s)")
            writer.add(frames.render())
        writer.close()
        done = True
    finally:
        if not done:  # no half-written file left behind
            if isinstance(writer, Mp4Writer):
                writer.container.close()
            path.unlink(missing_ok=True)
    return path
