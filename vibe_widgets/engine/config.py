"""VIBEConfig: the published VIBE hyper-parameters, read from and written to ``config.json``."""

from __future__ import annotations

import dataclasses
import json
import math
import numbers
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import torch

from vibe_widgets.errors import InvalidParameterError, ModelLoadError

__all__ = [
    "AUDIO_EXTRACTOR",
    "COLLECTION_ID",
    "MODALITIES",
    "MODEL_ID",
    "SUBJECTS",
    "VIBEConfig",
    "check_model_id",
    "subject_row",
]

MODEL_ID = "fmri-cneuromod_algo2025-vibe"
"""BERG's identifier of the model; the only ``model_id`` this package serves."""

COLLECTION_ID = "ShreyDixit/vibe"
"""The Hugging Face collection that lists the pretrained variants."""

AUDIO_EXTRACTOR = "MIT/ast-finetuned-audioset-10-10-0.4593"
"""The audio model of every published variant (BERG has no config field for it)."""

SUBJECTS: tuple[int, ...] = (1, 2, 3, 5)
"""CNeuroMod subject ids the variants were trained on; subject ``SUBJECTS[i]`` is row ``i``."""

MODALITIES: tuple[str, ...] = ("audio", "text", "video")
"""Feature streams in the order of the checkpoint's projections and fusion tokens."""

_FUSE_MODES = ("concat", "mean")

# Every spelling of a dtype seen in published config.json files (and torch's own names).
_DTYPES: dict[str, torch.dtype] = {
    "float16": torch.float16,
    "fp16": torch.float16,
    "half": torch.float16,
    "bfloat16": torch.bfloat16,
    "bf16": torch.bfloat16,
    "float32": torch.float32,
    "fp32": torch.float32,
    "float": torch.float32,
}


# Fields that describe how features are computed, not which checkpoint matches: they take
# no part in equality or hashing, so published config.json files still match the defaults.
_NOT_COMPARED: dict[str, Any] = {"compare": False, "hash": False}


