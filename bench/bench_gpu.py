"""GPU benchmark: the published-size feature pipeline and VIBE network, with RANDOM weights.

No weights can be downloaded where this runs, so every model is the real transformers class
(``Qwen2ForCausalLM``, ``VJEPA2Model``, ``ASTModel``) built from the published architecture
(`vibe_widgets.engine.resources.PUBLISHED_EXTRACTOR_CONFIGS`: Qwen2.5-14B, V-JEPA 2
vitg-fpc64-256, AST-base) and initialised with random weights directly on the device in the
published dtype (text float16, video bfloat16, audio and VIBE float32). The numbers are
speed and memory, never feature quality: random weights compute the same shapes at the same
cost as the real ones.

How the models reach our extractors: each extractor gets a folder holding the model's
``config.json`` (and, for text, the demo's tokenizer; for audio, the AST preprocessor
config), and for the duration of its ``load()`` the class's ``from_pretrained`` is replaced
by a builder that initialises the model on the device instead of reading weights. Everything
else in the extractor's load runs as usual (dtype choice, checks, ``.to(device)``, the
prefix attention for text, the hidden-state tap for audio). **Load time from disk is not
measured**; the "build" column is the random initialisation only.

The text tokenizer is the demo's tiny byte-level BPE (no Qwen tokenizer is available
offline): it makes about one token per 1-2 characters, several times more tokens than
Qwen's tokenizer would for the same transcript, so the text row over-states Qwen's time per
TR; its tokens and seconds per 1000 tokens are reported so it can be rescaled.

Stages, each on a synthetic movie with a transcript (the demo's training clip, ``--n-tr``
TRs of 1.49 s), one model on the device at a time (as ``low_mem_use=True``):

- text: full extraction (prefix reuse off, the baseline) and the re-encode after a one-line
  edit in the middle of the transcript (prefix reuse on: only the suffix runs), as a ratio;
- audio, video: one cold extraction (first CUDA kernels) and one warm one, reported;
- VIBE network forward (VIBEConfig defaults) on random features of the clip's length and
  of 400 TRs.

Per stage: seconds per TR, TRs per second, peak device memory
(``torch.cuda.max_memory_allocated``, reset before each stage) next to
`vibe_widgets.estimate_resources` for the same setting (``low_mem_use=True``: one model's
weights + activations). ``--json PATH`` writes every number.

``--device cuda`` without CUDA exits with status 1 and says why; it never falls back to the
CPU. Without
``--device``: ``--quick`` runs on the CPU with tiny configs (CI keeps the script working;
under a minute), and a full run without CUDA prints that it is skipped and exits 0 (a
14B-parameter text model is not a CPU benchmark).
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import math
import platform
import shutil
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from unittest import mock

import numpy as np
import torch
from _common import table

from vibe_widgets.engine.config import VIBEConfig
from vibe_widgets.engine.demo.clips import write_training_clip
from vibe_widgets.engine.demo.text_model import build_tiny_text_extractor
from vibe_widgets.engine.features.audio import AudioFeatureExtractor, quiet_mel_filter_warning
from vibe_widgets.engine.features.text import TextFeatureExtractor, build_prompt
from vibe_widgets.engine.features.video import VideoFeatureExtractor
from vibe_widgets.engine.media import decode_audio
from vibe_widgets.engine.model import VIBEModel
from vibe_widgets.engine.resources import PUBLISHED_EXTRACTOR_CONFIGS, estimate_resources

TR = 1.49
GIB = 2**30
TEXT_ID, VIDEO_ID, AUDIO_ID = (
    "Qwen/Qwen2.5-14B",
    "facebook/vjepa2-vitg-fpc64-256",
    "MIT/ast-finetuned-audioset-10-10-0.4593",
)

# --quick: the same classes at a size a CPU runs in seconds.
QUICK_CONFIGS: dict[str, tuple[str, dict[str, Any]]] = {
    TEXT_ID: ("qwen2", {"hidden_size": 64, "intermediate_size": 128, "num_hidden_layers": 4,
                        "num_attention_heads": 4, "num_key_value_heads": 2, "vocab_size": 512,
                        "max_position_embeddings": 8192, "tie_word_embeddings": False}),
    VIDEO_ID: ("vjepa2", {"hidden_size": 32, "num_hidden_layers": 3, "num_attention_heads": 2,
                          "mlp_ratio": 2.0, "crop_size": 32, "frames_per_clip": 16,
                          "patch_size": 8, "tubelet_size": 2, "pred_hidden_size": 16,
                          "pred_num_attention_heads": 2, "pred_num_hidden_layers": 1}),
    AUDIO_ID: ("audio-spectrogram-transformer",
               {"hidden_size": 32, "num_hidden_layers": 3, "num_attention_heads": 4,
                "intermediate_size": 64, "max_length": 1024, "num_mel_bins": 128,
                "frequency_stride": 10, "time_stride": 10}),
}  # fmt: skip


# -- device helpers ---------------------------------------------------------------------------


def sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def reset_peak(device: torch.device) -> None:
    gc.collect()
    if device.type == "cuda":
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats(device)


def peak_gib(device: torch.device) -> float | None:
    return torch.cuda.max_memory_allocated(device) / GIB if device.type == "cuda" else None


def allocated_gib(device: torch.device) -> float | None:
    return torch.cuda.memory_allocated(device) / GIB if device.type == "cuda" else None


def timed(fn: Callable[[], Any], device: torch.device) -> tuple[Any, float]:
    sync(device)
    start = time.perf_counter()
    out = fn()
    sync(device)
    return out, time.perf_counter() - start


def median(values: list[float]) -> float:
    return float(np.median(values))


# -- random-weight models behind the extractors' own load ------------------------------------


def write_config(folder: Path, configs: dict, model_id: str) -> Any:
    """Save the architecture config of ``model_id`` to ``folder/config.json``; return it."""
    from transformers import AutoConfig

    model_type, fields = configs[model_id]
    config = AutoConfig.for_model(model_type, **fields)
    folder.mkdir(parents=True, exist_ok=True)
    config.save_pretrained(folder)
    return config


@contextlib.contextmanager
def random_weights(owner: type, cls: type, device: torch.device, log: dict) -> Iterator[None]:
    """While active, ``owner.from_pretrained`` builds ``cls`` with random weights on ``device``.

    The extractor's own ``load()`` calls it and carries on as with real weights. The seconds
    of the build are stored in ``log["build_s"]``.
    """
    from transformers import AutoConfig

    def build(name: Any, *args: Any, config: Any = None, **kwargs: Any) -> Any:
        dtype = kwargs.get("dtype") or kwargs.get("torch_dtype") or torch.float32
        cfg = config if config is not None else AutoConfig.from_pretrained(name)
        sync(device)
        start = time.perf_counter()
        with torch.device(device):
            model = cls._from_config(cfg, dtype=dtype)
        sync(device)
        log["build_s"] = time.perf_counter() - start
        log["parameters"] = sum(p.numel() for p in model.parameters())
        log["built_dtype"] = str(dtype).removeprefix("torch.")
        return model

    with mock.patch.object(owner, "from_pretrained", build):
        yield


def text_folder(root: Path, configs: dict) -> Path:
    """Qwen2 config + the demo tokenizer + an empty weights file (the extractor checks that
    weights exist; ``from_pretrained`` is replaced, so none are read)."""
    from safetensors.torch import save_file

    folder = root / "text"
    tokenizer_src = build_tiny_text_extractor(root / "tokenizer-src", seed=0)
    write_config(folder, configs, TEXT_ID)
    for path in tokenizer_src.iterdir():
        if path.name.startswith("tokenizer") or path.name == "special_tokens_map.json":
            shutil.copy(path, folder / path.name)
    save_file({}, str(folder / "model.safetensors"))
    return folder


def audio_folder(root: Path, configs: dict) -> Path:
    from transformers import ASTFeatureExtractor

    folder = root / "audio"
    config = write_config(folder, configs, AUDIO_ID)
    with quiet_mel_filter_warning():
        ASTFeatureExtractor(
            num_mel_bins=config.num_mel_bins, max_length=config.max_length
        ).save_pretrained(folder)
    return folder


# -- stages -----------------------------------------------------------------------------------


def stage_row(name: str, n_tr: int, seconds: float, device: torch.device, **extra: Any) -> dict:
    row = {
        "stage": name,
        "n_tr": n_tr,
        "seconds": seconds,
        "s_per_tr": seconds / n_tr,
        "tr_per_s": n_tr / seconds if seconds > 0 else math.inf,
        "peak_gib": peak_gib(device),
    }
    row.update(extra)
    return row


def estimate_for(resources: Any, name: str) -> dict:
    model = next(m for m in resources.models if m.name == name)
    return {
        "estimate_peak_gib": model.peak_bytes / GIB,
        "estimate_weights_gib": model.weight_bytes / GIB,
        "estimate_activations_gib": model.activation_bytes / GIB,
        "estimate_parameters": model.parameters,
        "estimate_note": model.note,
    }


def run_text(ctx: dict) -> list[dict]:
    from transformers import AutoModelForCausalLM, Qwen2ForCausalLM

    device, config, lines = ctx["device"], ctx["config"], ctx["transcripts"]
    log: dict = {}
    reset_peak(device)
    extractor = TextFeatureExtractor(
        ctx["folders"]["text"],
        num_last_hidden_states=config.text_extractor_num_last_hidden_states,
        dtype=config.text_extractor_dtype,
        device=device,
        local_files_only=True,
    )
    with random_weights(AutoModelForCausalLM, Qwen2ForCausalLM, device, log):
        extractor.load()
    weights = allocated_gib(device)
    prefix = extractor._model.config._attn_implementation
    prompt, _ = build_prompt(lines)
    tokens = len(extractor._load_tokenizer()(prompt)["input_ids"])
    n_tr = len(lines)
    # Baseline: full extraction, no reuse (first call also pays the CUDA warm-up: dropped).
    extractor.reuse_prefix = False
    _, cold = timed(lambda: extractor.extract(lines), device)
    fulls, full_out = [], None
    for _ in range(ctx["repeats"]):
        full_out, seconds = timed(lambda: extractor.extract(lines), device)
        fulls.append(seconds)
    full = median(fulls)
    # A one-line edit in the middle: with reuse on, only the tokens from that line run.
    where = n_tr // 2
    edited_a, edited_b = list(lines), list(lines)
    edited_a[where] = "A dragon lands on the roof and everyone runs"
    edited_b[where] = "The dragon flies away over the quiet harbour"
    extractor.reuse_prefix = True
    extractor.extract(edited_b)  # fills the cache
    edits = []
    for i in range(ctx["repeats"]):
        _, seconds = timed(lambda i=i: extractor.extract(edited_a if i % 2 == 0 else edited_b),
                           device)  # fmt: skip
        edits.append(seconds)
    edit = median(edits)
    check = extractor.extract(lines)  # resumed, against the full pass of the same lines
    edit_error = float(np.max(np.abs(check - full_out)))
    scale = float(np.max(np.abs(full_out)))
    # Read before the float32 reference below changes both.
    half_peak, half_dtype = peak_gib(device), str(extractor.compute_dtype).removeprefix("torch.")
    precision = {}
    if ctx.get("fp32_reference") and extractor.compute_dtype != torch.float32:
        # What the half-precision pass costs by itself: the same (half-valued) weights run in
        # float32, against which the full and the resumed half passes are both compared.
        extractor.reuse_prefix = False
        extractor._model.to(torch.float32)
        extractor.dtype = torch.float32
        reference = extractor.extract(lines)
        precision = {
            "full_half_vs_fp32_max": float(np.max(np.abs(full_out - reference))),
            "full_half_vs_fp32_mean": float(np.mean(np.abs(full_out - reference))),
            "resumed_half_vs_fp32_max": float(np.max(np.abs(check - reference))),
            "resumed_half_vs_fp32_mean": float(np.mean(np.abs(check - reference))),
            "resumed_vs_full_mean": float(np.mean(np.abs(check - full_out))),
        }
    est_tokens = int(ctx["estimate_text_tokens"])
    estimate = estimate_for(ctx["resources"], "text")
    # The estimate's activations are linear in tokens: rescale them to the tokens seen here.
    estimate["estimate_peak_gib_at_measured_tokens"] = (
        estimate["estimate_weights_gib"]
        + estimate["estimate_activations_gib"] * tokens / max(est_tokens, 1)
    )
    row = stage_row(
        "text: full extraction",
        n_tr,
        full,
        device,
        cold_seconds=cold,
        build_s=log.get("build_s"),
        parameters=log.get("parameters"),
        dtype=half_dtype,
        peak_gib=half_peak,
        weights_gib=weights,
        tokens=tokens,
        estimate_tokens=est_tokens,
        s_per_1k_tokens=full / tokens * 1000,
        attention=prefix,
        finite=bool(np.isfinite(full_out).all()),
        **estimate,
    )
    edit_row = stage_row(
        "text: re-encode after a one-line edit",
        n_tr,
        edit,
        device,
        edited_tr=where,
        full_over_edit=full / edit,
        max_abs_diff_resumed_vs_full=edit_error,
        feature_max_abs=scale,
        peak_gib=half_peak,
        **precision,
    )
    extractor.unload()
    return [row, edit_row]


def run_audio(ctx: dict) -> list[dict]:
    from transformers import ASTModel

    device, config, n_tr = ctx["device"], ctx["config"], ctx["n_tr"]
    log: dict = {}
    reset_peak(device)
    extractor = AudioFeatureExtractor(
        ctx["folders"]["audio"],
        last_layer_index=config.audio_extractor_last_layer_index,
        batch_size=config.audio_extractor_batch_size,
        device=device,
        local_files_only=True,
    )
    with random_weights(ASTModel, ASTModel, device, log):
        extractor.load()
    weights = allocated_gib(device)
    samples = decode_audio(ctx["movie"], sample_rate=extractor.sample_rate)
    _, cold = timed(lambda: extractor.extract(samples, n_tr, TR), device)
    runs = [timed(lambda: extractor.extract(samples, n_tr, TR), device) for _ in range(2)]
    out, seconds = runs[-1][0], median([s for _, s in runs])
    row = stage_row(
        "audio: extraction",
        n_tr,
        seconds,
        device,
        cold_seconds=cold,
        build_s=log.get("build_s"),
        parameters=log.get("parameters"),
        dtype="float32",
        weights_gib=weights,
        finite=bool(np.isfinite(out).all()),
        **estimate_for(ctx["resources"], "audio"),
    )
    extractor.unload()
    return [row]


def run_video(ctx: dict) -> list[dict]:
    from transformers import AutoModel, VJEPA2Model

    device, config, n_tr = ctx["device"], ctx["config"], ctx["n_tr"]
    log: dict = {}
    reset_peak(device)
    extractor = VideoFeatureExtractor(
        ctx["folders"]["video"],
        num_last_hidden_states=config.video_extractor_num_last_hidden_states,
        pool_size=config.video_extractor_pool_size,
        chunk_length_seconds=config.video_extractor_chunk_length_seconds,
        batch_size=config.video_extractor_batch_size,
        dtype=config.video_extractor_dtype,
        device=device,
        local_files_only=True,
    )
    with random_weights(AutoModel, VJEPA2Model, device, log):
        extractor.load()
    weights = allocated_gib(device)
    _, cold = timed(lambda: extractor.extract(ctx["movie"], n_tr, TR), device)
    out, seconds = timed(lambda: extractor.extract(ctx["movie"], n_tr, TR), device)
    # The model forward alone, on the same number of batches of random frames: what is left
    # of `seconds` is decoding, resizing and normalising on the host.
    model_cfg = extractor.load().config
    t_tokens = model_cfg.frames_per_clip // model_cfg.tubelet_size
    size = (model_cfg.frames_per_clip, 3, model_cfg.crop_size, model_cfg.crop_size)
    batches = [min(extractor.batch_size, n_tr - i) for i in range(0, n_tr, extractor.batch_size)]
    pixels = torch.randn((batches[0], *size), dtype=extractor.dtype, device=device)
    ranges = np.tile([t_tokens - 1, t_tokens], (batches[0], 1))
    def forwards() -> list:
        return [extractor._forward(pixels[:b], t_tokens, ranges[:b]) for b in batches]

    forwards()  # warm-up
    _, forward = timed(forwards, device)
    row = stage_row(
        "video: extraction (decode included)",
        n_tr,
        seconds,
        device,
        cold_seconds=cold,
        build_s=log.get("build_s"),
        parameters=log.get("parameters"),
        dtype=str(extractor.dtype).removeprefix("torch."),
        batch_size=extractor.batch_size,
        forward_seconds=forward,
        weights_gib=weights,
        finite=bool(np.isfinite(out).all()),
        **estimate_for(ctx["resources"], "video"),
    )
    extractor.unload()
    return [row]


def run_vibe(ctx: dict) -> list[dict]:
    device, config = ctx["device"], ctx["config"]
    rows = []
    reset_peak(device)
    start = time.perf_counter()
    with torch.device(device):
        torch.manual_seed(0)
        network = VIBEModel(config).eval()
    sync(device)
    build = time.perf_counter() - start
    weights = allocated_gib(device)
    for n_tr in sorted({ctx["n_tr"], ctx["vibe_long_n_tr"]}):
        resources = estimate_resources(config, n_tr=n_tr, low_mem_use=True)
        reset_peak(device)
        gen = torch.Generator().manual_seed(n_tr)
        features = {
            k: torch.randn((1, n_tr, d), generator=gen).to(device)
            for k, d in config.input_dims.items()
        }
        rows_t = torch.tensor([0], device=device)

        def forward(features: dict = features, rows_t: torch.Tensor = rows_t) -> torch.Tensor:
            with torch.inference_mode():
                return network(features, rows_t)

        timed(forward, device)  # warm-up
        runs = [timed(forward, device) for _ in range(max(3, ctx["repeats"]))]
        out = runs[-1][0]
        rows.append(
            stage_row(
                f"vibe: network forward ({n_tr} TRs)",
                n_tr,
                median([s for _, s in runs]),
                device,
                build_s=build,
                dtype="float32",
                weights_gib=weights,
                finite=bool(torch.isfinite(out).all()),
                **estimate_for(resources, "vibe"),
            )
        )
    return rows


# -- main ---------------------------------------------------------------------------------------


def resolve(device_arg: str, quick: bool) -> torch.device | None:
    """The device to run on; None means skip (a full run asked for nothing on a CPU machine)."""
    if device_arg == "cuda" and not torch.cuda.is_available():
        raise SystemExit(
            "bench_gpu: --device cuda was given but torch.cuda.is_available() is False "
            f"(torch {torch.__version__}); refusing to fall back to the CPU."
        )
    if device_arg == "auto":
        if quick:
            return torch.device("cpu")
        return torch.device("cuda") if torch.cuda.is_available() else None
    return torch.device(device_arg)


def print_report(report: dict) -> None:
    rows = []
    for r in report["stages"]:
        if "error" in r:
            rows.append([r["stage"], "-", "-", "-", "-", "-", f"ERROR: {r['error']}"])
            continue
        peak = "-" if r.get("peak_gib") is None else f"{r['peak_gib']:.2f}"
        est = r.get("estimate_peak_gib")
        est_s = "-" if est is None else f"{est:.2f}"
        note = []
        if "full_over_edit" in r:
            note.append(f"full/edit = {r['full_over_edit']:.1f}x, "
                        f"max|diff| {r['max_abs_diff_resumed_vs_full']:.1e}")  # fmt: skip
        if "forward_seconds" in r:
            note.append(f"model forward {r['forward_seconds']:.2f} s "
                        f"({r['forward_seconds'] / r['seconds']:.0%})")  # fmt: skip
        if "full_half_vs_fp32_max" in r:
            note.append(f"vs float32: full {r['full_half_vs_fp32_max']:.1e}, "
                        f"resumed {r['resumed_half_vs_fp32_max']:.1e} max")  # fmt: skip
        if "tokens" in r:
            note.append(f"{r['tokens']} tokens (estimate assumes {r['estimate_tokens']}), "
                        f"{r['s_per_1k_tokens']:.3f} s/1k tokens, {r['attention']}")  # fmt: skip
        if r.get("cold_seconds") is not None:
            note.append(f"cold {r['cold_seconds']:.2f} s")
        if r.get("build_s") is not None:
            note.append(f"random init {r['build_s']:.1f} s")
        if r.get("finite") is False:
            note.append("NON-FINITE OUTPUT")
        rows.append([r["stage"], r["n_tr"], r["seconds"], r["s_per_tr"], r["tr_per_s"], peak,
                     est_s, "; ".join(note)])  # fmt: skip
    for r in rows:
        if len(r) == 7:  # an error row: pad the estimate column
            r.insert(6, "-")
    table(
        f"{report['device_name']} ({report['mode']}), RANDOM weights, {report['n_tr']} TRs "
        f"of {TR} s; peak = torch.cuda.max_memory_allocated per stage, est = "
        "estimate_resources(low_mem_use=True)",
        ["stage", "TRs", "s", "s/TR", "TR/s", "peak GiB", "est GiB", "notes"],
        rows,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="auto", choices=["auto", "cuda", "cpu"])
    parser.add_argument("--quick", action="store_true", help="tiny configs (CPU, CI)")
    parser.add_argument("--n-tr", type=int, default=None, help="clip length in TRs")
    parser.add_argument("--repeats", type=int, default=None)
    parser.add_argument("--stages", default="text,audio,video,vibe")
    parser.add_argument("--json", type=Path, default=None, help="write the results here")
    parser.add_argument(
        "--fp32-reference",
        action="store_true",
        help="also run the text model in float32 to size the half-precision error",
    )
    args = parser.parse_args(argv)
    device = resolve(args.device, args.quick)
    if device is None:
        print("bench_gpu: skipped, no CUDA device (run with --quick for the CPU smoke run, "
              "or --device cuda on a GPU machine).")  # fmt: skip
        return 0
    quick = args.quick
    n_tr = args.n_tr or (6 if quick else 48)
    repeats = args.repeats or (1 if quick else 3)
    configs = QUICK_CONFIGS if quick else PUBLISHED_EXTRACTOR_CONFIGS
    stages = [s.strip() for s in args.stages.split(",") if s.strip()]
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bench-gpu-") as tmp:
        root = Path(tmp)
        movie = root / "clip.mp4"
        t0 = time.perf_counter()
        transcripts = write_training_clip(movie, n_tr=n_tr, seed=0, tr=TR)
        clip_s = time.perf_counter() - t0
        folders = {
            "text": text_folder(root, configs),
            "audio": audio_folder(root, configs),
            "video": root / "video",
        }
        write_config(folders["video"], configs, VIDEO_ID)
        if quick:
            # Tiny extractors named by folder (estimate_resources reads their configs) and a
            # VIBE network of matching widths.
            config = VIBEConfig(
                text_extractor=str(folders["text"]),
                text_extractor_feature_size=64,
                video_extractor=str(folders["video"]),
                video_extractor_feature_size=32,
                audio_extractor=str(folders["audio"]),
                audio_extractor_feature_size=64,
                modality_fusion_transformer_dim=32,
                modality_fusion_transformer_num_heads=2,
                predictor_transformer_num_heads=2,
                predictor_transformer_num_layers=1,
                video_extractor_batch_size=4,
                # bfloat16 runs on a CPU too: --fp32-reference then has a half pass to size.
                text_extractor_dtype=torch.bfloat16 if args.fp32_reference else torch.float16,
            )
        else:
            config = VIBEConfig()  # the published defaults: the extractors named by hub id
        resources = estimate_resources(config, n_tr=n_tr, low_mem_use=True)
        text_note = next(m.note for m in resources.models if m.name == "text")
        ctx = {
            "device": device,
            "config": config,
            "transcripts": transcripts,
            "movie": movie,
            "folders": folders,
            "n_tr": n_tr,
            "repeats": repeats,
            "resources": resources,
            "estimate_text_tokens": int(text_note.split()[0]),
            "vibe_long_n_tr": 40 if quick else 400,
            "fp32_reference": args.fp32_reference,
        }
        runners = {"text": run_text, "audio": run_audio, "video": run_video, "vibe": run_vibe}
        results: list[dict] = []
        failed = False
        for name in stages:
            print(f"[bench_gpu] stage {name} ...", flush=True)
            try:
                results.extend(runners[name](ctx))
            except Exception as error:  # report the stage, run the others
                failed = True
                traceback.print_exc()
                results.append({"stage": name, "error": f"{type(error).__name__}: {error}"[:300]})
            reset_peak(device)
    import transformers

    report = {
        "note": "RANDOM weights (no downloads possible); load-from-disk time not measured; "
        "text tokens from the demo byte-level tokenizer, not Qwen's.",
        "mode": "quick" if quick else "published sizes",
        "device": str(device),
        "device_name": torch.cuda.get_device_name(device) if device.type == "cuda" else "CPU",
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "python": platform.python_version(),
        "n_tr": n_tr,
        "clip_seconds": n_tr * TR + 0.5,
        "clip_write_s": clip_s,
        "repeats": repeats,
        "tf32_matmul": torch.backends.cuda.matmul.allow_tf32,
        "tf32_cudnn": torch.backends.cudnn.allow_tf32,
        "estimate_table": resources.table(),
        "stages": results,
        "total_s": time.perf_counter() - started,
    }
    print_report(report)
    print(f"\nestimate_resources(n_tr={n_tr}, low_mem_use=True):\n{report['estimate_table']}")
    print(f"total {report['total_s']:.1f} s (clip written in {clip_s:.1f} s)")
    if args.json is not None:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=2, default=str) + "\n")
        print(f"wrote {args.json}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
