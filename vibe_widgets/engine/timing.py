"""The TR grid: how many TRs a movie has and where each one starts."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from vibe_widgets.errors import InvalidParameterError, StimulusError

__all__ = [
    "AUDIO_WINDOW_SECONDS",
    "DEFAULT_TR",
    "audio_window_times",
    "audio_windows",
    "check_tr",
    "count_trs",
    "tr_start",
    "VIDEO_CHUNK_SECONDS",
    "VIDEO_SAMPLES",
    "VIDEO_TUBELET",
    "VideoWindows",
    "video_windows",
]

DEFAULT_TR = 1.49
# Durations that are exact multiples of the TR must not lose their last TR to float error.
_EPS = 1e-9


def check_tr(tr: float) -> float:
    """Return ``tr`` as a float, or raise if it is not a positive, finite number of seconds."""
    if isinstance(tr, bool) or not isinstance(tr, (int, float)):
        raise InvalidParameterError(
            f"tr must be a number of seconds (e.g. 1.49), got {type(tr).__name__} {tr!r}."
        )
    if not math.isfinite(tr) or tr <= 0:
        raise InvalidParameterError(f"tr must be positive and finite (e.g. 1.49), got {tr!r}.")
    return float(tr)


def count_trs(duration: float, tr: float = DEFAULT_TR) -> int:
    """Number of whole TRs in a clip: ``floor(duration / tr)``.

    Row i of every per-TR array covers the movie interval ``[i * tr, (i + 1) * tr)``;
    a trailing partial TR has no row.
    """
    tr = check_tr(tr)
    numeric = isinstance(duration, (int, float, np.integer, np.floating))
    if isinstance(duration, bool) or not numeric or not math.isfinite(duration) or duration < 0:
        raise InvalidParameterError(
            f"duration must be a finite number of seconds >= 0, got {duration!r}."
        )
    return math.floor(duration / tr + _EPS)


def tr_start(index: int, tr: float = DEFAULT_TR) -> float:
    """Movie time in seconds at which TR ``index`` (an int >= 0) starts."""
    if isinstance(index, bool) or not isinstance(index, (int, np.integer)) or index < 0:
        raise InvalidParameterError(f"index must be a TR index, an int >= 0, got {index!r}.")
    return int(index) * check_tr(tr)


# AST's input: 1024 filter-bank frames at a 10 ms hop, the causal audio window of every TR.
AUDIO_WINDOW_SECONDS = 10.24


def _audio_check_count(name: str, value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
        raise InvalidParameterError(f"{name} must be an int >= 0, got {value!r}.")
    return int(value)


def _audio_check_seconds(name: str, value: float, *, positive: bool) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.floating, np.integer)):
        raise InvalidParameterError(f"{name} must be a number of seconds, got {value!r}.")
    value = float(value)
    if not math.isfinite(value) or value < 0 or (positive and value == 0):
        bound = "> 0" if positive else ">= 0"
        raise InvalidParameterError(f"{name} must be finite and {bound}, got {value!r}.")
    return value


def audio_window_times(
    n_tr: int,
    tr: float,
    audio_duration: float,
    window_seconds: float = AUDIO_WINDOW_SECONDS,
) -> np.ndarray:
    """Causal audio window of each TR, in seconds.

    TR ``i`` looks at the ``window_seconds`` of audio that end with it:
    ``w_end = min((i + 1) * tr, audio_duration)``, ``w_start = max(0, w_end - window_seconds)``.
    Windows near the start, and past the end of the audio, are shorter.

    Parameters
    ----------
    n_tr : int
        Number of TRs.
    tr : float
        Repetition time in seconds.
    audio_duration : float
        Length of the audio in seconds (samples / sample rate).
    window_seconds : float
        Longest window (10.24 s for the published AST).

    Returns
    -------
    numpy.ndarray of shape (n_tr, 2), float64
        ``[w_start, w_end]`` per TR.
    """
    n_tr = _audio_check_count("n_tr", n_tr)
    tr = check_tr(tr)
    duration = _audio_check_seconds("audio_duration", audio_duration, positive=False)
    window = _audio_check_seconds("window_seconds", window_seconds, positive=True)
    # (i + 1) * tr, not a running sum, so that TR 1000 is as exact as TR 1.
    w_end = np.minimum(np.arange(1, n_tr + 1, dtype=np.float64) * tr, duration)
    w_start = np.maximum(0.0, w_end - window)
    return np.stack([w_start, w_end], axis=1)


def audio_windows(
    n_tr: int,
    tr: float,
    audio_duration: float,
    window_seconds: float = AUDIO_WINDOW_SECONDS,
    sample_rate: int = 16_000,
) -> np.ndarray:
    """Sample bounds of each TR's causal audio window (see :func:`audio_window_times`).

    Returns
    -------
    numpy.ndarray of shape (n_tr, 2), int64
        ``[start, end)`` sample indices per TR: ``int(w_start * sample_rate)``,
        ``int(w_end * sample_rate)``.
    """
    if isinstance(sample_rate, bool) or not isinstance(sample_rate, (int, np.integer)):
        raise InvalidParameterError(f"sample_rate must be an int (Hz), got {sample_rate!r}.")
    if sample_rate <= 0:
        raise InvalidParameterError(f"sample_rate must be positive, got {sample_rate!r}.")
    times = audio_window_times(n_tr, tr, audio_duration, window_seconds)
    # Truncation toward zero, as int() does: the times are never negative.
    return (times * int(sample_rate)).astype(np.int64)


# V-JEPA 2's published input: a 16 s chunk of 64 frames, 2 frames per temporal token.
VIDEO_CHUNK_SECONDS = 16.0
VIDEO_SAMPLES = 64
VIDEO_TUBELET = 2


@dataclass(frozen=True, eq=False)
class VideoWindows:
    """The video chunk of every TR: which frames to sample and which tokens to pool.

    Attributes
    ----------
    frames : numpy.ndarray of shape (n_tr, n_samples), int64
        Frame numbers (decode order, 0-based) sampled for each TR's chunk; a negative
        number is a time before the movie starts and stands for an all-zero frame.
    tokens : numpy.ndarray of shape (n_tr, 2), int64
        ``[tok0, tok1)``: the temporal tokens of the chunk that belong to the TR itself.
    chunks : numpy.ndarray of shape (n_tr, 2), float64
        ``[c_start, c_end]`` of each chunk in seconds (``c_start`` is negative early on).
    """

    frames: np.ndarray
    tokens: np.ndarray
    chunks: np.ndarray


def _video_check_positive(name: str, value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.floating, np.integer)):
        raise InvalidParameterError(f"{name} must be a number, got {value!r}.")
    value = float(value)
    if not math.isfinite(value) or value <= 0:
        raise InvalidParameterError(f"{name} must be finite and > 0, got {value!r}.")
    return value


def _video_check_int(name: str, value: int, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise InvalidParameterError(f"{name} must be an int >= {minimum}, got {value!r}.")
    return int(value)


def video_windows(
    n_tr: int,
    tr: float,
    duration: float,
    fps: float,
    frame_count: int,
    chunk_seconds: float = VIDEO_CHUNK_SECONDS,
    n_samples: int = VIDEO_SAMPLES,
    n_tokens: int | None = None,
) -> VideoWindows:
    """Frames and temporal tokens of each TR's video chunk, as the published pipeline has them.

    TR ``i`` starts at ``t = i * tr``; its chunk is the ``chunk_seconds`` that end one TR
    after ``t``: ``c_start = t - (chunk_seconds - tr)``, ``c_end = min(c_start +
    chunk_seconds, duration)``. The TR's own part of the chunk is ``rel = (chunk_seconds -
    tr, min(chunk_seconds, c_end - c_start))`` seconds after ``c_start``.

    Frames: ``f0 = int(c_start * fps)`` (truncation toward zero, negative times too),
    ``f1 = min(frame_count, int(c_end * fps))``; ``n_samples`` of ``f0 .. f1 - 1`` are taken
    at ``numpy.linspace(0, n - 1, n_samples).astype(int64)``.

    Tokens: with ``D = c_end - c_start``, ``tok0 = min(n_tokens - 1, round(rel_start / D *
    n_tokens))`` and ``tok1 = min(n_tokens, max(tok0 + 1, round(rel_end / D * n_tokens)))``.
    ``round`` is Python's, which rounds halves to even like ``numpy.round`` does, so the
    choice between the two cannot change a result (``round(2.5) == 2``).

    Parameters
    ----------
    n_tr : int
        Number of TRs (>= 1). Every TR must start before the end of the video; the last
        one may run past it (its chunk is then cut at ``duration``), which tolerates the
        frame or so by which a container's duration and ``frame_count / fps`` may differ.
    tr : float
        Repetition time in seconds.
    duration : float
        Video duration in seconds (the published pipeline uses ``frame_count / fps``).
    fps : float
        Average frame rate.
    frame_count : int
        Number of frames in the video.
    chunk_seconds : float
        Chunk length in seconds (16 for the published variants); at least ``tr``.
    n_samples : int
        Frames per chunk (the model's ``frames_per_clip``, 64 for the published one).
    n_tokens : int, optional
        Temporal tokens per chunk; ``n_samples // 2`` (the tubelet size) by default.

    Returns
    -------
    VideoWindows

    Raises
    ------
    StimulusError
        If a TR starts at or after the end of the video, or a chunk holds no frame.
    """
    n_tr = _video_check_int("n_tr", n_tr, 1)
    tr = check_tr(tr)
    duration = _video_check_positive("duration", duration)
    fps = _video_check_positive("fps", fps)
    frame_count = _video_check_int("frame_count", frame_count, 1)
    chunk = _video_check_positive("chunk_seconds", chunk_seconds)
    # Without n_tokens, it is n_samples // 2: one frame alone makes no temporal token.
    n_samples = _video_check_int("n_samples", n_samples, 1 if n_tokens else VIDEO_TUBELET)
    n_tokens = n_samples // VIDEO_TUBELET if n_tokens is None else n_tokens
    n_tokens = _video_check_int("n_tokens", n_tokens, 1)
    if chunk < tr:
        raise InvalidParameterError(
            f"chunk_seconds ({chunk}) must be at least one TR ({tr} s): each chunk ends "
            "with its TR."
        )
    if (n_tr - 1) * tr >= duration:
        raise StimulusError(
            f"n_tr={n_tr} TRs of {tr} s do not fit a video of {duration:.3f} s: TR {n_tr - 1} "
            f"would start at {(n_tr - 1) * tr:.3f} s. At most {math.ceil(duration / tr)} TRs "
            f"start inside it, and floor({duration:.3f} / {tr}) = {count_trs(duration, tr)} "
            "are whole."
        )
    lead = chunk - tr
    frames = np.empty((n_tr, n_samples), dtype=np.int64)
    tokens = np.empty((n_tr, 2), dtype=np.int64)
    chunks = np.empty((n_tr, 2), dtype=np.float64)
    for i in range(n_tr):
        c_start = i * tr - lead
        c_end = min(c_start + chunk, duration)
        length = c_end - c_start
        rel_start, rel_end = lead, min(lead + tr, length)
        f0 = int(c_start * fps)
        f1 = min(frame_count, int(c_end * fps))
        if f1 <= f0:
            raise StimulusError(
                f"The video chunk of TR {i} ({c_start:.3f}-{c_end:.3f} s) holds no frame "
                f"(frames {f0}..{f1 - 1} of {frame_count} at {fps:g} fps). Check n_tr and "
                "the video's frame rate."
            )
        candidates = np.arange(f0, f1, dtype=np.int64)
        frames[i] = candidates[np.linspace(0, len(candidates) - 1, n_samples).astype(np.int64)]
        tok0 = min(n_tokens - 1, round(rel_start / length * n_tokens))
        tokens[i] = tok0, min(n_tokens, max(tok0 + 1, round(rel_end / length * n_tokens)))
        chunks[i] = c_start, c_end
    return VideoWindows(frames=frames, tokens=tokens, chunks=chunks)
