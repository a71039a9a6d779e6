"""Synthetic training movies for the demo fit: scenes, cuts, motion, sounds and speech on a TR grid.

Each clip varies the three drives of `simulate` independently. The pictures are in the
style of the bundled sample clip: drawn scenes (a sky gradient, from night-dark to
daylight, a horizon and still blocks) with small objects drifting or blinking at a
per-scene pace (some scenes still), hard cuts between scenes, and the TR's caption and a
running clock as an overlay. Sound: segments of silence, noise or tones of random
loudness, and TRs with 2-5 words whose audio is a syllable-rate buzz.
Written with PyAV; the same seed always gives the same clip.
"""

from __future__ import annotations

import os
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
from PIL import Image, ImageDraw, ImageFont

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
    """Scene spans in frames: 3-10 TRs long, hard cuts at TR-independent times."""
    spans, start = [], 0
    while start < n_frames:
        length = int(rng.uniform(3, 10) * tr * _FPS)
        spans.append((start, min(n_frames, start + length)))
        start += length
    return spans


def _backdrop(rng: np.random.Generator) -> Image.Image:
    """A still scene: a sky gradient from night-dark to daylight, a horizon band, blocks."""
    height, width = _SIZE
    brightness = rng.uniform(0.1, 1.0)  # dark scenes next to bright ones: cuts of every size
    top, bottom = rng.uniform(0, 255, 3) * brightness, rng.uniform(0, 255, 3) * brightness
    t = np.linspace(0.0, 1.0, height)[:, None, None]
    sky = np.broadcast_to((1 - t) * top + t * bottom, (height, width, 3)).astype(np.uint8)
    image = Image.fromarray(sky.copy())
    draw = ImageDraw.Draw(image)
    horizon = int(rng.uniform(0.5, 0.85) * height)
    ground = tuple(int(c) for c in rng.uniform(0, 255, 3) * brightness)
    draw.rectangle([0, horizon, width, height], fill=ground)
    for _ in range(int(rng.integers(0, 8))):  # trees, houses, rocks
        x, w, h = rng.uniform(0, width), rng.uniform(4, 25), rng.uniform(5, 40)
        fill = tuple(int(c) for c in rng.uniform(0, 255, 3) * brightness)
        draw.rectangle([x, horizon - h, x + w, horizon + 2], fill=fill)
    return image


def _scene_movers(rng: np.random.Generator) -> list[tuple]:
    """Small objects of one scene: position, velocity (px/frame), size, colour, blink period.

    Mostly slow, a few fast scenes, some with nothing moving: per-scene motion levels that
    differ as much as the sample clip's beach, forest, city and sunrise do.
    """
    height, width = _SIZE
    speed = rng.choice([0.0, 0.1, 0.3, 0.6, 1.0, 2.0]) * rng.uniform(0.5, 1.5)
    movers = []
    for _ in range(int(rng.integers(1, 12))):
        angle = rng.uniform(0, 2 * np.pi)
        velocity = speed * rng.uniform(0.3, 1.5) * np.array([np.cos(angle), 0.3 * np.sin(angle)])
        size = rng.uniform(1.5, 10) * np.array([1.0, rng.uniform(0.4, 2.0)])
        colour = tuple(int(c) for c in rng.uniform(0, 255, 3))
        blink = float(rng.choice([0.0, 0.0, 0.0, rng.uniform(0.5, 4.0)]))  # seconds
        position = rng.uniform([0, 0], [width, height])
        movers.append((position, velocity, size, colour, blink, rng.uniform(0, 1)))
    return movers


def _render(
    n_frames: int, rng: np.random.Generator, tr: float, transcripts: list[str]
) -> np.ndarray:
    """Frames in the style of the sample clip: drawn scenes, small movers, cuts, captions."""
    height, width = _SIZE
    font = ImageFont.load_default(size=7)
    video = np.empty((n_frames, height, width, 3), dtype=np.uint8)
    for start, stop in _scenes(n_frames, rng, tr):
        backdrop, movers = _backdrop(rng), _scene_movers(rng)
        for f in range(start, stop):
            image = backdrop.copy()
            draw = ImageDraw.Draw(image)
            seconds = f / _FPS
            for position, velocity, size, colour, blink, phase in movers:
                if blink and (seconds / blink + phase) % 1.0 < 0.3:
                    continue  # off for 30 % of its period: windows, fireflies, eyes
                x, y = position + velocity * (f - start)
                x, y = x % width, y % height
                draw.ellipse([x - size[0], y - size[1], x + size[0], y + size[1]], fill=colour)
            # The caption and a running clock, drawn like the sample clip's overlay.
            index = min(int(seconds // tr), len(transcripts) - 1)
            clock = f"TR {index} {seconds:4.1f} s"
            draw.rectangle([1, 1, 4 + draw.textlength(clock, font=font), 9], fill=(0, 0, 0))
            draw.text((2, 1), clock, font=font, fill=(255, 255, 255))
            caption = transcripts[index] or "(silence)"
            right = 4 + draw.textlength(caption, font=font)
            draw.rectangle([1, height - 10, right, height - 1], fill=(0, 0, 0))
            draw.text((2, height - 10), caption, font=font, fill=(255, 255, 255))
            video[f] = np.asarray(image, dtype=np.uint8)
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
    video = _render(n_frames, rng, tr, transcripts)
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
