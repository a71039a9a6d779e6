"""What a variant needs: parameters, weight memory and activation sizes, computed without weights.

Parameter counts come from instantiating the real model classes (transformers' Qwen2,
V-JEPA 2 and AST, and `VIBEModel`) on PyTorch's ``meta`` device, which allocates no memory,
so the numbers are exact for the given configs. Activation sizes are computed from the
shapes the feature pipeline feeds each model (tokens per forward, batch sizes) and are
estimates of the dominant tensors, not measurements: allocator overhead and framework
workspaces add to them.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import Any

import torch

from vibe_widgets.engine.config import VIBEConfig
from vibe_widgets.errors import InvalidParameterError, ModelLoadError

__all__ = ["PUBLISHED_EXTRACTOR_CONFIGS", "ModalityResources", "Resources", "estimate_resources"]

# Architecture fields of the published extractors' config.json files (only what sets the
# parameter count and activation shapes), so the estimate works offline.
PUBLISHED_EXTRACTOR_CONFIGS: dict[str, tuple[str, dict[str, Any]]] = {
    "Qwen/Qwen2.5-14B": (
        "qwen2",
        {
            "hidden_size": 5120,
            "intermediate_size": 13824,
            "num_hidden_layers": 48,
            "num_attention_heads": 40,
            "num_key_value_heads": 8,
            "vocab_size": 152064,
            "max_position_embeddings": 131072,
            "tie_word_embeddings": False,
        },
    ),
    "facebook/vjepa2-vitg-fpc64-256": (
        "vjepa2",
        {
            "hidden_size": 1408,
            "num_hidden_layers": 40,
            "num_attention_heads": 22,
            "mlp_ratio": 48 / 11,
            "crop_size": 256,
            "frames_per_clip": 64,
            "patch_size": 16,
            "tubelet_size": 2,
        },
    ),
    "MIT/ast-finetuned-audioset-10-10-0.4593": (
        "audio-spectrogram-transformer",
        {
            "hidden_size": 768,
            "num_hidden_layers": 12,
            "num_attention_heads": 12,
            "intermediate_size": 3072,
            "max_length": 1024,
            "num_mel_bins": 128,
            "frequency_stride": 10,
            "time_stride": 10,
            "num_labels": 527,
        },
    ),
}

# Roughly how many tokens of speech one TR line holds in a dialogue-heavy movie (about
# 2.5 words per second, ~1.3 tokens per word): sizes the text forward.
_TOKENS_PER_TR = 5
_PRIMING_TOKENS = 90
_GIB = 2**30


@dataclasses.dataclass(frozen=True)
class ModalityResources:
    """One model's needs.

    Attributes
    ----------
    name : str
        ``"text"``, ``"audio"``, ``"video"`` or ``"vibe"``.
    model_id : str
        The extractor (or ``"VIBE network"``).
    parameters : int
        Exact parameter count of the model class with this config.
    dtype : torch.dtype
        The dtype the weights are held in.
    weight_bytes : int
        ``parameters`` times the dtype's size.
    activation_bytes : int
        Estimated peak of the dominant activations of one forward (inference mode).
    note : str
        What the activation estimate counts.
    """

    name: str
    model_id: str
    parameters: int
    dtype: torch.dtype
    weight_bytes: int
    activation_bytes: int
    note: str

    @property
    def peak_bytes(self) -> int:
        """Weights plus activations: what this model needs on its device while it runs."""
        return self.weight_bytes + self.activation_bytes


@dataclasses.dataclass(frozen=True)
class Resources:
    """The device memory a variant needs to encode ``n_tr`` TRs.

    Attributes
    ----------
    models : tuple of ModalityResources
        Text, audio and video extractors and the VIBE network.
    n_tr : int
        The clip length the activations are sized for.
    low_mem_use : bool
        Whether one model at a time is on the device (`get_encoding_model(low_mem_use=True)`).
    """

    models: tuple[ModalityResources, ...]
    n_tr: int
    low_mem_use: bool

    @property
    def peak_bytes(self) -> int:
        """Peak device memory: the largest model's peak with ``low_mem_use``, else all weights
        resident plus the largest activation."""
        if self.low_mem_use:
            return max(m.peak_bytes for m in self.models)
        weights = sum(m.weight_bytes for m in self.models)
        return weights + max(m.activation_bytes for m in self.models)

    def table(self) -> str:
        """A plain-text table of the estimate, one row per model."""
        lines = [
            f"{'model':<8}{'parameters':>16}{'dtype':>10}{'weights GiB':>13}"
            f"{'activations GiB':>17}  id"
        ]
        for m in self.models:
            dtype = str(m.dtype).removeprefix("torch.")
            lines.append(
                f"{m.name:<8}{m.parameters:>16,}{dtype:>10}{m.weight_bytes / _GIB:>13.2f}"
                f"{m.activation_bytes / _GIB:>17.2f}  {m.model_id}"
            )
        mode = (
            "low_mem_use=True (one model on the device at a time)"
            if self.low_mem_use
            else ("low_mem_use=False (all weights resident)")
        )
        lines.append(f"peak device memory for {self.n_tr} TRs, {mode}: "
                     f"{self.peak_bytes / _GIB:.1f} GiB")  # fmt: skip
        return "\n".join(lines)


def _extractor_config(model_id: str) -> Any:
    """A transformers config for an extractor: a local folder, the table above, or the HF cache."""
    from transformers import AutoConfig

    folder = Path(os.path.expanduser(model_id))
    if folder.is_dir():
        return AutoConfig.from_pretrained(folder)
    if model_id in PUBLISHED_EXTRACTOR_CONFIGS:
        model_type, fields = PUBLISHED_EXTRACTOR_CONFIGS[model_id]
        return AutoConfig.for_model(model_type, **fields)
    try:
        return AutoConfig.from_pretrained(model_id, local_files_only=True)
    except OSError:
        raise ModelLoadError(
            f"No config for extractor {model_id!r}: it is not a local folder, not one of the "
            f"published extractors {sorted(PUBLISHED_EXTRACTOR_CONFIGS)}, and not in the "
            "Hugging Face cache. Fetch its config once with "
            f"`huggingface_hub.hf_hub_download({model_id!r}, 'config.json')`."
        ) from None


def _count_on_meta(build: Any) -> int:
    with torch.device("meta"):
        model = build()
    return sum(p.numel() for p in model.parameters())


def _bytes(dtype: torch.dtype) -> int:
    return torch.empty((), dtype=dtype).element_size()


def _text(config: VIBEConfig, n_tr: int, base: Path | None) -> ModalityResources:
    from transformers import AutoModelForCausalLM

    model_id = _resolve(config.text_extractor, base)
    cfg = _extractor_config(model_id)
    params = _count_on_meta(lambda: AutoModelForCausalLM.from_config(cfg))
    size = _bytes(config.text_extractor_dtype)
    tokens = min(_PRIMING_TOKENS + _TOKENS_PER_TR * n_tr, cfg.max_position_embeddings)
    layers, hidden = cfg.num_hidden_layers, cfg.hidden_size
    head_dim = getattr(cfg, "head_dim", None) or hidden // cfg.num_attention_heads
    kv_heads = getattr(cfg, "num_key_value_heads", cfg.num_attention_heads)
    # Every layer's hidden states are returned (the last N are averaged), plus the K/V of
    # every layer and one MLP intermediate; logits are not computed for all tokens.
    activations = (
        tokens
        * size
        * ((layers + 1) * hidden + 2 * layers * kv_heads * head_dim + 3 * cfg.intermediate_size)
    )
    note = f"{tokens} prompt tokens: all hidden states, K/V cache, one MLP block"
    return ModalityResources("text", model_id, params, config.text_extractor_dtype,
                             params * size, activations, note)  # fmt: skip


def _video(config: VIBEConfig, base: Path | None) -> ModalityResources:
    from transformers import AutoModel

    model_id = _resolve(config.video_extractor, base)
    cfg = _extractor_config(model_id)
    params = _count_on_meta(lambda: AutoModel.from_config(cfg))
    size = _bytes(config.video_extractor_dtype)
    batch = config.video_extractor_batch_size
    tokens = (cfg.frames_per_clip // cfg.tubelet_size) * (cfg.crop_size // cfg.patch_size) ** 2
    hidden, layers = cfg.hidden_size, cfg.num_hidden_layers
    intermediate = int(hidden * cfg.mlp_ratio)
    # All encoder hidden states are returned (transformers releases that honour a list of
    # indices keep only the last n: this is the upper case); attention is SDPA (memory linear
    # in tokens). Then the last n are averaged in float32 (n copies and the mean), and the
    # pixel batch is on the device too. On an H200 this came to 11.80 GiB against 11.89
    # measured (bench/bench_gpu.py; without the float32 average and the pixels, 10.24).
    n_last = config.video_extractor_num_last_hidden_states
    activations = batch * tokens * size * ((layers + 1) * hidden + intermediate + 3 * hidden)
    activations += (n_last + 1) * batch * tokens * hidden * 4
    activations += batch * cfg.frames_per_clip * 3 * cfg.crop_size**2 * size
    note = (
        f"batch {batch} x {tokens} tokens: all hidden states, one MLP block, Q/K/V, "
        f"the float32 mean of the last {n_last}, the frames"
    )
    return ModalityResources("video", model_id, params, config.video_extractor_dtype,
                             params * size, activations, note)  # fmt: skip


def _audio(config: VIBEConfig, base: Path | None) -> ModalityResources:
    from transformers import AutoModel

    model_id = _resolve(config.audio_extractor, base)
    cfg = _extractor_config(model_id)
    params = _count_on_meta(lambda: AutoModel.from_config(cfg))
    dtype = torch.float32
    size = _bytes(dtype)
    batch = config.audio_extractor_batch_size
    f_out = (cfg.num_mel_bins - 16) // cfg.frequency_stride + 1
    t_out = (cfg.max_length - 16) // cfg.time_stride + 1
    tokens = f_out * t_out + 2
    hidden, layers = cfg.hidden_size, cfg.num_hidden_layers
    heads = cfg.num_attention_heads
    # Eager attention keeps one layer's (heads, tokens, tokens) score matrix.
    activations = (
        batch
        * size
        * (tokens * ((layers + 1) * hidden + cfg.intermediate_size) + heads * tokens * tokens)
    )
    note = f"batch {batch} x {tokens} tokens: all hidden states, one attention map"
    return ModalityResources("audio", model_id, params, dtype, params * size, activations, note)


def _vibe(config: VIBEConfig, n_tr: int) -> ModalityResources:
    from vibe_widgets.engine.model import VIBEModel

    params = _count_on_meta(lambda: VIBEModel(config))
    dtype = torch.float32
    size = _bytes(dtype)
    dim = config.modality_fusion_transformer_dim
    predictor_dim = 3 * dim if config.modality_fusion_transformer_fuse_mode == "concat" else dim
    heads = config.predictor_transformer_num_heads
    # The predictor attends over the whole clip: one (heads, n_tr, n_tr) map per layer at a
    # time, plus a few (n_tr, width) activations and the output.
    activations = size * (heads * n_tr * n_tr + 8 * n_tr * predictor_dim + n_tr * config.num_rois)
    note = f"{n_tr} TRs: attention over the whole clip, {heads} heads"
    return ModalityResources("vibe", "VIBE network", params, dtype, params * size,
                             activations, note)  # fmt: skip


def _resolve(model_id: str, base: Path | None) -> str:
    # Variants name their extractors relative to their folder ("./text_extractor").
    if base is not None and model_id.startswith(("./", "../")):
        return str((base / model_id).resolve())
    return model_id


def estimate_resources(
    config: VIBEConfig | None = None,
    *,
    n_tr: int = 400,
    low_mem_use: bool = False,
    variant_folder: str | os.PathLike | None = None,
) -> Resources:
    """Parameters, weight memory and activation sizes of a variant, without loading weights.

    Parameters
    ----------
    config : VIBEConfig, optional
        The variant's config (default: the published default, Qwen2.5-14B / V-JEPA 2 ViT-g /
        AST). From a loaded model: ``model.config``.
    n_tr : int
        Clip length in TRs; sizes the text prompt and the VIBE network's attention.
    low_mem_use : bool
        Peak with one model on the device at a time (as `get_encoding_model` does with
        ``low_mem_use=True``) instead of all weights resident.
    variant_folder : str or Path, optional
        Where relative extractor paths (``"./text_extractor"``) of the config point.

    Returns
    -------
    Resources
        Per model: exact parameter count, weight bytes in the configured dtype, estimated
        activation bytes; `Resources.peak_bytes` and `Resources.table()`.

    Raises
    ------
    InvalidParameterError
        For a bad ``config``, ``n_tr``, ``low_mem_use`` or ``variant_folder``.
    ModelLoadError
        When an extractor's config can be found neither locally nor in the table of
        published extractors.
    """
    if config is None:
        config = VIBEConfig()
    if not isinstance(config, VIBEConfig):
        raise InvalidParameterError(
            f"config must be a VIBEConfig (e.g. model.config), got {type(config).__name__}."
        )
    if isinstance(n_tr, bool) or not isinstance(n_tr, int) or n_tr < 1:
        raise InvalidParameterError(f"n_tr must be a positive int of TRs, got {n_tr!r}.")
    if not isinstance(low_mem_use, bool):
        raise InvalidParameterError(f"low_mem_use must be True or False, got {low_mem_use!r}.")
    if variant_folder is not None and not isinstance(variant_folder, (str, os.PathLike)):
        raise InvalidParameterError(
            "variant_folder must be a folder path (str or pathlib.Path) holding the variant's "
            f"extractor folders, got {type(variant_folder).__name__} ({variant_folder!r})."
        )
    base = None if variant_folder is None else Path(variant_folder)
    models = (
        _text(config, n_tr, base),
        _audio(config, base),
        _video(config, base),
        _vibe(config, n_tr),
    )
    return Resources(models=models, n_tr=n_tr, low_mem_use=bool(low_mem_use))
