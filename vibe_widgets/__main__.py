"""Command line: ``demo`` writes the offline demo pages; ``encode-many`` encodes a batch."""

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

    # The whole product on one page: movie, transcript, glass brain and timecourses linked.
    explorer = vw.Explorer(model, clip.video_path, clip.transcripts, show_progress=False)
    explorer_page = explorer.to_html(out / "explorer.html", title="vibe-widgets demo: Explorer")
    print(f"explorer    : {explorer_page.resolve()} ({explorer_page.stat().st_size / 1e6:.1f} MB)")
    print(f"open it with: file://{explorer_page.resolve()}")
    print("tutorials   : .venv/bin/jupyter lab notebooks/01_quickstart.ipynb")
    return 0


def _encode_many(args: argparse.Namespace) -> int:
    from vibe_widgets.engine.scale import encode_many
    from vibe_widgets.errors import VibeError

    spec = {
        "model_variant": args.variant,
        "subject": args.subject,
        "device": args.device,
        "missing_audio": args.missing_audio,
    }
    if args.roi:
        spec["selection"] = {"roi": args.roi}
    try:
        result = encode_many(
            spec,
            [str(p) for p in args.inputs],
            args.out,
            backend=args.backend,
            resume=not args.no_resume,
            cache_dir=args.cache_dir,
            show_progress=not args.quiet,
            num_workers=args.workers,
            video_workers=args.video_workers,
            gpus_per_worker=args.gpus_per_worker,
            max_retries=args.max_retries,
            ray_address=args.ray_address,
        )
    except VibeError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(result)
    return 1 if result.failed else 0


def _add_encode_many(commands: argparse._SubParsersAction) -> None:
    cmd = commands.add_parser(
        "encode-many",
        help="encode many movies (folders of videos with transcripts beside them), resumable",
        description=(
            "Encode every video in the given folders (or the given video files), each with a "
            "transcript file of the same stem beside it (.json or .tsv, as TranscriptEditor "
            "saves them). Writes <name>.npy + <name>.json per movie into --out; reruns skip "
            "finished movies. Exit status: 0 all done, 1 some failed, 2 bad arguments."
        ),
    )
    cmd.add_argument("inputs", nargs="+", type=Path, help="folders of videos, or video files")
    cmd.add_argument("--out", type=Path, required=True, help="output folder")
    cmd.add_argument("--variant", required=True, help="'demo', a Hub repo id or a variant folder")
    cmd.add_argument("--subject", type=int, required=True, choices=[1, 2, 3, 5])
    cmd.add_argument("--roi", action="append", help="keep only this network's parcels (repeatable)")
    cmd.add_argument("--backend", choices=["local", "ray"], default="local")
    cmd.add_argument("--device", default="auto", help="auto, cpu or cuda[:N] (default: auto)")
    cmd.add_argument(
        "--cache-dir", type=Path, help="feature cache (with Ray: on a shared file system)"
    )
    cmd.add_argument("--missing-audio", choices=["error", "silence"], default="error")
    cmd.add_argument("--no-resume", action="store_true", help="redo movies already encoded")
    cmd.add_argument("--quiet", action="store_true", help="no progress bars")
    ray = cmd.add_argument_group("Ray (with --backend ray)")
    ray.add_argument("--ray-address", help="cluster to join (default: $RAY_ADDRESS, else local)")
    ray.add_argument("--workers", type=int, help="workers in all (default: GPUs, else CPUs)")
    ray.add_argument(
        "--video-workers", type=int, help="workers extracting video (default: all but one)"
    )
    ray.add_argument("--gpus-per-worker", type=float, help="default: 1 if the cluster has GPUs")
    ray.add_argument(
        "--max-retries", type=int, default=1, help="retries of a movie whose worker dies"
    )


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``python -m vibe_widgets`` (and the ``vibe-widgets`` command)."""
    parser = argparse.ArgumentParser(prog="vibe-widgets")
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser(
        "demo", help="encode the sample clip with the demo variant, write the player page"
    )
    demo.add_argument("--out", type=Path, default=Path("demo-output"), help="output folder")
    _add_encode_many(commands)
    args = parser.parse_args(argv)
    if args.command == "demo":
        return _demo(args.out)
    if args.command == "encode-many":
        return _encode_many(args)
    return 2


if __name__ == "__main__":
    sys.exit(main())
