"""A tiny, randomly initialised V-JEPA 2 video extractor, built locally."""

from __future__ import annotations

import os
from pathlib import Path

import torch

from vibe_widgets.errors import InvalidParameterError

__all__ = ["build_tiny_video_extractor"]


def build_tiny_video_extractor(
    folder: str | os.PathLike,
    *,
    seed: int = 0,
    hidden_size: int = 32,
    num_layers: int = 3,
    crop_size: int = 32,
    frames_per_clip: int = 16,
    patch_size: int = 8,
    motion_filters: bool = False,
    motion_energy: bool = False,
) -> Path:
    """Write a small ``VJEPA2Model`` with seeded random weights, loadable offline.

    Same classes and file layout as ``facebook/vjepa2-vitg-fpc64-256`` (``config.json`` +
    ``model.safetensors``, ``AutoModel.from_pretrained(folder)`` gives a ``VJEPA2Model``),
    at a size that runs in milliseconds on a CPU. The same arguments always give the same
    weights.

    Parameters
    ----------
    folder : str or Path
        Where to write the model (created if needed).
    seed : int
        Seed of the random initialisation.
    hidden_size : int
        Encoder width; a multiple of 2 (two attention heads).
    num_layers : int
        Encoder layers.
    crop_size : int
        Frame side in pixels; a multiple of ``patch_size``.
    frames_per_clip : int
        Frames per chunk; even (two frames per temporal token).
    patch_size : int
        Spatial patch side: ``crop_size // patch_size`` tokens per row.
    motion_filters : bool
        Turn half of the tubelet filters into temporal-difference filters (the second
        frame's weights are minus the first's, times 3). A V-JEPA 2 trained on video
        responds to motion; random filters barely do, so without this the tokens say
        little about how much the picture changed. Still seeded and deterministic.
    motion_energy : bool
        With ``motion_filters``: half of the first layer's MLP units become "complex cells",
        pairs that read one random direction of the motion channels with opposite signs, so
        that GELU(a) + GELU(-a) ~ |a| adds the motion *energy* to the tokens (the motion
        energy model of visual cortex, which video-trained networks also learn). The signed
        motion channels average out when tokens are pooled; their energy does not, so the
        pooled features then say linearly how much the picture changed.

    Returns
    -------
    Path
        ``folder``.
    """
    from transformers import VJEPA2Config, VJEPA2Model

    if hidden_size < 2 or hidden_size % 2:
        raise InvalidParameterError(f"hidden_size must be even and >= 2, got {hidden_size!r}.")
    if num_layers < 1:
        raise InvalidParameterError(f"num_layers must be >= 1, got {num_layers!r}.")
    if patch_size < 1 or crop_size < patch_size or crop_size % patch_size:
        raise InvalidParameterError(
            f"crop_size ({crop_size!r}) must be a positive multiple of patch_size ({patch_size!r})."
        )
    if motion_energy and not motion_filters:
        raise InvalidParameterError("motion_energy=True needs motion_filters=True.")
    if frames_per_clip < 2 or frames_per_clip % 2:
        raise InvalidParameterError(f"frames_per_clip must be even, got {frames_per_clip!r}.")
    config = VJEPA2Config(
        hidden_size=hidden_size,
        num_attention_heads=2,
        num_hidden_layers=num_layers,
        mlp_ratio=2.0,
        crop_size=crop_size,
        patch_size=patch_size,
        frames_per_clip=frames_per_clip,
        tubelet_size=2,
        pred_hidden_size=16,
        pred_num_attention_heads=2,
        pred_num_hidden_layers=1,
        pred_num_mask_tokens=2,
        pred_mlp_ratio=2.0,
        num_pooler_layers=1,
    )
    torch.manual_seed(seed)
    model = VJEPA2Model(config).eval()
    if motion_filters:
        with torch.no_grad():
            # (hidden, 3, tubelet=2, patch, patch): channel c sees frame 2 minus frame 1.
            weight = model.encoder.embeddings.patch_embeddings.proj.weight
            half = weight.shape[0] // 2
            weight[:half, :, 1] = -weight[:half, :, 0]
            weight[:half] *= 3.0
            if motion_energy:
                _add_motion_energy_units(model, n_motion=half, seed=seed)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(folder)
    return folder


def _add_motion_energy_units(model: torch.nn.Module, *, n_motion: int, seed: int) -> None:
    """Turn half of layer 0's MLP units into opposite-sign pairs over the motion channels.

    The tubelet filters write the motion signal into residual channels ``[0, n_motion)``.
    Unit pair ``(2i, 2i+1)`` reads ``+u_i`` and ``-u_i`` of them (|u_i| = 3, so that after
    the LayerNorm |u_i . x| is often above 1, where GELU(a) + GELU(-a) ~ |a|), with no bias,
    and both write the same random column ``r_i``: the residual stream gains
    ``sum_i r_i |u_i . x|``. The other units stay random.
    """
    mlp = model.encoder.layer[0].mlp
    hidden = model.config.hidden_size
    n_pairs = mlp.fc1.out_features // 4
    generator = torch.Generator().manual_seed(seed + 1)
    directions = torch.randn(n_pairs, n_motion, generator=generator)
    directions *= 3.0 / directions.norm(dim=1, keepdim=True)
    columns = torch.randn(hidden, n_pairs, generator=generator) / n_pairs**0.5
    with torch.no_grad():
        reads = torch.zeros(2 * n_pairs, hidden)
        reads[0::2, :n_motion] = directions
        reads[1::2, :n_motion] = -directions
        mlp.fc1.weight[: 2 * n_pairs] = reads
        mlp.fc1.bias[: 2 * n_pairs] = 0.0
        mlp.fc2.weight[:, 0 : 2 * n_pairs : 2] = columns
        mlp.fc2.weight[:, 1 : 2 * n_pairs : 2] = columns
