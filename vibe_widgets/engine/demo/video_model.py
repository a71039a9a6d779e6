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
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(folder)
    return folder
