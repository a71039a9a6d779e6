"""What every worker loads: a picklable description of an EncodingModel, and its identity."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from importlib import metadata as importlib_metadata
from typing import Any

import numpy as np

from vibe_widgets.engine.config import MODEL_ID, subject_row
from vibe_widgets.engine.digest import file_digest, text_digest
from vibe_widgets.engine.encoder import EncodingModel, get_encoding_model
from vibe_widgets.engine.features.cache import FEATURE_VERSION, FeatureCache
from vibe_widgets.engine.features.pipeline import MISSING_AUDIO_CHOICES
from vibe_widgets.engine.hub import ResolvedVariant, resolve_variant
from vibe_widgets.engine.selection import resolve_selection
from vibe_widgets.errors import InvalidParameterError

__all__ = ["ModelSpec", "package_version", "run_settings", "settings_digest"]


def package_version() -> str:
    """The installed vibe-widgets version (``"unknown"`` when run from an uninstalled tree)."""
    try:
        return importlib_metadata.version("vibe-widgets")
    except importlib_metadata.PackageNotFoundError:
        return "unknown"


@dataclass(frozen=True)
class ModelSpec:
    """How to load the model on each worker: the arguments of `get_encoding_model`.

    A spec, not a loaded model, travels to Ray workers: each loads the network and
    extractors once and keeps them.

    Parameters
    ----------
    model_variant : str
        ``"demo"``, a Hub repo id or a folder (see `get_encoding_model`); required, so that
        a batch never depends on which variant a collection listing puts first.
    subject : int
        1, 2, 3 or 5.
    selection : dict, optional
        Output parcels, as for `get_encoding_model`.
    device : str
        ``"auto"`` (the worker's GPU when it has one), ``"cpu"`` or ``"cuda[:N]"``.
    low_mem_use, trust_remote_code : bool
        As for `get_encoding_model`.
    missing_audio : {"error", "silence"}
        A movie without audio: fail that item, or encode silence.
    """

    model_variant: str
    subject: int
    selection: Mapping[str, Any] | None = field(default=None, hash=False)
    device: str = "auto"
    low_mem_use: bool = False
    trust_remote_code: bool = False
    missing_audio: str = "error"

    def __post_init__(self) -> None:
        if not isinstance(self.model_variant, (str, os.PathLike)) or not str(self.model_variant):
            raise InvalidParameterError(
                f"model_variant must be 'demo', a Hub repo id or a folder, got "
                f"{self.model_variant!r}; see get_model_variants()."
            )
        object.__setattr__(self, "model_variant", os.fspath(self.model_variant))
        subject_row(self.subject)
        resolve_selection(self.selection)
        if self.missing_audio not in MISSING_AUDIO_CHOICES:
            raise InvalidParameterError(
                f"missing_audio must be one of {list(MISSING_AUDIO_CHOICES)}, got "
                f"{self.missing_audio!r}."
            )

    @classmethod
    def coerce(cls, value: Any) -> ModelSpec:
        """A ModelSpec from a ModelSpec, a dict of its fields, or a loaded EncodingModel."""
        if isinstance(value, ModelSpec):
            return value
        if isinstance(value, Mapping):
            unknown = sorted(set(value) - set(cls.__dataclass_fields__))
            if unknown or "model_variant" not in value or "subject" not in value:
                raise InvalidParameterError(
                    f"model_spec dict needs 'model_variant' and 'subject' and may have "
                    f"{sorted(set(cls.__dataclass_fields__) - {'model_variant', 'subject'})}; "
                    f"got keys {sorted(value)}."
                )
            return cls(**value)
        if isinstance(value, EncodingModel):
            if value.variant is None:
                raise InvalidParameterError(
                    "This EncodingModel has random weights (no variant), which workers cannot "
                    "reload: give model_variant=... to get_encoding_model, or a ModelSpec."
                )
            if value.subject is None:
                raise InvalidParameterError(
                    "The EncodingModel has no subject: load it with subject=1, 2, 3 or 5."
                )
            selection = None
            if value.selection is not None:
                mask = np.zeros(value.config.num_rois, dtype=np.int64)
                mask[value.selection.indices] = 1
                selection = {"parcel_index": mask}
                if value.selection.rois:
                    selection["roi"] = list(value.selection.rois)
            return cls(
                model_variant=value.variant.name,
                subject=value.subject,
                selection=selection,
                device="auto",
                low_mem_use=value.low_mem_use,
                trust_remote_code=value.pipeline.trust_remote_code,
                missing_audio=value.pipeline.missing_audio,
            )
        raise InvalidParameterError(
            "model_spec must be a ModelSpec, a dict such as {'model_variant': 'demo', "
            f"'subject': 1}}, or an EncodingModel; got {type(value).__name__}."
        )

    def load(self, feature_cache: FeatureCache | bool | None = None) -> EncodingModel:
        """Load the model this spec describes (extractors load on first use)."""
        return get_encoding_model(
            MODEL_ID,
            subject=self.subject,
            device=self.device,
            model_variant=self.model_variant,
            low_mem_use=self.low_mem_use,
            selection=self.selection,
            feature_cache=feature_cache,
            trust_remote_code=self.trust_remote_code,
            missing_audio=self.missing_audio,
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields (masks as lists)."""
        out = asdict(self)
        if self.selection is not None:
            out["selection"] = {
                k: (np.asarray(v).tolist() if k != "roi" else list(v))
                for k, v in self.selection.items()
            }
        return out


def run_settings(spec: ModelSpec, variant: ResolvedVariant | None = None) -> dict[str, Any]:
    """Everything that decides an item's responses besides its inputs (JSON-ready).

    The weights are identified by their content digest, so a re-downloaded or moved variant
    with the same bytes still matches; the device is not included (CPU and GPU results agree
    to float tolerance).
    """
    variant = resolve_variant(spec.model_variant) if variant is None else variant
    selection = resolve_selection(spec.selection)
    return {
        "model_id": MODEL_ID,
        "variant": spec.model_variant,
        "variant_config": variant.config.to_dict(),
        "weights_blake2b": file_digest(variant.weights_path),
        "subject": spec.subject,
        "tr": variant.config.tr,
        # The parcels decide the output; how they were named (roi, mask) is only recorded.
        "parcel_indices": None if selection is None else selection.indices.tolist(),
        "selection_rois": [] if selection is None else list(selection.rois),
        "missing_audio": spec.missing_audio,
        "feature_version": FEATURE_VERSION,
    }


def settings_digest(settings: Mapping[str, Any]) -> str:
    """Digest of `run_settings` output: equal settings, equal digest."""
    identity = {k: v for k, v in settings.items() if k != "selection_rois"}
    return text_digest(json.dumps(identity, sort_keys=True, default=str))
