"""Synthetic media for tests: real files written with PyAV, generated, never downloaded."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np


def write_video(
    path: str | Path,
    *,
    seconds: float = 4.0,
    fps: int = 24,
    size: tuple[int, int] = (160, 96),
    audio: bool = True,
    codec: str = "libx264",
    container_format: str | None = None,
    rotation: int = 0,
    frame_times: list[float] | None = None,
    sample_rate: int = 44_100,
) -> Path:
    """Write a test movie: a moving gradient (frame index visible as brightness) + a tone.

    ``frame_times`` gives explicit frame times (seconds) for a variable-frame-rate file.
    """
    path = Path(path)
    width, height = size
    times = frame_times if frame_times is not None else [i / fps for i in range(int(seconds * fps))]
    # MPEG-4 Part 2 caps the time-base denominator at 65535.
    tb = Fraction(1, 90_000) if codec == "libx264" else Fraction(1, 1000)
    with av.open(str(path), "w", format=container_format) as out:
        v = out.add_stream(codec, rate=fps)
        v.width, v.height = width, height
        v.pix_fmt = "yuv420p"
        v.time_base = tb
        v.codec_context.time_base = tb
        if rotation:
            v.set_display_rotation(rotation)
        a = None
        if audio:
            a = out.add_stream("aac", rate=sample_rate)
            a.layout = "mono"
        x = np.linspace(0, 1, width, dtype=np.float32)[None, :]
        y = np.linspace(0, 1, height, dtype=np.float32)[:, None]
        for i, t in enumerate(times):
            shade = (x * 0.5 + y * 0.5 + t * 0.25) % 1.0
            rgb = np.stack([shade, 1 - shade, np.full_like(shade, (i % 10) / 10)], -1)
            frame = av.VideoFrame.from_ndarray((rgb * 255).astype(np.uint8), format="rgb24")
            frame.pts, frame.time_base = round(t / tb), tb
            out.mux(v.encode(frame))
        out.mux(v.encode(None))
        if a is not None:
            total = int((times[-1] + 1 / fps if times else seconds) * sample_rate)
            tone = 0.3 * np.sin(2 * np.pi * 440 * np.arange(total) / sample_rate)
            chunk = 1024
            for start in range(0, total, chunk):
                block = tone[start : start + chunk].astype(np.float32)[None, :]
                af = av.AudioFrame.from_ndarray(block, format="fltp", layout="mono")
                af.sample_rate = sample_rate
                af.pts, af.time_base = start, Fraction(1, sample_rate)
                out.mux(a.encode(af))
            out.mux(a.encode(None))
    return path


def write_audio_only(path: str | Path, seconds: float = 2.0, sample_rate: int = 44_100) -> Path:
    """Write an audio-only M4A (AAC) file."""
    path = Path(path)
    with av.open(str(path), "w", format="mp4") as out:
        a = out.add_stream("aac", rate=sample_rate)
        a.layout = "mono"
        total = int(seconds * sample_rate)
        tone = 0.3 * np.sin(2 * np.pi * 220 * np.arange(total) / sample_rate)
        for start in range(0, total, 1024):
            block = tone[start : start + 1024].astype(np.float32)[None, :]
            af = av.AudioFrame.from_ndarray(block, format="fltp", layout="mono")
            af.sample_rate = sample_rate
            af.pts, af.time_base = start, Fraction(1, sample_rate)
            out.mux(a.encode(af))
        out.mux(a.encode(None))
    return path
