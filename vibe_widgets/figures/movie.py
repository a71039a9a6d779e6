"""render_movie_with_brain: the movie and its predicted glass brain side by side, with sound."""

from __future__ import annotations

import math
import os
import warnings
from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
from av.video.reformatter import VideoReformatter

from vibe_widgets.engine.media import _upright_rgb, probe
from vibe_widgets.engine.timing import DEFAULT_TR, check_tr, count_trs
from vibe_widgets.errors import InvalidParameterError, MediaError
from vibe_widgets.figures._output import out_file
from vibe_widgets.figures._responses import figure_responses
from vibe_widgets.figures._writers import add_h264_stream, even_size
from vibe_widgets.figures.glass_brain import (
    GlassBrainFrames,
    _cmap,
    color_limits,
    network_filter,
)
from vibe_widgets.figures.timecourses import timecourse_axes

__all__ = ["brain_tr_at", "render_movie_with_brain"]

# The brain panel keeps the static glass brain's proportions (1200 x 420 at 100 dpi).
_BRAIN_ASPECT = 1200 / 420
_TIMECOURSE_SHARE = 0.6  # timecourse strip height, as a share of the movie height
_CURSOR_RGB = (34, 34, 34)
_VIDEO_TB = Fraction(1, 90_000)


def brain_tr_at(seconds: float, n_tr: int, tr: float, hrf_offset: float) -> int:
    """The TR shown at movie time ``seconds``: ``floor((seconds - hrf_offset) / tr)``,
    clamped to 0..n_tr-1."""
    index = math.floor((seconds - hrf_offset) / tr + 1e-9)
    return min(max(index, 0), n_tr - 1)


def _check_height(height: Any) -> int:
    if isinstance(height, bool) or not isinstance(height, int) or not 64 <= height <= 2160:
        raise InvalidParameterError(
            f"height must be an int in 64..2160 (pixels of the movie row), got {height!r}."
        )
    return height


class _TimecourseStrip:
    """The network timecourse, rasterised once, with a cursor painted per video frame."""

    def __init__(self, width: int, height: int, **plot_args: Any) -> None:
        dpi = 100 * height / 300
        axes = timecourse_axes(width=width, height=height, dpi=dpi, **plot_args)
        axes.figure.canvas.draw()
        self.image = np.asarray(axes.figure.canvas.buffer_rgba())[..., :3].copy()
        self.axes = axes
        self.top, self.bottom = axes.plot_rows()
        self.lo, self.hi = axes.ax.get_xlim()

    def frame(self, seconds: float) -> np.ndarray:
        out = self.image.copy()
        x = self.axes.cursor_column(min(max(seconds, self.lo), self.hi))
        x = min(max(x, 0), out.shape[1] - 2)
        out[self.top : self.bottom, x : x + 2] = _CURSOR_RGB
        return out


