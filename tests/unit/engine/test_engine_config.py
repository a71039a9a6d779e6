"""VIBEConfig: published defaults, config.json parsing, equality rules; subjects and model id."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest
import torch

from vibe_widgets.engine.config import (
    AUDIO_EXTRACTOR,
    MODEL_ID,
    SUBJECTS,
    VIBEConfig,
    check_model_id,
    subject_row,
)
from vibe_widgets.errors import InvalidParameterError, ModelLoadError

PUBLISHED_DEFAULTS = {
    "tr": 1.49,
    "num_subjects": 4,
    "num_rois": 1000,
    "modality_fusion_transformer_num_layers": 1,
    "modality_fusion_transformer_num_heads": 4,
    "modality_fusion_transformer_dim": 1024,
    "modality_fusion_transformer_fuse_mode": "concat",
    "modality_fusion_transformer_num_projection_layers": 1,
    "predictor_transformer_num_heads": 8,
    "predictor_transformer_num_layers": 3,
    "text_extractor": "Qwen/Qwen2.5-14B",
    "text_extractor_feature_size": 5120,
    "text_extractor_dtype": torch.float16,
    "text_extractor_num_last_hidden_states": 4,
    "video_extractor": "facebook/vjepa2-vitg-fpc64-256",
    "video_extractor_feature_size": 1408,
    "video_extractor_pool_size": 2,
    "video_extractor_dtype": torch.bfloat16,
    "video_extractor_num_last_hidden_states": 3,
    "video_extractor_chunk_length_seconds": 16,
    "video_extractor_batch_size": 8,
    "audio_extractor_last_layer_index": 2,
    "audio_extractor_batch_size": 32,
    "audio_extractor_feature_size": 1536,
}


def test_defaults_are_the_published_ones() -> None:
    config = VIBEConfig()
    assert {k: getattr(config, k) for k in PUBLISHED_DEFAULTS} == PUBLISHED_DEFAULTS
    # Only the audio model id is added to BERG's fields.
    added = {f.name for f in dataclasses.fields(config)} - set(PUBLISHED_DEFAULTS)
    assert added == {"audio_extractor"}
    assert config.audio_extractor == AUDIO_EXTRACTOR
    assert config.input_dims == {"audio": 1536, "text": 5120, "video": 5632}
    assert config.fused_dim == 4096


def test_config_is_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        VIBEConfig().tr = 2.0  # type: ignore[misc]


def test_from_dict_ignores_unknown_keys_and_parses_dtype_strings() -> None:
    raw = {
        **VIBEConfig().to_dict(),
        "architectures": ["VIBE"],
        "model_type": "vibe",
        "text_extractor_dtype": "bf16",
        "video_extractor_dtype": "torch.float32",
    }
    config = VIBEConfig.from_dict(raw)
    assert config.text_extractor_dtype is torch.bfloat16
    assert config.video_extractor_dtype is torch.float32
    assert not hasattr(config, "architectures")


@pytest.mark.parametrize(
    "changes",
    [
        {"text_extractor_dtype": torch.float32},
        {"video_extractor_dtype": torch.float16},
        {"video_extractor_batch_size": 1},
        {"audio_extractor_batch_size": 2},
        {"audio_extractor": "someone/else"},
    ],
)
def test_equality_and_hash_ignore_dtype_batch_and_added_fields(changes: dict) -> None:
    other = dataclasses.replace(VIBEConfig(), **changes)
    assert other == VIBEConfig()
    assert hash(other) == hash(VIBEConfig())


@pytest.mark.parametrize(
    "changes",
    [{"modality_fusion_transformer_dim": 512}, {"tr": 1.5}, {"text_extractor": "other/llm"}],
)
def test_equality_sees_architecture_fields(changes: dict) -> None:
    assert dataclasses.replace(VIBEConfig(), **changes) != VIBEConfig()


def test_json_round_trip(tmp_path) -> None:
    config = VIBEConfig(modality_fusion_transformer_fuse_mode="mean", text_extractor_dtype="fp32")
    path = tmp_path / "config.json"
    config.to_json(path)
    data = json.loads(path.read_text())
    assert data["text_extractor_dtype"] == "float32"
    assert data["video_extractor_dtype"] == "bfloat16"
    back = VIBEConfig.from_json(path)
    assert back == config
    assert back.text_extractor_dtype is torch.float32


def test_integral_floats_and_numpy_ints_are_accepted() -> None:
    config = VIBEConfig.from_dict(
        {"modality_fusion_transformer_dim": 512.0, "num_rois": np.int64(1000)}
    )
    assert config.modality_fusion_transformer_dim == 512
    assert type(config.num_rois) is int


@pytest.mark.parametrize(
    ("changes", "fragment"),
    [
        ({"modality_fusion_transformer_fuse_mode": "sum"}, "['concat', 'mean']"),
        ({"text_extractor_dtype": "float8"}, "text_extractor_dtype='float8'"),
        ({"num_rois": "1000"}, "num_rois='1000'"),
        ({"num_rois": 0}, "positive integer"),
        ({"predictor_transformer_num_layers": True}, "an integer"),
        ({"tr": -1.0}, "tr=-1.0"),
        ({"text_extractor": 3}, "a string"),
        ({"modality_fusion_transformer_dim": 10}, "not divisible"),
        ({"predictor_transformer_num_heads": 3}, "predictor_transformer_num_heads=3"),
    ],
)
def test_invalid_fields_are_named(changes: dict, fragment: str) -> None:
    with pytest.raises(InvalidParameterError) as info:
        VIBEConfig(**changes)
    assert fragment in str(info.value)


def test_from_json_errors_name_the_file(tmp_path) -> None:
    bad_json = tmp_path / "broken.json"
    bad_json.write_text("{not json")
    with pytest.raises(ModelLoadError, match=r"broken\.json"):
        VIBEConfig.from_json(bad_json)
    bad_value = tmp_path / "bad.json"
    bad_value.write_text(json.dumps({"modality_fusion_transformer_fuse_mode": "max"}))
    with pytest.raises(ModelLoadError, match=r"bad\.json.*fuse_mode"):
        VIBEConfig.from_json(bad_value)
    with pytest.raises(InvalidParameterError, match="JSON object"):
        VIBEConfig.from_dict([1, 2])  # type: ignore[arg-type]


def test_subject_ids_map_to_embedding_rows() -> None:
    assert SUBJECTS == (1, 2, 3, 5)
    assert [subject_row(s) for s in (1, 2, 3, 5)] == [0, 1, 2, 3]
    assert subject_row(np.int64(5)) == 3


@pytest.mark.parametrize("subject", [0, 4, 6, -1, True, "1", 1.0, None])
def test_bad_subjects_name_the_valid_ones(subject: object) -> None:
    with pytest.raises(InvalidParameterError) as info:
        subject_row(subject)
    assert repr(subject) in str(info.value)
    assert "[1, 2, 3, 5]" in str(info.value)


def test_model_id_check() -> None:
    assert check_model_id(MODEL_ID) == "fmri-cneuromod_algo2025-vibe"
    with pytest.raises(InvalidParameterError, match=r"'fmri-vibe'.*'fmri-cneuromod_algo2025-vibe'"):
        check_model_id("fmri-vibe")
