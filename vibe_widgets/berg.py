"""A BERG-style facade, so that BERG's documented VIBE example runs with only its import changed."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import torch

from vibe_widgets.engine import encoder, hub
from vibe_widgets.engine.config import MODEL_ID, VIBEConfig
from vibe_widgets.engine.encoder import EncodingModel

__all__ = ["BERG"]


class BERG:
    """The subset of BERG's ``berg.BERG`` that serves VIBE (``"fmri-cneuromod_algo2025-vibe"``).

    Parameters
    ----------
    berg_dir : path-like, optional
        Accepted for compatibility and unused: the atlas ships with vibe-widgets, weights go
        to the Hugging Face cache and the variant listing to the vibe-widgets cache. The
        folder need not exist.

    Examples
    --------
    >>> from vibe_widgets.berg import BERG
    >>> berg = BERG(berg_dir="path/to/brain-encoding-response-generator")
    >>> berg.list_models()
    ['fmri-cneuromod_algo2025-vibe']
    """

    def __init__(self, berg_dir: str | os.PathLike[str] | None = None) -> None:
        self.berg_dir = berg_dir

    def __repr__(self) -> str:
        return f"BERG(berg_dir={self.berg_dir!r})"

    def list_models(self) -> list[str]:
        """Model ids served: only VIBE's."""
        return [MODEL_ID]

    def get_model_variants(self, model_id: str) -> list[str]:
        """Repo ids of the pretrained variants (answers offline once listed)."""
        return hub.get_model_variants(model_id)

    def get_encoding_model(
        self,
        model_id: str,
        subject: int | None = None,
        device: str | torch.device = "auto",
        model_variant: str | os.PathLike[str] | None = None,
        low_mem_use: bool = False,
        selection: Mapping[str, Any] | None = None,
        *,
        config: VIBEConfig | None = None,
        allow_untrained: bool = False,
    ) -> EncodingModel:
        """Load a variant; see `vibe_widgets.engine.encoder.get_encoding_model`."""
        return encoder.get_encoding_model(
            model_id,
            subject=subject,
            device=device,
            model_variant=model_variant,
            low_mem_use=low_mem_use,
            selection=selection,
            config=config,
            allow_untrained=allow_untrained,
        )

    def encode(
        self,
        model: EncodingModel,
        stimulus: Sequence[str],
        video_path: str | os.PathLike[str] | None = None,
        subject: int | None = None,
        return_metadata: bool = False,
        show_progress: bool = True,
    ) -> torch.Tensor | tuple[torch.Tensor, dict[str, Any]]:
        """Predict responses to a movie; see `vibe_widgets.engine.encoder.encode`."""
        return encoder.encode(
            model,
            stimulus,
            video_path=video_path,
            subject=subject,
            return_metadata=return_metadata,
            show_progress=show_progress,
        )

    def encode_features(
        self,
        model: EncodingModel,
        features: Mapping[str, np.ndarray | torch.Tensor],
        subject: int | None = None,
    ) -> torch.Tensor:
        """Predict from precomputed features; see `vibe_widgets.engine.encoder.encode_features`."""
        return encoder.encode_features(model, features, subject=subject)

    def get_model_metadata(self, model_id: str, subject: int | None = None) -> dict[str, Any]:
        """Metadata without loading a model or using the network."""
        return encoder.get_model_metadata(model_id, subject=subject)
