"""Benchmark: what an edit costs. Text prefix reuse, and encode vs cached re-encode.

1. Text features of a 20-minute synthetic transcript (805 TRs of generated sentences) on
   the demo text model, after a one-line edit in the first minute, the middle and the last
   minute, against a full extraction (baseline, no reuse) in the same run. Two modes:
   windowed (the demo model's 4096-token context; unchanged windows are skipped) and one
   pass (unlimited context, as a 14B model with a 128k context runs a 20-minute clip;
   the key/value cache of the unchanged prefix is reused). Target: an edit in the last
   minute at least 5x faster than one in the first minute. Every row is checked against
   the full extraction (max abs difference).
2. ``encode`` of a 10-minute synthetic clip with the demo variant: full encode (empty
   feature cache, extractors loaded: baseline) vs re-encode after a one-line edit at the
   start, middle and end (audio and video from the cache, text from the reused prefix,
   then the VIBE forward): the Python side of edit-to-brain. Target: at least 10x.

``--quick`` (CI keeps it working, not for its numbers; under 40 s) uses a 2-minute
transcript with 512-token windows so the windowed path runs, edits in the first and last
minute only, and a 15 s synthetic clip with one edit.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np
from _common import median_seconds, table
from synthetic import write_video

import vibe_widgets as vw
from vibe_widgets.engine import media
from vibe_widgets.engine.demo.variant import ensure_demo_variant
from vibe_widgets.engine.features.cache import FeatureCache
from vibe_widgets.engine.features.text import TextFeatureExtractor
from vibe_widgets.engine.timing import count_trs

TR = 1.49
SUBJECTS = [
    "she",
    "he",
    "the",
    "old",
    "man",
    "the",
    "child",
    "my",
    "friend",
    "nobody",
    "the",
    "dog",
]
VERBS = [
    "said",
    "laughed",
    "ran",
    "walked",
    "waited",
    "looked",
    "turned",
    "opened",
    "closed",
    "remembered",
]
ENDS = ["slowly", "at the door", "into the night", "again", "over the roof", "without a word."]


def sentences(n_tr: int, seed: int = 0) -> list[str]:
    """About 2.5 spoken words per second: one short sentence per TR, some TRs silent."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n_tr):
        if rng.random() < 0.1:
            out.append("")
            continue
        out.append(
            f"{rng.choice(SUBJECTS).capitalize()} {rng.choice(VERBS)} {rng.choice(ENDS)}".strip()
        )
    return out


def _edit(lines: list[str], where: int, tag: int) -> list[str]:
    edited = list(lines)
    edited[where] = f"A dragon lands on the roof, number {tag}."
    return edited


def table_text(n_tr: int, repeats: int, quick: bool = False) -> None:
    folder = ensure_demo_variant() / "text_extractor"
    lines = sentences(n_tr)
    minute = round(60 / TR)
    places = {"first minute": minute // 2, "middle": n_tr // 2, "last minute": n_tr - minute // 2}
    # Quick: a 2-minute prompt fits one 4096-token window, so smaller windows make it split.
    window = 512 if quick else None
    if quick:
        del places["middle"]
    modes = ((f"windowed, {window or 4096}-token windows", window), ("one pass", 10**7))
    for mode, limit in modes:
        full = TextFeatureExtractor(folder, max_context_tokens=limit, reuse_prefix=False)
        reuse = TextFeatureExtractor(folder, max_context_tokens=limit)
        n_tokens = len(full._load_tokenizer()(" ".join(lines), verbose=False)["input_ids"])
        full.extract(lines)  # warm-up: allocator, kernels
        tags = iter(range(10**6))
        edits = {name: _edit(lines, where, next(tags)) for name, where in places.items()}
        base = median_seconds(lambda f=full, e=edits["last minute"]: f.extract(e), repeats)
        rows = [("full extraction (baseline)", base, 1.0, "0")]
        times = {}
        for name, edited in edits.items():
            expected = full.extract(edited)

            samples = []
            for _ in range(repeats):
                reuse.extract(lines)  # back to the unedited prompt (not timed)
                samples.append(median_seconds(lambda r=reuse, e=edited: r.extract(e), 1))
            got = reuse.extract(edited)
            times[name] = float(np.median(samples))
            diff = float(np.abs(got - expected).max())
            rows.append((f"edit in the {name} (line {places[name]})", times[name],
                         base / times[name], f"{diff:.1e}"))  # fmt: skip
        table(
            f"1. Text features after a one-line edit: {n_tr} TRs ({n_tr * TR / 60:.0f} min, "
            f"~{n_tokens} tokens), demo text model, {mode}",
            ["run", "median s", "x faster than full", "max |diff|"],
            rows,
        )
        print(f"first minute / last minute: {times['first minute'] / times['last minute']:.1f}x")


def table_encode(clip_seconds: float, repeats: int, folder: Path, quick: bool = False) -> None:
    path = write_video(folder / "clip.mp4", seconds=clip_seconds, size=(160, 96), fps=24)
    lines = sentences(count_trs(media.probe(path).duration), seed=1)
    n_tr = len(lines)
    model = vw.get_encoding_model(
        vw.MODEL_ID, subject=1, model_variant="demo", device="cpu",
        feature_cache=FeatureCache(folder / "features"),
    )  # fmt: skip

    def full() -> None:
        model.pipeline.cache.clear()
        model.encode(lines, video_path=path, show_progress=False)

    # Load the extractors first (on the sample clip, or quick: this clip): the rows measure
    # work, not loading.
    if quick:
        model.encode(lines, video_path=path, show_progress=False)
    else:
        sample = vw.sample_clip()
        model.encode(list(sample.transcripts), video_path=sample.video_path, show_progress=False)
    full_s = median_seconds(full, repeats)
    rows = [("full encode, empty feature cache (baseline)", full_s, 1.0)]
    tags = iter(range(10**6))
    places = (("start", 1), ("middle", n_tr // 2), ("end", n_tr - 2))
    for name, where in places[-1:] if quick else places:
        samples = []
        for _ in range(repeats):
            model.encode(lines, video_path=path, show_progress=False)  # unedited (not timed)
            edited = _edit(lines, where, next(tags))
            samples.append(
                median_seconds(lambda e=edited: model.encode(e, video_path=path,
                                                            show_progress=False), 1)
            )  # fmt: skip
        sec = float(np.median(samples))
        rows.append((f"re-encode after an edit at the {name}", sec, full_s / sec))
    table(
        f"2. encode, demo variant, {n_tr} TRs ({n_tr * TR / 60:.1f} min clip): "
        "full vs re-encode after a one-line edit",
        ["run", "median s", "x faster"],
        rows,
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2-min transcript, sample clip (CI)")
    args = parser.parse_args(argv)
    repeats = 1 if args.quick else 3
    with tempfile.TemporaryDirectory() as tmp:
        table_text(round(2 * 60 / TR) if args.quick else round(20 * 60 / TR), repeats, args.quick)
        table_encode(15.0 if args.quick else 600.0, 1, Path(tmp), args.quick)


if __name__ == "__main__":
    main()
