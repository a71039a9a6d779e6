"""Benchmark: encode_many on N clips, sequential vs Ray with 1 and 2 workers, demo variant.

Every mode starts from a cold feature cache and loads its own models, as a batch job
does. The baseline is a plain loop of `encode` over the clips in this process; the table
gives each mode's wall time, the part of it spent starting Ray workers (process, imports,
model load), its ratio to the baseline with and without that start-up, seconds per
movie-minute, and the extraction time per movie-minute per modality (worker time). The
Ray cluster (2 CPUs) is started before its rows and its start-up time is printed apart: a
batch job pays it once. On this 2-core machine, shared with other work, 2 workers can at
best halve the time, and the demo models are tiny, so worker start-up weighs heavily on
short runs; the 1-worker row shows what Ray itself costs over the local backend.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

from _common import table
from synthetic import write_video

TR = 1.49
HEADER = ["mode", "wall s", "start-up s", "x baseline", "x w/o start-up", "s/movie-min"]
HEADER += ["audio", "text", "video"]


def _clips(folder: Path, n: int, seconds: float) -> float:
    """Write ``n`` clips with transcripts beside them; returns the movie seconds."""
    for i in range(n):
        video = write_video(folder / f"clip{i:02d}.mp4", seconds=seconds, size=(160, 96), fps=24)
        n_tr = int(seconds / TR)
        lines = [f"clip {i} line {j}" if j % 3 else "" for j in range(n_tr)]
        payload = {"tr": TR, "n_tr": n_tr, "transcripts": lines}
        video.with_suffix(".json").write_text(json.dumps(payload))
    return n * seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 clips of 20 s (CI size)")
    parser.add_argument("--clips", type=int, default=6)
    parser.add_argument("--seconds", type=float, default=60.0, help="length of each clip")
    parser.add_argument("--no-ray", action="store_true", help="skip the Ray row")
    args = parser.parse_args()
    n, seconds = (3, 20.0) if args.quick else (args.clips, args.seconds)

    work = Path(tempfile.mkdtemp(prefix="bench-encode-many-"))
    # Everything (demo variant, features) in a throw-away cache: never the user's.
    os.environ["VIBE_WIDGETS_CACHE"] = str(work / "cache")
    import torch

    import vibe_widgets as vw
    from vibe_widgets.engine.features.cache import FeatureCache
    from vibe_widgets.engine.scale import encode_many, read_transcript_file

    clips = work / "clips"
    clips.mkdir()
    movie_seconds = _clips(clips, n, seconds)
    vw.get_encoding_model(vw.MODEL_ID, subject=1, model_variant="demo")  # generate it once
    spec = {"model_variant": "demo", "subject": 1}
    rows = []

    def row(name: str, wall: float, result=None) -> None:
        per_minute = wall / (movie_seconds / 60)
        modal = result.modality_seconds_per_movie_minute if result is not None else {}
        startup = result.startup_seconds if result is not None else 0.0
        base = rows[0][1] if rows else wall
        rows.append(
            [name, wall, startup, wall / base, (wall - startup) / base, per_minute]
            + [modal.get(m, float("nan")) for m in ("audio", "text", "video")]
        )

    def encode_loop(cache: str) -> float:
        """Seconds for loading the demo and encoding every clip in turn, from an empty cache."""
        started = time.perf_counter()
        model = vw.get_encoding_model(
            vw.MODEL_ID, subject=1, model_variant="demo", feature_cache=FeatureCache(work / cache)
        )
        for video in sorted(clips.glob("*.mp4")):
            lines = read_transcript_file(video.with_suffix(".json"))
            vw.encode(model, lines, video, show_progress=False)
        return time.perf_counter() - started

    row(f"loop of encode, {torch.get_num_threads()} torch threads (baseline)", encode_loop("f0"))

    # The same loop with one torch thread: what intra-op threads cost or bring on these
    # cores (each Ray worker gets the cluster's CPUs / workers threads, here 1 with 2).
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    row("loop of encode, 1 torch thread", encode_loop("f0b"))
    torch.set_num_threads(threads)

    started = time.perf_counter()
    local = encode_many(spec, clips, work / "out-local", cache_dir=work / "f1", show_progress=False)
    row("encode_many local", time.perf_counter() - started, local)
    assert len(local.done) == n, local

    started = time.perf_counter()
    again = encode_many(spec, clips, work / "out-local", cache_dir=work / "f1", show_progress=False)
    row("encode_many local, rerun (all skipped)", time.perf_counter() - started)
    assert len(again.skipped) == n, again

    ray_start = None
    if not args.no_ray:
        import ray

        started = time.perf_counter()
        ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
        ray_start = time.perf_counter() - started
        for workers in (1, 2):
            started = time.perf_counter()
            distributed = encode_many(
                spec, clips, work / f"out-ray{workers}", backend="ray",
                cache_dir=work / f"f-ray{workers}", num_workers=workers, show_progress=False,
            )  # fmt: skip
            row(f"encode_many ray, {workers} worker(s)", time.perf_counter() - started, distributed)
            assert len(distributed.done) == n, distributed
        ray.shutdown()

    table(
        f"encode_many, demo variant: {n} clips x {seconds:.0f} s "
        f"({movie_seconds / 60:.1f} movie-minutes), cold feature cache, CPU",
        HEADER,
        rows,
    )
    print("(audio/text/video: extraction seconds per movie-minute, summed over workers)")
    if ray_start is not None:
        print(f"Ray local cluster start-up (not in the rows): {ray_start:.1f} s")


if __name__ == "__main__":
    main()
