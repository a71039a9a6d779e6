"""Benchmark: where feature extraction spends its time, per modality, on the demo variant.

For each modality the extractor runs on a clip (the shipped sample clip with ``--quick``,
a 3-minute synthetic clip otherwise) and its wall time is split into stages, measured
around the real calls (no stand-ins): decode, resize/normalise (video frames to tensors,
audio to mel filter banks, text to token ids), model forward (hooks around the top-level
model), pooling (hidden states to one row per TR) and the rest. The baseline is the model
forwards: the table gives each stage's share of the total, and the share outside model
forwards (target: under 10% on a real-size model; the demo models are tiny, so their
forwards are short and this share is an upper bound). Each modality runs once unmeasured
first, so one-time costs (torch's first kernels, thread pools) are not counted.

A second table estimates the share at the published sizes: the work outside the forwards
is measured at the published input sizes where it depends on them (video: 64 frames of
256x256 per window; audio and text preprocessing do not change size), and the forwards'
time is computed from their FLOPs (docs/scale.md's model: 2 x parameters x tokens +
4 x tokens^2 x width x layers) at this CPU's measured float32 matmul rate, and at
docs/scale.md's H100 rate (40% of the bf16 dense peak).
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
from vibe_widgets.engine.timing import count_trs, video_windows

_TEXT = "the a cat dog sat ran on under mat roof house she he said quietly never again"
WORDS = _TEXT.split(" ")


class Stopwatch:
    """Seconds per stage, accumulated over calls."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self._handles: list = []

    def close(self) -> None:
        """Remove the forward hooks (a later run registers its own)."""
        for handle in self._handles:
            handle.remove()
        self._handles.clear()

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
        pre = model.register_forward_pre_hook(lambda *a: started.append(time.perf_counter()))

        def done(*args):
            self.seconds[name] += time.perf_counter() - started.pop()

        self._handles += [pre, model.register_forward_hook(done)]


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
        watch.close()
    return watch


def _profile_audio(pipeline, path: Path, n_tr: int) -> Stopwatch:
    watch = Stopwatch()
    ex = pipeline._extractor("audio")
    ex.load()
    watch.hook_forward(ex._model)
    fbank = ex._fbank  # the batched torch filter bank (None: the processor's NumPy path)
    target = fbank if fbank is not None else ex._processor
    name = "windows" if fbank is not None else "__call__"
    original = getattr(target, name)
    if fbank is not None:
        fbank.windows = watch.wrap("mel filter banks", original)
    else:
        ex._processor = watch.wrap("mel filter banks", original)
        ex._processor.sampling_rate = target.sampling_rate
    try:
        with watch.stage("total"):
            with watch.stage("decode"):
                samples = media.decode_audio(path)
            ex.extract(samples, n_tr, pipeline.config.tr)
    finally:
        if fbank is not None:
            del fbank.windows
        else:
            ex._processor = target
        watch.close()
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
        watch.close()
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


# Published extractors (docs/scale.md): parameters, tokens per forward, width, layers.
_PUBLISHED = {
    # V-JEPA 2 ViT-g: one forward per TR, 64 frames of 256x256 -> 32 x 16 x 16 tokens.
    "video": {"params": 1.0e9, "tokens": 8192, "width": 1408, "layers": 40, "per": "TR"},
    # AST: one 10.24 s window per TR, 2 + 12 x 101 tokens.
    "audio": {"params": 85e6, "tokens": 1214, "width": 768, "layers": 12, "per": "TR"},
    # Qwen2.5-14B: one pass over the transcript, ~250 tokens per movie-minute.
    "text": {"params": 14.7e9, "tokens": 250, "width": 5120, "layers": 48, "per": "minute"},
}
# docs/scale.md: H100 seconds of forward per movie-minute at 40% of the dense peak.
_H100_SECONDS_PER_MINUTE = {"video": 3.2, "audio": 0.4, "text": 0.05}


def _forward_flops_per_minute(modality: str, tr: float) -> float:
    m = _PUBLISHED[modality]
    flops = 2 * m["params"] * m["tokens"] + 4 * m["tokens"] ** 2 * m["width"] * m["layers"]
    return flops * (60.0 / tr if m["per"] == "TR" else 1.0)


