"""Simulated fMRI for a movie: a transparent generative model the demo variant is fitted to.

Three stimulus measures, each convolved with a canonical haemodynamic response (peak about
5 s after the event) and averaged over every TR, drive three groups of parcels:

* frame-to-frame visual change -> visual network (``Vis``) parcels;
* the audio envelope (RMS) -> somatomotor/auditory (``SomMot``) parcels;
* word onsets (from the per-TR transcript) -> language-related default-network parcels
  (``Default_Temp`` in both hemispheres, ``Default_PFC`` in the left).

Each driven parcel gets a fixed random gain; every parcel gets white Gaussian noise; the
result is z-scored per parcel over the run, as fMRI runs usually are. Nothing here is
fitted to brain data: it is a toy whose ground truth is known.
"""

from __future__ import annotations

import dataclasses
import math
import os
from collections.abc import Sequence

import numpy as np

from vibe_widgets.engine.atlas import N_PARCELS, load_atlas
from vibe_widgets.engine.media import decode_audio, iter_frame_windows, probe
from vibe_widgets.engine.timing import count_trs
from vibe_widgets.errors import InvalidParameterError

__all__ = [
    "REGRESSORS",
    "SimulatedResponses",
    "canonical_hrf",
    "parcel_weights",
    "simulate_responses",
    "stimulus_measures",
]

REGRESSORS: tuple[str, ...] = ("visual_change", "audio_envelope", "word_onsets")
"""The simulated drives, in the row order of `parcel_weights`."""

_RATE = 10.0  # Hz: the fine grid on which events are convolved before averaging per TR
_FRAME_SIZE = (36, 64)  # (height, width): enough to see motion and cuts, cheap to decode
_SPEECH_LEAD, _SPEECH_TAIL = 0.05, 0.1  # words spread over [onset + lead, offset - tail]
_WEIGHT_SEED = 20250801


def canonical_hrf(dt: float, length: float = 32.0) -> np.ndarray:
    """SPM's canonical double-gamma haemodynamic response, sampled every ``dt`` seconds.

    ``t**5 e**-t / 5! - t**15 e**-t / (6 * 15!)``: a peak at 5 s and an undershoot near
    15 s, normalised to unit sum.

    Parameters
    ----------
    dt : float
        Sampling interval in seconds.
    length : float
        Duration of the kernel in seconds.

    Returns
    -------
    numpy.ndarray
        float64 of shape (ceil(length / dt),).
    """
    if not dt > 0 or not length > dt:
        raise InvalidParameterError(f"canonical_hrf needs 0 < dt < length, got {dt}, {length}.")
    t = np.arange(math.ceil(length / dt)) * dt
    peak = t**5 * np.exp(-t) / math.factorial(5)
    undershoot = t**15 * np.exp(-t) / math.factorial(15)
    hrf = peak - undershoot / 6.0
    return hrf / hrf.sum()


def _visual_change(video_path: str | os.PathLike, n_bins: int) -> np.ndarray:
    """Mean absolute difference of consecutive grey frames, summed into ``1/_RATE`` s bins."""
    info = probe(video_path)
    n_frames = max(2, round(info.duration * info.fps))
    pairs = np.stack([np.arange(n_frames - 1), np.arange(1, n_frames)], axis=1)
    out = np.zeros(n_bins)
    for index, frames, _ in iter_frame_windows(video_path, pairs, _FRAME_SIZE):
        grey = frames.astype(np.float32).mean(axis=-1) / 255.0
        b = int((index + 1) / info.fps * _RATE)
        if b < n_bins:
            out[b] += float(np.abs(grey[1] - grey[0]).mean())
    return out


