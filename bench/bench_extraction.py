"""Benchmark: frame decoding strategies, the browser proxy, and encode vs cached re-encode.

Each table reports medians and ratios against a baseline measured in the same run:

1. decoding the published 64-frame 256x256 windows of every TR: our decode-once stream
   vs the decode limit of the same file (PyAV decode only, no conversion) and vs
   per-window decoding (seek and decode each TR's 16 s window, as BERG's extractor does);
2. the browser proxy of the sample clip (transcode time and size, the VideoPlayer's cost);
3. encode on the sample clip with the demo variant vs re-encode after editing one line.

``python bench/bench_extraction.py`` uses a 3-minute synthetic 480p clip for table 1;
``--quick`` a 40 s one (CI runs it to keep the script working, not to check numbers).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import av
import numpy as np

import vibe_widgets as vw
from vibe_widgets.engine import media
from vibe_widgets.engine.features.cache import FeatureCache
from vibe_widgets.engine.timing import count_trs, video_windows

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
# The tests' helper writes real files with PyAV.
from synthetic import write_video

SIZE = (256, 256)


def _median(fn: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _decode_limit(path: Path) -> int:
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        return sum(1 for _ in container.decode(stream))


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
            frames = {}
            for frame in container.decode(stream):
                index = round(frame.time * fps)
                if index in wanted:
                    frames[index] = frame.to_ndarray(width=SIZE[1], height=SIZE[0], format="rgb24")
                if index >= wanted[-1]:
                    break
        done += 1
    return done


def table_decoding(folder: Path, seconds: float, repeats: int) -> None:
    path = write_video(folder / "decode.mp4", seconds=seconds, size=(854, 480), fps=24)
    info = media.probe(path)
    n_tr = count_trs(info.duration)
    frames = media.count_frames(path)
    windows = video_windows(n_tr, 1.49, info.duration, info.fps, frames).frames
    limit = _median(lambda: _decode_limit(path), repeats)
    once = _median(lambda: _decode_once(path, windows), repeats)
    per_window = _median(lambda: _decode_per_window(path, windows, info.fps), 1)
    print(f"\n1. Decoding {n_tr} TR windows (64 frames at 256x256) of a {seconds:.0f} s 480p clip")
    print(f"{'strategy':<42}{'median s':>10}{'frames/s':>10}{'x limit':>9}")
    for name, sec in [
        ("decode limit (PyAV decode only)", limit),
        ("decode once + resize needed frames (ours)", once),
        ("per-window seek + decode (BERG-style)", per_window),
    ]:
        print(f"{name:<42}{sec:>10.2f}{frames / sec:>10.0f}{sec / limit:>9.2f}")
    print(f"per-window / ours: {per_window / once:.1f}x")


def table_proxy(folder: Path) -> None:
    clip = vw.sample_clip()
    started = time.perf_counter()
    proxy = media.make_browser_proxy(clip.video_path, folder / "proxy.mp4")
    first = time.perf_counter() - started
    cached = _median(lambda: media.browser_proxy(clip.video_path, cache_dir=folder), 3)
    print(f"\n2. Browser proxy of the sample clip ({clip.duration:.1f} s)")
    print(
        f"transcode {first:.2f} s -> {proxy.width}x{proxy.height}, "
        f"{proxy.size_bytes / 1e6:.2f} MB (source {clip.video_path.stat().st_size / 1e6:.2f} MB)"
    )
    print(f"cached lookup (content digest) {cached * 1000:.1f} ms: {first / cached:.0f}x faster")


def table_reencode(folder: Path, repeats: int) -> None:
    clip = vw.sample_clip()
    model = vw.get_encoding_model(vw.MODEL_ID, subject=1, model_variant="demo", device="cpu")
    model.pipeline.cache = FeatureCache(folder / "features")
    # Warm the extractors once so both rows measure work, not model loading.
    model.pipeline.cache.clear()
    model.encode(clip.transcripts, video_path=clip.video_path, show_progress=False)

    def full() -> None:
        model.pipeline.cache.clear()
        model.encode(clip.transcripts, video_path=clip.video_path, show_progress=False)

    edits = iter(range(10**6))

    def edited() -> None:
        lines = list(clip.transcripts)
        lines[len(lines) // 2] = f"an edited line number {next(edits)}"
        model.encode(lines, video_path=clip.video_path, show_progress=False)

    full_s = _median(full, repeats)
    edit_s = _median(edited, repeats)
    print(f"\n3. Sample clip ({clip.n_tr} TRs), demo variant, extractors loaded")
    print(f"{'':<36}{'median s':>10}{'ratio':>8}")
    print(f"{'full encode (empty cache)':<36}{full_s:>10.3f}{1.0:>8.1f}")
    print(f"{'re-encode after a one-line edit':<36}{edit_s:>10.3f}{full_s / edit_s:>8.1f}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short clip, one repeat (CI)")
    args = parser.parse_args(argv)
    repeats = 1 if args.quick else 3
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        table_decoding(folder, 40.0 if args.quick else 180.0, repeats)
        table_proxy(folder)
        table_reencode(folder, repeats)


if __name__ == "__main__":
    main()
