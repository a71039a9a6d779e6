"""Benchmark: CPU forward time and peak memory of the VIBE network against the number of TRs.

Run ``python bench/bench_model_forward.py`` for the default-size network (0.63 B parameters,
about 2.5 GB of float32 weights) at 100 (baseline), 400 and 4000 TRs, or ``--quick`` for a
small network at 100 and 400 (CI keeps the script working). Each length runs in its own
process, so that its peak resident memory is its own. The weights are random: this
measures speed only, never predictions. The predictor attends over the whole clip, so
its cost grows with the square of the length once attention dominates.
Timings on a shared machine are noisy: compare the median and best columns.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import resource
import statistics
import subprocess
import sys
import time

import torch

from vibe_widgets.engine.config import VIBEConfig
from vibe_widgets.engine.model import VIBEModel

QUICK = {
    "modality_fusion_transformer_dim": 64,
    "predictor_transformer_num_layers": 2,
    "audio_extractor_feature_size": 48,
    "text_extractor_feature_size": 96,
    "video_extractor_feature_size": 32,
}


def _forward_seconds(
    model: VIBEModel, config: VIBEConfig, n_tr: int, repeats: int
) -> tuple[float, float]:
    """Median and best wall time of a forward pass over ``n_tr`` TRs (after one warm-up)."""
    gen = torch.Generator().manual_seed(n_tr)
    features = {k: torch.randn(1, n_tr, d, generator=gen) for k, d in config.input_dims.items()}
    subject = torch.tensor([0])
    times = []
    with torch.inference_mode():
        for i in range(repeats + 1):
            start = time.perf_counter()
            out = model(features, subject)
            elapsed = time.perf_counter() - start
            if i:  # the first pass warms caches and allocators
                times.append(elapsed)
    assert out.shape == (1, n_tr, config.num_rois)
    return statistics.median(times), min(times)


def _peak_rss_gib() -> float:
    # ru_maxrss is in KiB on Linux, bytes on macOS.
    scale = 1 if sys.platform == "darwin" else 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale / 2**30


def _one(config: VIBEConfig, n_tr: int, repeats: int) -> dict:
    torch.manual_seed(0)
    model = VIBEModel(config).eval()
    seconds, best = _forward_seconds(model, config, n_tr, repeats)
    n_params = sum(p.numel() for p in model.parameters())
    return {"n_tr": n_tr, "median": seconds, "best": best, "rss": _peak_rss_gib(),
            "params": n_params}  # fmt: skip


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small network, for CI")
    parser.add_argument(
        "--trs", type=int, nargs="+", default=None, help="clip lengths to time (TRs)"
    )
    parser.add_argument("--baseline-trs", type=int, default=100, help="baseline clip length")
    parser.add_argument("--repeats", type=int, default=3, help="timed passes per length")
    parser.add_argument("--timeout", type=float, default=900, help="seconds per length")
    parser.add_argument("--one", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    config = dataclasses.replace(VIBEConfig(), **QUICK) if args.quick else VIBEConfig()
    if args.one is not None:  # a child: one length, one JSON line
        print(json.dumps(_one(config, args.one, args.repeats)))
        return
    lengths = args.trs or ([400] if args.quick else [400, 4000])
    label = "quick (small)" if args.quick else "default VIBEConfig()"
    print(f"network     : {label}, RANDOM weights (benchmark only, not a trained model)")
    print(f"torch       : {torch.__version__}, {torch.get_num_threads()} CPU threads, float32")
    print()
    print(f"{'n_tr':>6} {'median s':>10} {'best s':>8} {'ms / TR':>9} {'ratio':>7} {'peak GiB':>9}")
    base = None
    for n_tr in (args.baseline_trs, *lengths):
        command = [sys.executable, __file__, "--one", str(n_tr), "--repeats", str(args.repeats)]
        if args.quick:
            command.append("--quick")
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=args.timeout)
        except subprocess.TimeoutExpired:
            print(f"{n_tr:>6} did not finish within {args.timeout:.0f} s on this machine")
            continue
        if done.returncode != 0:
            reason = "killed (out of memory?)" if done.returncode < 0 else done.stderr[-300:]
            print(f"{n_tr:>6} failed, exit {done.returncode}: {reason}")
            continue
        row = json.loads(done.stdout.strip().splitlines()[-1])
        base = base or row
        ratio = row["median"] / base["median"]
        print(
            f"{n_tr:>6} {row['median']:>10.3f} {row['best']:>8.3f} "
            f"{1e3 * row['median'] / n_tr:>9.2f} {ratio:>7.2f} {row['rss']:>9.2f}"
        )
    if base is not None:
        print(f"\nparameters  : {base['params']:,} ({base['params'] / 1e9:.3f} B)")
        print("ratio       : median time / the baseline's; linear growth would be n_tr / "
              f"{args.baseline_trs}")  # fmt: skip
        print("peak GiB    : peak resident memory of the process for that length")


if __name__ == "__main__":
    main()
