"""Kernel-side engine: the VIBE network, its variants, the atlas and the encoding verbs."""

from __future__ import annotations

from vibe_widgets.engine.atlas import NETWORKS, Atlas, load_atlas
from vibe_widgets.engine.config import COLLECTION_ID, MODEL_ID, SUBJECTS, VIBEConfig
from vibe_widgets.engine.encoder import (
    EncodingModel,
    encode,
    encode_features,
    get_encoding_model,
    get_model_metadata,
)
from vibe_widgets.engine.hub import get_model_variants, get_variant_configs
from vibe_widgets.engine.model import VIBEModel

__all__ = [
    "COLLECTION_ID",
    "MODEL_ID",
    "NETWORKS",
    "SUBJECTS",
    "Atlas",
    "EncodingModel",
    "VIBEConfig",
    "VIBEModel",
    "encode",
    "encode_features",
    "get_encoding_model",
    "get_model_metadata",
    "get_model_variants",
    "get_variant_configs",
    "load_atlas",
]