def render_movie_with_brain(
    video_path: str | os.PathLike,
    responses: Any,
    out_path: str | os.PathLike = "movie_with_brain.mp4",
    *,
    tr: float = DEFAULT_TR,
    hrf_offset: float = 0.0,
    parcel_indices: Any = None,
    timecourse: bool = False,
    transcripts: Sequence[str] | None = None,
    height: int = 360,
    cmap: Any = None,
    vmin: float | None = None,
    vmax: float | None = None,
    networks: Sequence[str] | str | None = None,
    title: str | None = None,
    crf: int = 20,
    show_progress: bool = True,
) -> Path:
    """An MP4 of the movie with its glass brain beside it, synced, sound kept.

    At movie time ``t`` the brain panel shows TR ``floor((t - hrf_offset) / tr)`` (clamped
    to the responses' TRs): a positive ``hrf_offset`` delays the brain behind the picture,
    as the haemodynamic response lags the stimulus. Every video frame of the movie is kept
    at its own time; the audio is re-encoded to AAC.

    Parameters
    ----------
    video_path : str or Path
        The movie the responses were predicted for.
    responses : numpy.ndarray or torch.Tensor, shape (n_tr, 1000)
        One row per TR (or (n_tr, n_selected) with ``parcel_indices``). NaN/inf are drawn
        as missing, with a warning.
    out_path : str or Path
        An ``.mp4`` file (folder created).
    tr : float
        Repetition time in seconds.
    hrf_offset : float
        Seconds the brain lags the movie (>= 0 delays it).
    parcel_indices : array-like of int, optional
        Atlas index of each column for a selection's subset (``model.parcel_indices``).
    timecourse : bool
        Add the network timecourse under the movie and brain, with a cursor moving at
        ``t - hrf_offset``.
    transcripts : sequence of str, optional
        One string per TR, written along the timecourse's time axis.
    height : int
        Height in pixels of the movie (and brain) row; the movie keeps its aspect ratio.
    cmap, vmin, vmax, networks
        As in `plot_glass_brain`; the limits are the same for every frame.
    title : str, optional
        Written before each brain frame's ``"TR i (t s)"``.
    crf : int
        x264 quality (lower is better).
    show_progress : bool
        A tqdm progress bar over the movie's frames.

    Returns
    -------
    Path
        The written file.
    """
    from tqdm.auto import tqdm

    tr = check_tr(tr)
    if isinstance(hrf_offset, bool) or not isinstance(hrf_offset, (int, float)) or not (
        math.isfinite(hrf_offset)
    ):
        raise InvalidParameterError(
            f"hrf_offset must be a finite number of seconds (e.g. 4.5), got {hrf_offset!r}."
        )
    height = _check_height(height)
    info = probe(video_path)  # MediaError for a missing or unreadable movie
    data = figure_responses(responses, parcel_indices=parcel_indices, allow_one_map=False)
    path, _ = out_file(out_path, ("mp4",), "movie")
    if path.resolve() == info.path.resolve():
        raise InvalidParameterError(f"out_path '{path}' is the input movie; pick another file.")
    movie_trs = count_trs(info.duration, tr)
    if abs(movie_trs - data.n_tr) > 1:
        warnings.warn(
            f"responses have {data.n_tr} TRs but the movie lasts {movie_trs} TRs of {tr} s "
            f"({info.duration:.2f} s); are they from another clip? The last TR is held.",
            RuntimeWarning,
            stacklevel=2,
        )

    upright = (info.height, info.width) if info.rotation % 180 == 0 else (info.width, info.height)
    movie_h = height - height % 2
    movie_w = even_size(max(2, round(upright[1] * movie_h / upright[0])), movie_h)[0]
    brain_w = even_size(round(movie_h * _BRAIN_ASPECT), movie_h)[0]
    total_w = movie_w + brain_w
    strip_h = even_size(1, round(movie_h * _TIMECOURSE_SHARE))[1] if timecourse else 0

    lo, hi = color_limits(data.values, vmin, vmax)
    colormap = _cmap(cmap)
    brain = GlassBrainFrames(
        drawn=network_filter(networks) & data.in_selection,
        cmap=colormap,
        vmin=lo,
        vmax=hi,
        width=brain_w,
        height=movie_h,
        dpi=100 * movie_h / 420,
        animated=True,
    )
    strip = None
    if timecourse:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # NaN/inf: warned about above
            strip = _TimecourseStrip(
                total_w,
                strip_h,
                responses=responses,
                parcel_indices=parcel_indices,
                tr=tr,
                transcripts=transcripts,
                networks=networks,
                title="",
            )
    prefix = f"{title} · " if title else ""
    canvas = np.full((movie_h + strip_h, total_w, 3), 255, dtype=np.uint8)
    shown_tr = -1

    def compose(movie_rgb: np.ndarray, seconds: float) -> np.ndarray:
        nonlocal shown_tr
        index = brain_tr_at(seconds, data.n_tr, tr, hrf_offset)
        if index != shown_tr:  # the brain changes once per TR, the movie every frame
            brain.set_values(data.values[index], f"{prefix}TR {index} ({index * tr:.2f} s)")
            canvas[:movie_h, movie_w:] = brain.render()
            shown_tr = index
        canvas[:movie_h, :movie_w] = movie_rgb
        if strip is not None:
            canvas[movie_h:] = strip.frame(seconds - hrf_offset)
        return canvas

    done = False
    try:
        _mux(info, path, compose, (movie_h, movie_w), canvas.shape, crf, show_progress, tqdm)
        done = True
    finally:
        if not done:  # no half-written file left behind
            path.unlink(missing_ok=True)
    return path


