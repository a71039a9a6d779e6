"""Benchmark: CPU forward time of the VIBE network (random weights) against the number of TRs.

Run ``python bench/bench_model_forward.py`` for the default-size network (0.63 B parameters,
about 2.5 GB of float32 weights) or ``--quick`` for a small network (CI keeps the script
working). The weights are random: this measures speed only, never predictions.
Timings on a shared machine are noisy: compare the median and best columns.
"""

from __future__ import annotations

import argparse
import dataclasses
import resource
import statistics
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


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small network, for CI")
    parser.add_argument("--trs", type=int, default=400, help="clip length to time (TRs)")
    parser.add_argument("--baseline-trs", type=int, default=100, help="baseline clip length")
    parser.add_argument("--repeats", type=int, default=3, help="timed passes per length")
    args = parser.parse_args(argv)

    config = dataclasses.replace(VIBEConfig(), **QUICK) if args.quick else VIBEConfig()
    torch.manual_seed(0)
    start = time.perf_counter()
    model = VIBEModel(config).eval()
    build_s = time.perf_counter() - start
    n_params = sum(p.numel() for p in model.parameters())

    label = "quick (small)" if args.quick else "default VIBEConfig()"
    print(f"network     : {label}, RANDOM weights (benchmark only, not a trained model)")
    print(f"parameters  : {n_params:,} ({n_params / 1e9:.3f} B)")
    print(f"torch       : {torch.__version__}, {torch.get_num_threads()} CPU threads, float32")
    print(f"build time  : {build_s:.1f} s (random initialisation)")
    print()
    print(f"{'n_tr':>6} {'median s':>10} {'best s':>8} {'ms / TR':>9} {'ratio':>7}")
    rows = []
    for n_tr in (args.baseline_trs, args.trs):
        seconds, best = _forward_seconds(model, config, n_tr, args.repeats)
        ratio = seconds / rows[0][1] if rows else 1.0
        rows.append((n_tr, seconds))
        print(f"{n_tr:>6} {seconds:>10.3f} {best:>8.3f} {1e3 * seconds / n_tr:>9.2f} {ratio:>7.2f}")
    print()
    scale = args.trs / args.baseline_trs
    print(f"time ratio  : {ratio:.2f} for {scale:.1f}x the TRs ({scale:.2f} would be linear)")
    print(f"peak RSS    : {_peak_rss_gib():.2f} GiB")


if __name__ == "__main__":
    main()
