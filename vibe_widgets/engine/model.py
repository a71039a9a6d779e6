"""The VIBE network, laid out exactly as the published checkpoints, and its safetensors loader."""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import torch
from safetensors import SafetensorError
from safetensors.torch import load_file
from torch import nn
from x_transformers import Encoder
from x_transformers.x_transformers import AttentionLayers

from vibe_widgets.engine.config import MODALITIES, VIBEConfig
from vibe_widgets.errors import ModelLoadError

# x-transformers logs a timestamped training tip ("rotary embedding dimension should be
# at least 32") whenever a small variant such as the demo is built; this is inference, and
# the line lands in every notebook output. Only versions that know the switch get it.
_QUIET = (
    {"verbose": False}
    if "verbose" in inspect.signature(AttentionLayers.__init__).parameters
    else {}
)

__all__ = [
    "PICKLE_SUFFIXES",
    "ModalityFusionTransformer",
    "VIBEModel",
    "load_vibe_model",
    "read_state_dict",
]

PICKLE_SUFFIXES = (".bin", ".pt", ".pth", ".pkl", ".pickle", ".ckpt", ".tar", ".zip")
"""Checkpoint formats that unpickle on load: refused, whatever they hold."""

_MAX_LISTED = 5  # differences named per category in a mismatch message


def _projection(in_dim: int, out_dim: int, num_layers: int) -> nn.Sequential:
    """Linear layers with widths ``linspace(in_dim, out_dim, L + 1)``, LeakyReLU between."""
    widths = np.linspace(in_dim, out_dim, num_layers + 1, dtype=int)
    layers: list[nn.Module] = []
    for i in range(num_layers):
        layers.append(nn.Linear(int(widths[i]), int(widths[i + 1])))
        if i < num_layers - 1:
            layers.append(nn.LeakyReLU())
    return nn.Sequential(*layers)


class ModalityFusionTransformer(nn.Module):
    """Projects each modality, adds a subject token and fuses the 4 tokens of every TR.

    Parameters
    ----------
    config : VIBEConfig
        Widths, depth and fuse mode.
    """

    def __init__(self, config: VIBEConfig) -> None:
        super().__init__()
        dim = config.modality_fusion_transformer_dim
        self.fuse_mode = config.modality_fusion_transformer_fuse_mode
        # Key order matters: the checkpoint and the token order are audio, text, video.
        self.projections = nn.ModuleDict(
            {
                name: _projection(
                    width, dim, config.modality_fusion_transformer_num_projection_layers
                )
                for name, width in config.input_dims.items()
            }
        )
        # One extra "null subject" row, as trained; subject ids map to rows 0..num_subjects-1.
        self.subject_embeddings = nn.Embedding(config.num_subjects + 1, dim)
        layer = nn.TransformerEncoderLayer(
            d_model=dim,
            nhead=config.modality_fusion_transformer_num_heads,
            dim_feedforward=4 * dim,
            batch_first=True,
            activation="gelu",
        )
        # Nested tensors only help with padding masks, which 4 fixed tokens never have.
        self.transformer = nn.TransformerEncoder(
            layer,
            num_layers=config.modality_fusion_transformer_num_layers,
            enable_nested_tensor=False,
        )

    def forward(
        self, features: Mapping[str, torch.Tensor], subject_rows: torch.Tensor
    ) -> torch.Tensor:
        """Fuse features of shape (batch, n_tr, d_modality) into (batch, n_tr, fused_dim).

        ``subject_rows`` is a long tensor of shape (batch,) of embedding rows.
        """
        tokens = [self.projections[name](features[name]) for name in MODALITIES]
        x = torch.stack(tokens, dim=2)  # (batch, n_tr, 3, dim)
        batch, n_tr, _, dim = x.shape
        subject = self.subject_embeddings(subject_rows)[:, None, None, :].expand(
            batch, n_tr, 1, dim
        )
        x = torch.cat([x, subject], dim=2).reshape(batch * n_tr, len(MODALITIES) + 1, dim)
        fused = self.transformer(x)
        fused = fused.reshape(batch * n_tr, -1) if self.fuse_mode == "concat" else fused.mean(dim=1)
        return fused.reshape(batch, n_tr, -1)


