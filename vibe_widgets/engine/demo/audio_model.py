"""A tiny, randomly initialised AST audio model and its feature extractor, saved to a folder."""

from __future__ import annotations

from pathlib import Path

import torch

from vibe_widgets.engine.features.audio import quiet_mel_filter_warning
from vibe_widgets.errors import InvalidParameterError

__all__ = ["build_tiny_audio_extractor"]

# The published AST's patch geometry: 128 mel bins x 1024 frames, 16x16 patches at stride
# 10, i.e. 12 frequency x 101 time patches. Only the widths are shrunk.
_GEOMETRY = {
    "num_mel_bins": 128,
    "max_length": 1024,
    "patch_size": 16,
    "frequency_stride": 10,
    "time_stride": 10,
}
_NUM_HEADS = 4


def build_tiny_audio_extractor(
    folder: str | Path,
    *,
    seed: int = 0,
    hidden_size: int = 32,
    num_layers: int = 3,
) -> Path:
    """Write a tiny random ``ASTModel`` and its ``ASTFeatureExtractor`` to ``folder``.

    The folder loads offline with ``AutoFeatureExtractor.from_pretrained(folder)`` and
    ``ASTModel.from_pretrained(folder)``. The patch geometry is the published model's
    (12 frequency x 101 time patches of a 10.24 s input at 16 kHz); only the widths differ.

    Parameters
    ----------
    folder : str or pathlib.Path
        Destination; created if missing. Existing files of the same names are overwritten.
    seed : int
        Seed of the weight initialisation: the same seed gives identical weights. The
        caller's global torch random state is left untouched.
    hidden_size : int
        Width of the hidden states (the audio feature size is twice this). A multiple of 4
        (4 attention heads).
    num_layers : int
        Number of transformer layers (the model returns ``num_layers + 1`` hidden states).

    Returns
    -------
    pathlib.Path
        ``folder``.
    """
    from transformers import ASTConfig, ASTFeatureExtractor, ASTModel

    for name, value, multiple in (
        ("hidden_size", hidden_size, _NUM_HEADS),
        ("num_layers", num_layers, 1),
    ):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1 or value % multiple:
            raise InvalidParameterError(
                f"{name}={value!r} is invalid: expected a positive integer multiple of {multiple}."
            )
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise InvalidParameterError(f"seed must be an int, got {seed!r}.")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    config = ASTConfig(
        hidden_size=hidden_size,
        num_hidden_layers=num_layers,
        num_attention_heads=_NUM_HEADS,
        intermediate_size=2 * hidden_size,
        **_GEOMETRY,
    )
    # A private RNG stream: seeding the global one would reset the caller's randomness.
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = ASTModel(config)
    model.eval()
    model.save_pretrained(folder, safe_serialization=True)
    with quiet_mel_filter_warning():
        feature_extractor = ASTFeatureExtractor(
            sampling_rate=16_000,
            num_mel_bins=_GEOMETRY["num_mel_bins"],
            max_length=_GEOMETRY["max_length"],
        )
    feature_extractor.save_pretrained(folder)
    return folder