def _audio_envelope(video_path: str | os.PathLike, n_bins: int) -> np.ndarray:
    samples = decode_audio(video_path, sample_rate=16_000, missing_audio="silence")
    per_bin = int(16_000 / _RATE)
    usable = min(n_bins, len(samples) // per_bin)
    out = np.zeros(n_bins)
    blocks = samples[: usable * per_bin].astype(np.float64).reshape(usable, per_bin)
    out[:usable] = np.sqrt((blocks**2).mean(axis=1))
    return out


def _word_onsets(transcripts: Sequence[str], tr: float, n_bins: int) -> np.ndarray:
    out = np.zeros(n_bins)
    for i, text in enumerate(transcripts):
        words = text.split()
        span = tr - _SPEECH_LEAD - _SPEECH_TAIL
        for k in range(len(words)):
            b = int((i * tr + _SPEECH_LEAD + k * span / len(words)) * _RATE)
            if b < n_bins:
                out[b] += 1.0
    return out


def stimulus_measures(
    video_path: str | os.PathLike,
    transcripts: Sequence[str],
    *,
    tr: float = 1.49,
    convolve: bool = True,
) -> dict[str, np.ndarray]:
    """The three drives of the simulation, one value per TR.

    Parameters
    ----------
    video_path : path-like
        The movie (its frames and audio are decoded with PyAV).
    transcripts : sequence of str
        One string per TR; ``floor(duration / tr)`` of them.
    tr : float
        Repetition time in seconds.
    convolve : bool
        Convolve with `canonical_hrf` (what the simulated parcels see) or not (the raw
        stimulus, for lag analyses).

    Returns
    -------
    dict of str to numpy.ndarray
        `REGRESSORS` -> float64 of shape (n_tr,): the mean over each TR of the event series
        (with ``convolve``: mean-centred, then convolved), in its own units.
    """
    duration = probe(video_path).duration
    n_tr = count_trs(duration, tr)
    if len(transcripts) != n_tr:
        raise InvalidParameterError(
            f"Got {len(transcripts)} transcripts for a {duration:.2f} s movie: expected "
            f"floor({duration:.2f} / {tr}) = {n_tr}, one per TR."
        )
    n_bins = math.ceil(duration * _RATE) + 1
    series = {
        "visual_change": _visual_change(video_path, n_bins),
        "audio_envelope": _audio_envelope(video_path, n_bins),
        "word_onsets": _word_onsets(transcripts, tr, n_bins),
    }
    hrf = canonical_hrf(1.0 / _RATE)
    out = {}
    bins_time = (np.arange(n_bins) + 0.5) / _RATE  # bin centres
    tr_index = np.floor(bins_time / tr).astype(int)
    for name, values in series.items():
        if convolve:
            # Centred first, as if the movie's average stimulation had been going on before
            # the run: otherwise every run would start with the same HRF ramp, a cue that
            # says "time since the start", not anything about the stimulus.
            values = np.convolve(values - values.mean(), hrf)[:n_bins]
        sums = np.bincount(tr_index, weights=values, minlength=n_tr + 1)[:n_tr]
        counts = np.bincount(tr_index, minlength=n_tr + 1)[:n_tr]
        out[name] = sums / np.maximum(counts, 1)
    return out


def parcel_weights(seed: int = _WEIGHT_SEED) -> np.ndarray:
    """Gain of each drive on each parcel: float64 of shape (3, 1000), rows as `REGRESSORS`.

    Visual change drives ``Vis`` parcels, the audio envelope ``SomMot`` parcels, word
    onsets the ``Default_Temp`` parcels of both hemispheres and ``Default_PFC`` of the
    left (right temporal ones at half gain). Gains are uniform in [0.5, 1]; all other
    entries are 0.
    """
    atlas = load_atlas()
    labels = np.array(atlas.labels)
    rng = np.random.default_rng(seed)
    gains = rng.uniform(0.5, 1.0, size=(len(REGRESSORS), N_PARCELS))
    language = np.array(["Default_Temp" in s or "LH_Default_PFC" in s for s in labels])
    language_scale = np.where(np.char.startswith(labels, "7Networks_RH"), 0.5, 1.0)
    masks = np.stack(
        [
            atlas.networks == "Vis",
            atlas.networks == "SomMot",
            language,
        ]
    ).astype(float)
    masks[2] *= language_scale
    return gains * masks


def _zscore(x: np.ndarray) -> np.ndarray:
    std = x.std(axis=0)
    return (x - x.mean(axis=0)) / np.where(std > 0, std, 1.0)


@dataclasses.dataclass(frozen=True)
class SimulatedResponses:
    """Simulated fMRI of one run and its ground truth.

    Attributes
    ----------
    fmri : numpy.ndarray
        float32 of shape (n_tr, 1000): signal + noise, z-scored per parcel.
    signal : numpy.ndarray
        float64 of shape (n_tr, 1000): the noiseless part (zero for undriven parcels).
    regressors : dict of str to numpy.ndarray
        The z-scored HRF-convolved drives, (n_tr,) each.
    weights : numpy.ndarray
        Shape (3, 1000), see `parcel_weights`.
    """

    fmri: np.ndarray
    signal: np.ndarray
    regressors: dict[str, np.ndarray]
    weights: np.ndarray


def simulate_responses(
    video_path: str | os.PathLike,
    transcripts: Sequence[str],
    *,
    tr: float = 1.49,
    noise: float = 0.8,
    seed: int = 0,
    weights: np.ndarray | None = None,
) -> SimulatedResponses:
    """Simulate fMRI in the 1000 Schaefer parcels for a movie (see the module docstring).

    Parameters
    ----------
    video_path : path-like
        The movie.
    transcripts : sequence of str
        One string per TR.
    tr : float
        Repetition time in seconds.
    noise : float
        Standard deviation of the white noise added to every parcel, relative to drives
        z-scored over the run (a gain-1 parcel with ``noise=0.8`` has r ~ 0.78 between its
        noiseless and noisy series).
    seed : int
        Seed of the noise.
    weights : numpy.ndarray, optional
        Shape (3, 1000); default `parcel_weights()`.

    Returns
    -------
    SimulatedResponses
    """
    if not noise >= 0:
        raise InvalidParameterError(f"noise must be >= 0, got {noise!r}.")
    weights = parcel_weights() if weights is None else np.asarray(weights, dtype=np.float64)
    if weights.shape != (len(REGRESSORS), N_PARCELS):
        raise InvalidParameterError(
            f"weights must have shape ({len(REGRESSORS)}, {N_PARCELS}), got {weights.shape}."
        )
    measures = stimulus_measures(video_path, transcripts, tr=tr)
    drives = _zscore(np.stack([measures[name] for name in REGRESSORS], axis=1))
    signal = drives @ weights
    rng = np.random.default_rng(seed)
    noisy = signal + noise * rng.standard_normal(signal.shape)
    return SimulatedResponses(
        fmri=_zscore(noisy).astype(np.float32),
        signal=signal,
        regressors={name: drives[:, i] for i, name in enumerate(REGRESSORS)},
        weights=weights,
    )