@dataclasses.dataclass(frozen=True)
class VIBEConfig:
    """Hyper-parameters of a VIBE variant, with BERG's field names and defaults.

    Equality (used to match a config to a published variant) ignores the dtype and
    batch-size fields and ``audio_extractor``, which BERG's config does not have.

    Attributes
    ----------
    tr : float
        Repetition time in seconds; one output row per TR.
    num_subjects : int
        Number of trained subjects; the subject embedding has one extra "null" row.
    num_rois : int
        Number of output parcels (Schaefer-1000).
    modality_fusion_transformer_dim : int
        Token width of the per-TR fusion transformer.
    modality_fusion_transformer_fuse_mode : {"concat", "mean"}
        How the four fused tokens of a TR become one vector (width ``4 * dim`` or ``dim``).
    text_extractor_feature_size, audio_extractor_feature_size : int
        Widths of the text and audio features.
    video_extractor_feature_size, video_extractor_pool_size : int
        The video feature width is ``feature_size * pool_size ** 2``.
    """

    tr: float = 1.49
    num_subjects: int = 4
    num_rois: int = 1000
    modality_fusion_transformer_num_layers: int = 1
    modality_fusion_transformer_num_heads: int = 4
    modality_fusion_transformer_dim: int = 1024
    modality_fusion_transformer_fuse_mode: Literal["concat", "mean"] = "concat"
    modality_fusion_transformer_num_projection_layers: int = 1
    predictor_transformer_num_heads: int = 8
    predictor_transformer_num_layers: int = 3
    text_extractor: str = "Qwen/Qwen2.5-14B"
    text_extractor_feature_size: int = 5120
    text_extractor_dtype: torch.dtype = dataclasses.field(default=torch.float16, **_NOT_COMPARED)
    text_extractor_num_last_hidden_states: int = 4
    video_extractor: str = "facebook/vjepa2-vitg-fpc64-256"
    video_extractor_feature_size: int = 1408
    video_extractor_pool_size: int = 2
    video_extractor_dtype: torch.dtype = dataclasses.field(default=torch.bfloat16, **_NOT_COMPARED)
    video_extractor_num_last_hidden_states: int = 3
    video_extractor_chunk_length_seconds: float = 16
    video_extractor_batch_size: int = dataclasses.field(default=8, **_NOT_COMPARED)
    audio_extractor_last_layer_index: int = 2
    audio_extractor_batch_size: int = dataclasses.field(default=32, **_NOT_COMPARED)
    audio_extractor_feature_size: int = 1536
    audio_extractor: str = dataclasses.field(default=AUDIO_EXTRACTOR, **_NOT_COMPARED)

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if f.name.endswith("_dtype"):
                object.__setattr__(self, f.name, _parse_dtype(f.name, value))
            elif f.type == "int":
                if isinstance(value, bool) or not isinstance(value, numbers.Integral):
                    if not (isinstance(value, float) and value.is_integer()):
                        raise _field_error(f.name, value, "an integer")
                    value = int(value)
                if value < 1:
                    raise _field_error(f.name, value, "a positive integer")
                object.__setattr__(self, f.name, int(value))
            elif f.type == "float":
                real = isinstance(value, numbers.Real) and not isinstance(value, bool)
                if not real or not math.isfinite(value) or value <= 0:
                    raise _field_error(f.name, value, "a positive finite number")
                object.__setattr__(self, f.name, float(value))
            elif f.type == "str" and not isinstance(value, str):
                raise _field_error(f.name, value, "a string")
        if self.modality_fusion_transformer_fuse_mode not in _FUSE_MODES:
            raise _field_error(
                "modality_fusion_transformer_fuse_mode",
                self.modality_fusion_transformer_fuse_mode,
                f"one of {list(_FUSE_MODES)}",
            )
        if self.modality_fusion_transformer_dim % self.modality_fusion_transformer_num_heads:
            raise InvalidParameterError(
                f"modality_fusion_transformer_dim={self.modality_fusion_transformer_dim} is not "
                "divisible by modality_fusion_transformer_num_heads="
                f"{self.modality_fusion_transformer_num_heads}."
            )
        if self.fused_dim % self.predictor_transformer_num_heads:
            raise InvalidParameterError(
                f"The fused width {self.fused_dim} is not divisible by "
                f"predictor_transformer_num_heads={self.predictor_transformer_num_heads}."
            )

    @property
    def fused_dim(self) -> int:
        """Width of one TR after fusion: ``4 * dim`` for "concat", ``dim`` for "mean"."""
        dim = self.modality_fusion_transformer_dim
        return 4 * dim if self.modality_fusion_transformer_fuse_mode == "concat" else dim

    @property
    def input_dims(self) -> dict[str, int]:
        """Feature width per modality, in checkpoint order (audio, text, video)."""
        return {
            "audio": self.audio_extractor_feature_size,
            "text": self.text_extractor_feature_size,
            "video": self.video_extractor_feature_size * self.video_extractor_pool_size**2,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> VIBEConfig:
        """Build a config from ``config.json`` content; keys that are not fields are ignored."""
        if not isinstance(data, Mapping):
            raise InvalidParameterError(
                f"A VIBE config must be a JSON object, got {type(data).__name__}."
            )
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})

    @classmethod
    def from_json(cls, path: str | Path) -> VIBEConfig:
        """Read a variant's ``config.json``."""
        path = Path(path)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ModelLoadError(f"Cannot read the VIBE config {str(path)!r}: {exc}") from exc
        try:
            return cls.from_dict(data)
        except InvalidParameterError as exc:
            raise ModelLoadError(f"Invalid VIBE config {str(path)!r}: {exc}") from exc

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields, dtypes as strings such as ``"float16"``."""
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            out[f.name] = str(value).removeprefix("torch.") if f.name.endswith("_dtype") else value
        return out

    def to_json(self, path: str | Path) -> None:
        """Write ``config.json``."""
        Path(path).write_text(json.dumps(self.to_dict(), indent=2) + "\n", encoding="utf-8")


def _parse_dtype(name: str, value: Any) -> torch.dtype:
    if isinstance(value, torch.dtype):
        return value
    if isinstance(value, str):
        key = value.strip().lower().removeprefix("torch.")
        if key in _DTYPES:
            return _DTYPES[key]
    raise _field_error(name, value, f"a dtype name, one of {sorted(_DTYPES)}")


def _field_error(name: str, value: Any, expected: str) -> InvalidParameterError:
    return InvalidParameterError(
        f"VIBEConfig field {name}={value!r} is invalid: expected {expected}."
    )


def check_model_id(model_id: Any) -> str:
    """Return ``model_id`` if it names VIBE, else raise `InvalidParameterError`."""
    if model_id != MODEL_ID:
        raise InvalidParameterError(
            f"Unknown model_id {model_id!r}: this package serves only {MODEL_ID!r}."
        )
    return MODEL_ID


def subject_row(subject: Any) -> int:
    """Row of the subject embedding for a CNeuroMod subject id (1, 2, 3, 5 -> 0, 1, 2, 3).

    Raises
    ------
    InvalidParameterError
        When ``subject`` is not one of `SUBJECTS` (booleans and strings included).
    """
    is_int = isinstance(subject, numbers.Integral) and not isinstance(subject, bool)
    if is_int and int(subject) in SUBJECTS:
        return SUBJECTS.index(int(subject))
    raise InvalidParameterError(
        f"Invalid subject {subject!r}: valid subjects are {list(SUBJECTS)} "
        "(CNeuroMod ids, as in the Algonauts 2025 challenge)."
    )
