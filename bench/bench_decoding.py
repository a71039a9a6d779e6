"""Benchmark: our frame and audio decoding against the decode limit of the same file.

Tables (medians; ratios against a baseline measured in the same run):

1. frames: the published 64-frame 256x256 window of every TR. Baseline: the decode limit
   (PyAV decodes every frame, no conversion). Ours: decode once, convert only the frames a
   window needs, share them across the overlapping windows. BERG-style: seek and decode
   each TR's window on its own.
2. audio: ``decode_audio`` (mono, 16 kHz, one resampler) against PyAV decoding the audio
   stream without conversion.
3. the browser proxy of the sample clip (transcode once, then a digest lookup).

``python bench/bench_decoding.py`` uses a 3-minute synthetic 480p clip; ``--quick`` a 10 s
360p one and no proxy table (CI runs it to keep it working, not for its numbers).
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import av
import numpy as np
from _common import median_seconds, table
from synthetic import write_video

import vibe_widgets as vw
from vibe_widgets.engine import media
from vibe_widgets.engine.timing import count_trs, video_windows

SIZE = (256, 256)


def _video_limit(path: Path) -> int:
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        return sum(1 for _ in container.decode(stream))


def _audio_limit(path: Path) -> int:
    with av.open(str(path)) as container:
        return sum(f.samples for f in container.decode(container.streams.audio[0]))


def _decode_once(path: Path, windows: np.ndarray) -> int:
    return sum(1 for _ in media.iter_frame_windows(path, windows, SIZE))


def _decode_per_window(path: Path, windows: np.ndarray, fps: float) -> int:
    """Each window on its own: seek before its first frame, decode to its last, as BERG does."""
    done = 0
    for row in windows:
        wanted = sorted({int(i) for i in row if i >= 0})
        if not wanted:
            continue
        with av.open(str(path)) as container:
            stream = container.streams.video[0]
            stream.thread_type = "AUTO"
            container.seek(int(wanted[0] / fps / stream.time_base), stream=stream)
            for frame in container.decode(stream):
                index = round(frame.time * fps)
                if index in wanted:
                    frame.to_ndarray(width=SIZE[1], height=SIZE[0], format="rgb24")
                if index >= wanted[-1]:
                    break
        done += 1
    return done


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10 s clip, one repeat (CI)")
    args = parser.parse_args(argv)
    repeats = 1 if args.quick else 3
    seconds, size = (10.0, (640, 360)) if args.quick else (180.0, (854, 480))
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        path = write_video(folder / "decode.mp4", seconds=seconds, size=size, fps=24)
        info = media.probe(path)
        n_tr = count_trs(info.duration)
        frames = media.count_frames(path)
        windows = video_windows(n_tr, 1.49, info.duration, info.fps, frames).frames
        limit = median_seconds(lambda: _video_limit(path), repeats)
        once = median_seconds(lambda: _decode_once(path, windows), repeats)
        per_window = median_seconds(lambda: _decode_per_window(path, windows, info.fps), 1)
        table(
            f"1. Frames: {n_tr} TR windows (64 frames, 256x256) of a {seconds:.0f} s {size[1]}p "
            f"H.264 clip ({frames} frames)",
            ["strategy", "median s", "frames/s", "x limit"],
            [
                ("decode limit: PyAV decode only (baseline)", limit, frames / limit, 1.0),
                ("ours: decode once, share windows", once, frames / once, once / limit),
                ("BERG-style: seek + decode per window", per_window, frames / per_window,
                 per_window / limit),
            ],
        )  # fmt: skip
        print(f"BERG-style / ours: {per_window / once:.1f}x")

        audio_limit = median_seconds(lambda: _audio_limit(path), repeats)
        ours = median_seconds(lambda: media.decode_audio(path), repeats)
        table(
            f"2. Audio: {seconds:.0f} s of 44.1 kHz AAC",
            ["strategy", "median s", "x realtime", "x limit"],
            [
                ("decode limit: PyAV decode only (baseline)", audio_limit,
                 seconds / audio_limit, 1.0),
                ("ours: decode_audio (mono 16 kHz)", ours, seconds / ours, ours / audio_limit),
            ],
        )  # fmt: skip

        if args.quick:
            return
        clip = vw.sample_clip()
        first = median_seconds(
            lambda: media.make_browser_proxy(clip.video_path, folder / "proxy.mp4"), 1
        )
        media.browser_proxy(clip.video_path, cache_dir=folder)
        cached = median_seconds(lambda: media.browser_proxy(clip.video_path, cache_dir=folder), 3)
        table(
            f"3. Browser proxy of the sample clip ({clip.duration:.1f} s)",
            ["step", "median s", "ratio"],
            [("transcode (baseline)", first, 1.0), ("cached lookup", cached, cached / first)],
        )


if __name__ == "__main__":
    main()
