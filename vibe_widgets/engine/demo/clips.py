"""Synthetic training movies for the demo fit: scenes, cuts, motion, sounds and speech on a TR grid.

Each clip varies the three drives of `simulate` independently: scenes of shapes moving at
a per-scene speed (some still) with hard cuts between them, sound segments (silence, noise,
tones) of random loudness, and TRs with 2-5 words whose audio is a syllable-rate buzz.
Written with PyAV; the same seed always gives the same clip.
"""

from __future__ import annotations

import os
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

__all__ = ["write_training_clip"]

_WORDS = [
    "the",
    "a",
    "sun",
    "sea",
    "wave",
    "sand",
    "bird",
    "tree",
    "path",
    "road",
    "car",
    "train",
    "city",
    "light",
    "night",
    "sky",
    "morning",
    "red",
    "green",
    "blue",
    "white",
    "dark",
    "bright",
    "slow",
    "fast",
    "tall",
    "small",
    "river",
    "hill",
    "cloud",
    "rain",
    "wind",
    "walk",
    "run",
    "fly",
    "rise",
    "fall",
    "shine",
    "glow",
    "drift",
    "sing",
    "call",
    "wait",
    "turn",
    "cross",
    "look",
    "over",
    "under",
    "toward",
    "through",
    "quiet",
    "loud",
    "warm",
    "cold",
    "old",
    "new",
    "long",
]
_FPS = 24
_SIZE = (90, 160)  # (height, width)
_RATE = 22_050


def _scenes(n_frames: int, rng: np.random.Generator, tr: float) -> list[tuple[int, int]]:
    """Scene spans in frames: 2-8 TRs long, hard cuts at TR-independent times."""
    spans, start = [], 0
    while start < n_frames:
        length = int(rng.uniform(2, 8) * tr * _FPS)
        spans.append((start, min(n_frames, start + length)))
        start += length
    return spans


def _render(n_frames: int, rng: np.random.Generator, tr: float) -> np.ndarray:
    height, width = _SIZE
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    video = np.empty((n_frames, height, width, 3), dtype=np.uint8)
    for start, stop in _scenes(n_frames, rng, tr):
        top, bottom = rng.uniform(0, 255, 3), rng.uniform(0, 255, 3)
        background = top + (bottom - top) * (y / height)[..., None]
        speed = rng.choice([0.0, 0.0, 0.5, 1.5, 4.0]) * rng.uniform(0.5, 1.5)
        n_shapes = int(rng.integers(2, 7))
        centres = rng.uniform([0, 0], [width, height], (n_shapes, 2))
        angles = rng.uniform(0, 2 * np.pi, n_shapes)
        velocity = speed * np.stack([np.cos(angles), np.sin(angles)], axis=1)
        radii = rng.uniform(6, 22, n_shapes)
        colours = rng.uniform(0, 255, (n_shapes, 3))
        for f in range(start, stop):
            frame = background.copy()
            pos = centres + velocity * (f - start)
            pos[:, 0] %= width
            pos[:, 1] %= height
            for (cx, cy), r, colour in zip(pos, radii, colours, strict=True):
                inside = (x - cx) ** 2 + (y - cy) ** 2 < r * r
                frame[inside] = colour
            video[f] = frame.astype(np.uint8)
    return video


def _soundtrack(
    n_samples: int, transcripts: list[str], rng: np.random.Generator, tr: float
) -> np.ndarray:
    t = np.arange(n_samples) / _RATE
    audio = np.zeros(n_samples)
    start = 0
    while start < n_samples:  # background: silence, noise or a chord, of random loudness
        length = int(rng.uniform(0.5, 4.0) * _RATE)
        stop = min(n_samples, start + length)
        kind = rng.integers(3)
        level = rng.uniform(0.02, 0.3)
        if kind == 1:
            audio[start:stop] = level * rng.standard_normal(stop - start) * 0.5
        elif kind == 2:
            f0 = rng.uniform(150, 600)
            seg = t[start:stop]
            chord = np.sin(2 * np.pi * f0 * seg) + np.sin(3 * np.pi * f0 * seg)
            audio[start:stop] = level * chord
        start = stop
    for i, text in enumerate(transcripts):  # speech: a buzz at syllable rate
        if not text:
            continue
        a, b = int((i * tr + 0.05) * _RATE), int(((i + 1) * tr - 0.1) * _RATE)
        seg = t[a:b] - t[a]
        f0 = rng.uniform(100, 220)
        buzz = sum(np.sin(2 * np.pi * k * f0 * seg) / k for k in range(1, 6))
        syllables = 0.5 * (1 - np.cos(2 * np.pi * 4.0 * seg))
        audio[a:b] += rng.uniform(0.15, 0.4) * buzz * syllables
    return np.clip(audio, -1, 1).astype(np.float32)


def write_training_clip(
    path: str | os.PathLike, *, n_tr: int = 30, seed: int = 0, tr: float = 1.49
) -> list[str]:
    """Write a synthetic movie of ``n_tr`` TRs (plus 0.5 s) and return its transcript.

    Parameters
    ----------
    path : path-like
        The MP4 to write (H.264 160x90 at 24 fps, AAC mono 22.05 kHz).
    n_tr : int
        Number of whole TRs; the movie lasts ``n_tr * tr + 0.5`` s.
    seed : int
        Everything random (scenes, sounds, words) comes from this seed.
    tr : float
        Repetition time in seconds.

    Returns
    -------
    list of str
        One string per TR (``""`` for a TR without speech), ``n_tr`` of them.
    """
    rng = np.random.default_rng(seed)
    duration = n_tr * tr + 0.5
    transcripts = [
        " ".join(rng.choice(_WORDS, int(rng.integers(2, 6)))) if rng.random() < 0.6 else ""
        for _ in range(n_tr)
    ]
    n_frames = int(duration * _FPS)
    video = _render(n_frames, rng, tr)
    audio = _soundtrack(int(n_frames / _FPS * _RATE), transcripts, rng, tr)
    with av.open(str(Path(path)), "w", format="mp4") as out:
        v = out.add_stream("libx264", rate=_FPS)
        v.height, v.width = _SIZE
        v.pix_fmt = "yuv420p"
        v.options = {"crf": "23", "preset": "veryfast"}
        a = out.add_stream("aac", rate=_RATE)
        a.layout = "mono"
        for frame in video:
            out.mux(v.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")))
        out.mux(v.encode(None))
        for start in range(0, len(audio), 1024):
            block = audio[start : start + 1024][None, :]
            af = av.AudioFrame.from_ndarray(block, format="fltp", layout="mono")
            af.sample_rate = _RATE
            af.pts, af.time_base = start, Fraction(1, _RATE)
            out.mux(a.encode(af))
        out.mux(a.encode(None))
    return transcripts
