"""Command line: ``python -m vibe_widgets demo`` writes the offline demo page."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path


def _demo(out: Path) -> int:
    import vibe_widgets as vw

    clip = vw.sample_clip()
    print(
        f"sample clip : {clip.video_path} ({clip.duration:.2f} s, {clip.n_tr} TRs of {clip.tr} s)"
    )

    model = vw.get_encoding_model(vw.MODEL_ID, subject=1, model_variant="demo", device="cpu")
    print(f"model       : {model!r}")
    started = time.perf_counter()
    responses, meta = vw.encode(
        model, clip.transcripts, video_path=clip.video_path, return_metadata=True
    )
    cached = [m for m, hit in meta["features"]["cached"].items() if hit]
    print(
        f"encode      : responses {tuple(responses.shape)} in "
        f"{time.perf_counter() - started:.2f} s"
        + (f" (cached features: {', '.join(cached)})" if cached else "")
    )
    masks = meta["roi_masks"]
    means = {name: responses[:, mask.astype(bool)].mean().item() for name, mask in masks.items()}
    print("network mean: " + ", ".join(f"{name} {value:+.3f}" for name, value in means.items()))
    if meta["untrained"]:
        print(f"              ({meta['label'] or 'untrained'}: these numbers mean nothing yet)")

    started = time.perf_counter()
    player = vw.VideoPlayer(clip.video_path, tr=clip.tr)
    elapsed = time.perf_counter() - started
    page = player.to_html(out / "video_player.html", title="vibe-widgets demo: sample clip")
    print(
        f"proxy       : {player.proxy.width}x{player.proxy.height} H.264/AAC, "
        f"{player.proxy.size_bytes / 1e6:.2f} MB, ready in {elapsed:.2f} s"
        + (" (from cache)" if player.proxy.transcode_seconds == 0 else "")
    )
    print(f"offline page: {page.resolve()} ({page.stat().st_size / 1e6:.1f} MB)")
    print(f"open it with: file://{page.resolve()}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``python -m vibe_widgets``."""
    parser = argparse.ArgumentParser(prog="python -m vibe_widgets")
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser(
        "demo", help="encode the sample clip with the demo variant, write the player page"
    )
    demo.add_argument("--out", type=Path, default=Path("demo-output"), help="output folder")
    args = parser.parse_args(argv)
    if args.command == "demo":
        return _demo(args.out)
    return 2


if __name__ == "__main__":
    sys.exit(main())