def _mux(
    info: Any,
    path: Path,
    compose: Any,
    movie_size: tuple[int, int],
    out_shape: tuple[int, ...],
    crf: int,
    show_progress: bool,
    tqdm: Any,
) -> None:
    """Decode the movie once, write composed frames and the re-encoded audio."""
    import av

    movie_h, movie_w = movie_size
    out_h, out_w = out_shape[:2]
    with (
        av.open(str(info.path), mode="r") as src,
        av.open(str(path), mode="w", format="mp4", options={"movflags": "+faststart"}) as dst,
    ):
        vin = src.streams.video[0]
        vin.thread_type = "AUTO"
        ain = src.streams.audio[0] if src.streams.audio else None
        rate = Fraction(info.fps).limit_denominator(1001)
        vout = add_h264_stream(dst, out_w, out_h, rate, crf)
        # A fine time base keeps every source frame at its own time (variable rates too).
        vout.time_base = vout.codec_context.time_base = _VIDEO_TB
        aout = resampler = None
        if ain is not None:
            audio_rate = 48_000 if ain.rate == 48_000 else 44_100
            aout = dst.add_stream("aac", rate=audio_rate)
            aout.layout = "mono" if ain.codec_context.channels == 1 else "stereo"
            aout.bit_rate = 128_000
            resampler = av.AudioResampler(format="fltp", layout=aout.layout.name, rate=audio_rate)
        t0: float | None = None
        last_pts = -1
        samples_out: int | None = None
        total = round(info.duration * info.fps) or None
        progress = tqdm(total=total, desc="movie + brain", unit="frame", disable=not show_progress)
        streams = [vin] if ain is None else [vin, ain]
        # One scaler context for the whole movie (a new one per frame costs more than the resize).
        reformatter = VideoReformatter()
        try:
            for packet in src.demux(*streams):
                for frame in packet.decode():
                    if frame.time is None:
                        continue
                    if packet.stream.type == "video":
                        t0 = frame.time if t0 is None else t0
                        pts = round((frame.time - t0) / _VIDEO_TB)
                        if pts <= last_pts:  # duplicate timestamp: keep the first frame
                            continue
                        last_pts = pts
                        picture = _upright_rgb(frame, movie_h, movie_w, reformatter)
                        rgb = compose(picture, frame.time - t0)
                        video = av.VideoFrame.from_ndarray(rgb, format="rgb24")
                        video.pts, video.time_base = pts, _VIDEO_TB
                        dst.mux(vout.encode(video))
                        progress.update(1)
                    else:
                        if samples_out is None:
                            start = 0.0 if t0 is None else t0
                            samples_out = max(0, round((frame.time - start) * aout.rate))
                        frame.pts = None  # laid end to end, as decoded
                        for chunk in resampler.resample(frame):
                            chunk.pts, chunk.time_base = samples_out, Fraction(1, aout.rate)
                            samples_out += chunk.samples
                            dst.mux(aout.encode(chunk))
        except av.FFmpegError as error:
            raise MediaError(
                f"Decoding '{info.path}' failed part-way ({error}); the file may be truncated. "
                "Re-encode it (e.g. to H.264 MP4) and try again."
            ) from error
        finally:
            progress.close()
        dst.mux(vout.encode(None))
        if aout is not None:
            for chunk in resampler.resample(None):
                chunk.pts, chunk.time_base = samples_out or 0, Fraction(1, aout.rate)
                samples_out = (samples_out or 0) + chunk.samples
                dst.mux(aout.encode(chunk))
            dst.mux(aout.encode(None))
