"""Benchmark: where feature extraction spends its time, per modality, on the demo variant.

For each modality the extractor runs on a clip (the shipped sample clip with ``--quick``,
a 3-minute synthetic clip otherwise) and its wall time is split into stages, measured
around the real calls (no stand-ins): decode, resize/normalise (video frames to tensors,
audio to mel filter banks, text to token ids), model forward (hooks around the top-level
model), pooling (hidden states to one row per TR) and the rest. The baseline is the model
forwards: the table gives each stage's share of the total, and the share outside model
forwards (target: under 10% on a real-size model; the demo models are tiny, so their
forwards are short and this share is an upper bound).
"""

from __future__ import annotations

import argparse
import contextlib
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import torch
from _common import table
from synthetic import write_video

import vibe_widgets as vw
from vibe_widgets.engine import media
from vibe_widgets.engine.features import text as text_module
from vibe_widgets.engine.features import video as video_module
from vibe_widgets.engine.features.cache import FeatureCache
from vibe_widgets.engine.timing import count_trs

_TEXT = "the a cat dog sat ran on under mat roof house she he said quietly never again"
WORDS = _TEXT.split(" ")


class Stopwatch:
    """Seconds per stage, accumulated over calls."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)

    @contextlib.contextmanager
    def stage(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] += time.perf_counter() - start

    def wrap(self, name: str, fn):
        def timed(*args, **kwargs):
            with self.stage(name):
                return fn(*args, **kwargs)

        return timed

    def hook_forward(self, model: torch.nn.Module, name: str = "model forward") -> None:
        started: list[float] = []
        model.register_forward_pre_hook(lambda *a: started.append(time.perf_counter()))

        def done(*args):
            self.seconds[name] += time.perf_counter() - started.pop()

        model.register_forward_hook(done)


def _timed_windows(watch: Stopwatch, fn):
    def frames(*args, **kwargs):
        it = fn(*args, **kwargs)
        while True:
            with watch.stage("decode + resize"):
                item = next(it, None)
            if item is None:
                return
            yield item

    return frames


def _profile_text(pipeline, transcripts) -> Stopwatch:
    watch = Stopwatch()
    ex = pipeline._extractor("text")
    ex.reuse_prefix = False  # a first encode: nothing to reuse
    ex.load()
    watch.hook_forward(ex._model)
    tokenizer = ex._tokenizer
    ex._tokenizer = watch.wrap("tokenise", tokenizer)
    original_pool = text_module.pool_by_tr
    text_module.pool_by_tr = watch.wrap("pooling", original_pool)
    try:
        with watch.stage("total"):
            ex.extract(transcripts)
    finally:
        text_module.pool_by_tr = original_pool
        ex._tokenizer = tokenizer
    return watch


def _profile_audio(pipeline, path: Path, n_tr: int) -> Stopwatch:
    watch = Stopwatch()
    ex = pipeline._extractor("audio")
    ex.load()
    watch.hook_forward(ex._model)
    processor = ex._processor
    ex._processor = watch.wrap("mel filter banks", processor)
    ex._processor.sampling_rate = processor.sampling_rate
    try:
        with watch.stage("total"):
            with watch.stage("decode"):
                samples = media.decode_audio(path)
            ex.extract(samples, n_tr, pipeline.config.tr)
    finally:
        ex._processor = processor
    return watch


def _profile_video(pipeline, path: Path, n_tr: int) -> Stopwatch:
    watch = Stopwatch()
    ex = pipeline._extractor("video")
    model = ex.load()
    watch.hook_forward(model)
    original_windows, original_forward = video_module.iter_frame_windows, ex._forward
    video_module.iter_frame_windows = _timed_windows(watch, original_windows)
    ex._forward = watch.wrap("forward + pooling", original_forward)
    try:
        with watch.stage("total"):
            ex.extract(path, n_tr, pipeline.config.tr)
    finally:
        video_module.iter_frame_windows = original_windows
        del ex._forward
    watch.seconds["pooling"] = (
        watch.seconds.pop("forward + pooling") - watch.seconds["model forward"]
    )
    return watch


def _rows(modality: str, watch: Stopwatch) -> list[tuple]:
    s = dict(watch.seconds)
    total = s.pop("total")
    forward = s["model forward"]
    s["rest (batching, normalise, Python)"] = total - sum(s.values())
    rows = [(f"{modality}: {name}", sec, 100 * sec / total) for name, sec in s.items()]
    rows.append((f"{modality}: TOTAL", total, 100.0))
    rows.append((f"{modality}: outside model forwards", total - forward,
                 100 * (total - forward) / total))  # fmt: skip
    return rows


def _synthetic_transcripts(n_tr: int, seed: int = 0) -> list[str]:
    rng = np.random.default_rng(seed)
    return [" ".join(rng.choice(WORDS, size=rng.integers(0, 9))) for _ in range(n_tr)]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="the 45 s sample clip (CI)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        if args.quick:
            clip = vw.sample_clip()
            path, transcripts = clip.video_path, list(clip.transcripts)
        else:
            path = write_video(Path(tmp) / "clip.mp4", seconds=180.0, size=(640, 360))
            transcripts = _synthetic_transcripts(count_trs(media.probe(path).duration))
        n_tr = len(transcripts)
        model = vw.get_encoding_model(
            vw.MODEL_ID, subject=1, model_variant="demo", device="cpu",
            feature_cache=FeatureCache(Path(tmp) / "features"),
        )  # fmt: skip
        pipeline = model.pipeline
        rows = []
        rows += _rows("video", _profile_video(pipeline, path, n_tr))
        rows += _rows("audio", _profile_audio(pipeline, path, n_tr))
        rows += _rows("text", _profile_text(pipeline, transcripts))
        seconds = media.probe(path).duration
        table(
            f"Per-stage extraction time, demo variant, {n_tr} TRs ({seconds:.0f} s clip), "
            f"torch {torch.__version__}, {torch.get_num_threads()} threads",
            ["stage", "seconds", "% of total"],
            rows,
        )


if __name__ == "__main__":
    main()