class VIBEModel(nn.Module):
    """VIBE: per-TR modality fusion, a bidirectional rotary transformer over TRs, a linear head.

    The state-dict keys and shapes match the published ``model.safetensors`` files:
    ``encoder.*`` (fusion), ``predictor.*`` (``x_transformers.Encoder``),
    ``output_head.weight`` and the empty ``pre_tokens`` buffer.

    Parameters
    ----------
    config : VIBEConfig
        Architecture hyper-parameters.
    """

    def __init__(self, config: VIBEConfig) -> None:
        super().__init__()
        self.config = config
        fused = config.fused_dim
        head_dim = fused // config.predictor_transformer_num_heads
        self.encoder = ModalityFusionTransformer(config)
        self.predictor = Encoder(
            dim=fused,
            depth=config.predictor_transformer_num_layers,
            heads=config.predictor_transformer_num_heads,
            rotary_pos_emb=True,
            rotary_emb_dim=head_dim,
            attn_dim_head=head_dim,
            use_scalenorm=True,
            attn_flash=False,
            **_QUIET,
        )
        self.output_head = nn.Linear(fused, config.num_rois, bias=False)
        # Unused by the forward pass; kept because the published checkpoints contain it.
        self.register_buffer("pre_tokens", torch.empty(0, fused))

    def forward(
        self, features: Mapping[str, torch.Tensor], subject_rows: torch.Tensor
    ) -> torch.Tensor:
        """Predict responses.

        Parameters
        ----------
        features : mapping of str to torch.Tensor
            ``"audio"``, ``"text"``, ``"video"``, each of shape (batch, n_tr, d_modality).
        subject_rows : torch.Tensor
            Long tensor of shape (batch,): subject-embedding rows (0..num_subjects).

        Returns
        -------
        torch.Tensor
            Shape (batch, n_tr, num_rois).
        """
        fused = self.encoder(features, subject_rows)
        # Rotary positions run over the whole clip: every TR attends to every other one.
        return self.output_head(self.predictor(fused))


def read_state_dict(path: str | Path) -> dict[str, torch.Tensor]:
    """Read a ``.safetensors`` checkpoint on the CPU and normalise its keys.

    A leading ``module.`` (from DataParallel) is stripped and ``n_averaged`` (from
    weight averaging) is dropped. Formats that unpickle are refused before any byte is read.

    Raises
    ------
    ModelLoadError
        For a pickle-based file, a missing file, or a file that is not valid safetensors.
    """
    path = Path(path)
    if path.suffix.lower() != ".safetensors":
        raise ModelLoadError(
            f"Refusing to load {str(path)!r}: only '.safetensors' checkpoints are loaded, "
            "because pickle-based formats (.bin, .pt, .pth, .pkl, .ckpt) can run arbitrary "
            "code when opened. Convert it with safetensors.torch.save_file."
        )
    if not path.is_file():
        raise ModelLoadError(f"Checkpoint {str(path)!r} does not exist.")
    try:
        state = load_file(path, device="cpu")
    except (SafetensorError, OSError, ValueError) as exc:
        raise ModelLoadError(
            f"{str(path)!r} is not a valid safetensors file ({exc}). Delete it and download "
            "the variant again."
        ) from exc
    out: dict[str, torch.Tensor] = {}
    for key, value in state.items():
        key = key.removeprefix("module.")
        if key != "n_averaged":
            out[key] = value
    return out


def _mismatch_message(
    expected: Mapping[str, torch.Tensor], found: Mapping[str, torch.Tensor]
) -> str:
    """Describe key and shape differences, the first few of each kind; empty when none."""
    missing = [k for k in expected if k not in found]
    unexpected = [k for k in found if k not in expected]
    shapes = [
        f"{k}: checkpoint {tuple(found[k].shape)} vs model {tuple(expected[k].shape)}"
        for k in expected
        if k in found and found[k].shape != expected[k].shape
    ]
    parts = []
    for label, items in (
        ("missing keys", missing),
        ("unexpected keys", unexpected),
        ("shape differences", shapes),
    ):
        if items:
            more = f" (+{len(items) - _MAX_LISTED} more)" if len(items) > _MAX_LISTED else ""
            parts.append(f"{len(items)} {label}: {', '.join(items[:_MAX_LISTED])}{more}")
    return "; ".join(parts)


def load_vibe_model(config: VIBEConfig, weights_path: str | Path) -> VIBEModel:
    """Build a `VIBEModel` for ``config`` and load ``weights_path`` strictly, in float32 on the CPU.

    The network is built on the meta device and the checkpoint tensors are assigned to
    it, so the weights are held once in memory and no random initialisation is spent.

    Raises
    ------
    ModelLoadError
        When the file is refused or unreadable (see `read_state_dict`), or when its keys or
        shapes do not match the config's network (the first differences are listed).
    """
    state = read_state_dict(weights_path)
    with torch.device("meta"):
        model = VIBEModel(config)
    problems = _mismatch_message(model.state_dict(), state)
    if problems:
        raise ModelLoadError(
            f"Checkpoint {str(weights_path)!r} does not match the network of its config: "
            f"{problems}. Is config.json from the same variant as model.safetensors?"
        )
    model.load_state_dict(state, strict=True, assign=True)
    model = model.float()
    leftovers = [
        name for name, t in [*model.named_parameters(), *model.named_buffers()] if t.is_meta
    ]
    if leftovers:  # a non-persistent buffer a future x-transformers might add
        raise ModelLoadError(f"Tensors left unloaded after loading the checkpoint: {leftovers[:5]}")
    return model.eval()