def _cpu_flops_per_second(repeats: int = 5) -> float:
    """This machine's float32 matmul rate (2 x n^3 per product), median of a few."""
    n = 1024
    a, b = torch.randn(n, n), torch.randn(n, n)
    a @ b  # warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        a @ b
        times.append(time.perf_counter() - start)
    return 2 * n**3 / float(np.median(times))


def _published_video_preprocessing(path: Path, n_tr: int, tr: float, dtype) -> tuple[float, float]:
    """Seconds for 64-frame 256x256 windows of every TR: (decode + resize + normalise on
    this CPU, decode + resize only: what stays on the CPU when frames are normalised on
    an accelerator)."""
    info = media.probe(path)
    count = media.count_frames(path)
    windows = video_windows(n_tr, tr, count / info.fps, info.fps, count, 16.0, 64, 32)
    start = time.perf_counter()
    for _ in media.iter_frame_windows(path, windows.frames, (256, 256)):
        pass
    decode_only = time.perf_counter() - start
    # A batch of 8 windows, as the published setting; the forward is left out.
    normalise = video_module._FrameNormaliser(windows.frames, dtype)
    batch = torch.empty((8, 64, 3, 256, 256), dtype=dtype)
    start = time.perf_counter()
    frames_iter = media.iter_frame_windows(path, windows.frames, (256, 256))
    for index, frames, valid in frames_iter:
        normalise.window(index, frames, valid, out=batch[index % 8])
    return time.perf_counter() - start, decode_only


def _published_rows(watches: dict[str, Stopwatch], path: Path, n_tr: int, tr: float, pipeline):
    """Estimated share outside the forwards at published sizes, on this CPU and an H100."""
    minutes = n_tr * tr / 60.0
    cpu_rate = _cpu_flops_per_second()
    rows = []
    outsides = {}
    for modality, watch in watches.items():
        outsides[modality] = watch.seconds["total"] - watch.seconds["model forward"]
    dtype = pipeline._extractor("video").dtype
    outsides["video"], decode_only = _published_video_preprocessing(path, n_tr, tr, dtype)
    outsides["video, normalised on the GPU"] = decode_only
    for name, outside in outsides.items():
        modality = name.split(",")[0]
        per_minute = outside / minutes
        cpu_forward = _forward_flops_per_minute(modality, tr) / cpu_rate
        h100_forward = _H100_SECONDS_PER_MINUTE[modality]
        rows.append((
            name, per_minute, cpu_forward, 100 * per_minute / (per_minute + cpu_forward),
            h100_forward, 100 * per_minute / (per_minute + h100_forward),
        ))  # fmt: skip
    return cpu_rate, rows


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
        tr = pipeline.config.tr
        profiles = {
            "video": lambda: _profile_video(pipeline, path, n_tr),
            "audio": lambda: _profile_audio(pipeline, path, n_tr),
            "text": lambda: _profile_text(pipeline, transcripts),
        }
        watches = {}
        for modality, profile in profiles.items():
            profile()  # warm-up, not counted
            watches[modality] = profile()
        rows = [row for modality, watch in watches.items() for row in _rows(modality, watch)]
        seconds = media.probe(path).duration
        table(
            f"Per-stage extraction time, demo variant, {n_tr} TRs ({seconds:.0f} s clip), "
            f"torch {torch.__version__}, {torch.get_num_threads()} threads",
            ["stage", "seconds", "% of total"],
            rows,
        )
        cpu_rate, published = _published_rows(watches, path, n_tr, tr, pipeline)
        table(
            "Estimated share outside the forwards at published sizes (s per movie-minute; "
            f"forwards from FLOPs at this CPU's {cpu_rate / 1e9:.0f} GFLOP/s and at "
            "docs/scale.md's H100 rate)",
            ["modality", "outside s/min", "CPU fwd s/min", "% outside (CPU)",
             "H100 fwd s/min", "% outside (H100)"],
            published,
        )  # fmt: skip


if __name__ == "__main__":
    main()
