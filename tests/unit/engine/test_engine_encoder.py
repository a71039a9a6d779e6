"""EncodingModel and the verbs: subjects, selections, feature validation, encode, metadata."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest
import torch

from vibe_widgets.engine import encoder
from vibe_widgets.engine.atlas import load_atlas
from vibe_widgets.engine.encoder import (
    EncodingModel,
    encode_features,
    get_encoding_model,
    get_model_metadata,
    resolve_device,
)
from vibe_widgets.errors import (
    InvalidParameterError,
    MediaError,
    ModelLoadError,
    StimulusError,
)

MODEL_ID = "fmri-cneuromod_algo2025-vibe"


@pytest.fixture
def variant(tmp_path, save_variant, tiny_config, network_from):
    """A local tiny variant and the reference network holding the same weights."""
    folder = tmp_path / "tiny-variant"
    state = save_variant(folder, tiny_config, seed=1)
    return folder, network_from(tiny_config, state)


def _load(folder, **kwargs) -> EncodingModel:
    kwargs.setdefault("device", "cpu")
    return get_encoding_model(MODEL_ID, model_variant=folder, **kwargs)


def test_encode_features_matches_the_network(variant, make_features, reference_forward):
    folder, reference = variant
    model = _load(folder, subject=1)
    features = make_features(model.config, n_tr=9)
    out = encode_features(model, features)
    assert isinstance(out, torch.Tensor)
    assert (out.shape, out.dtype, out.device.type) == ((9, 1000), torch.float32, "cpu")
    assert not out.is_inference()
    assert not out.requires_grad
    torch.testing.assert_close(out, reference_forward(reference, features, row=0))


def test_every_subject_uses_its_embedding_row(variant, make_features, reference_forward):
    folder, reference = variant
    model = _load(folder)
    features = make_features(model.config)
    outputs = {}
    for subject, row in zip((1, 2, 3, 5), range(4), strict=True):
        outputs[subject] = model.encode_features(features, subject=subject)
        torch.testing.assert_close(outputs[subject], reference_forward(reference, features, row))
    # The null row (4) is never used, and the four subjects all differ.
    null = reference_forward(reference, features, row=4)
    for a in outputs.values():
        assert not torch.allclose(a, null)
    assert all(
        not torch.allclose(outputs[a], outputs[b]) for a in outputs for b in outputs if a < b
    )


def test_per_call_subject_overrides_the_model_subject(variant, make_features):
    folder, _ = variant
    features = make_features(_load(folder).config)
    with_default = _load(folder, subject=2)
    torch.testing.assert_close(
        with_default.encode_features(features, subject=5),
        _load(folder, subject=5).encode_features(features),
    )
    assert not torch.allclose(
        with_default.encode_features(features), with_default.encode_features(features, subject=5)
    )


def test_no_subject_anywhere(variant, make_features):
    model = _load(variant[0])
    with pytest.raises(InvalidParameterError, match=r"No subject given.*\[1, 2, 3, 5\]"):
        model.encode_features(make_features(model.config))


@pytest.mark.parametrize("subject", [4, 0, "sub-01", True])
def test_bad_subject_at_load_and_per_call(variant, make_features, subject):
    with pytest.raises(InvalidParameterError, match=r"Invalid subject .*\[1, 2, 3, 5\]"):
        _load(variant[0], subject=subject)
    model = _load(variant[0], subject=1)
    with pytest.raises(InvalidParameterError, match=repr(subject)):
        model.encode_features(make_features(model.config), subject=subject)


@pytest.mark.parametrize("fuse_mode", ["concat", "mean"])
def test_both_fuse_modes_load_and_encode(
    tmp_path, save_variant, tiny_config, network_from, make_features, reference_forward, fuse_mode
):
    config = dataclasses.replace(tiny_config, modality_fusion_transformer_fuse_mode=fuse_mode)
    state = save_variant(tmp_path / fuse_mode, config, seed=4)
    model = _load(tmp_path / fuse_mode, subject=3)
    assert model.config.fused_dim == (64 if fuse_mode == "concat" else 16)
    features = make_features(config, n_tr=3)
    torch.testing.assert_close(
        model.encode_features(features),
        reference_forward(network_from(config, state), features, row=2),
    )


def test_tensor_and_float64_features_are_accepted(variant, make_features):
    model = _load(variant[0], subject=1)
    features = make_features(model.config)
    as_tensors = {k: torch.from_numpy(v) for k, v in features.items()}
    as_float32 = {k: v.astype(np.float32) for k, v in features.items()}
    torch.testing.assert_close(model.encode_features(as_tensors), model.encode_features(as_float32))


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        (lambda f: f.pop("video"), "missing ['video']"),
        (lambda f: f.update(extra=np.zeros((6, 2))), "unknown ['extra']"),
        (lambda f: f.update(text=np.zeros((6, 13))), "features['text'] must have shape (n_tr, 12)"),
        (lambda f: f.update(audio=np.zeros(8)), "features['audio'] must have shape (n_tr, 8)"),
        (lambda f: f.update(video=np.zeros((5, 20))), "same number of rows"),
        (lambda f: f["audio"].__setitem__((2, 3), np.nan), "features['audio'] contains NaN"),
        (lambda f: f["text"].__setitem__((0, 0), np.inf), "features['text'] contains NaN or inf"),
        (lambda f: f.update(text=np.full((6, 12), "x")), "features['text'] is not a numeric array"),
    ],
)
def test_bad_features_are_named(variant, make_features, change, fragment):
    model = _load(variant[0], subject=1)
    features = make_features(model.config)
    change(features)
    with pytest.raises(StimulusError) as info:
        model.encode_features(features)
    assert fragment in str(info.value)


def test_zero_rows_and_non_dict_features(variant):
    model = _load(variant[0], subject=1)
    empty = {k: np.zeros((0, d)) for k, d in model.config.input_dims.items()}
    with pytest.raises(StimulusError, match="0 rows"):
        model.encode_features(empty)
    with pytest.raises(StimulusError, match="must be a dict"):
        model.encode_features([np.zeros((2, 8))])  # type: ignore[arg-type]


def test_selection_columns_are_the_union_in_ascending_order(variant, make_features):
    folder, _ = variant
    full = _load(folder, subject=1)
    features = make_features(full.config)
    everything = full.encode_features(features)
    atlas = load_atlas()
    mask = np.zeros(1000, dtype=int)
    mask[[999, 3, 250]] = 1  # Cont, Vis (counted once), SalVentAttn
    selected = _load(folder, subject=1, selection={"roi": ["Limbic", "Vis"], "parcel_index": mask})
    expected = np.flatnonzero(np.isin(atlas.networks, ["Vis", "Limbic"]) | (mask == 1))
    assert len(expected) == 162 + 60 + 2
    assert {atlas.labels[i] for i in (3, 250, 999)} <= {atlas.labels[i] for i in expected}
    np.testing.assert_array_equal(selected.parcel_indices, expected)
    torch.testing.assert_close(selected.encode_features(features), everything[:, expected])
    meta = selected.metadata
    assert meta["n_outputs"] == len(expected)
    assert meta["output_parcel_names"] == [atlas.labels[i] for i in expected]
    assert meta["selection_rois"] == ["Limbic", "Vis"]


def test_voxel_index_is_an_alias_of_parcel_index(variant):
    mask = np.zeros(1000)
    mask[[10, 20]] = 1.0
    model = _load(variant[0], selection={"voxel_index": mask})
    assert model.parcel_indices.tolist() == [10, 20]
    assert model.n_outputs == 2


@pytest.mark.parametrize(
    ("selection", "fragments"),
    [
        ({"roi": ["Visual"]}, ["Unknown network 'Visual'", "'Vis', 'SomMot'"]),
        ({"roi": []}, ["non-empty list of network names", "'Default'"]),
        ({"parcel_index": np.ones(999)}, ["length 1000", "(999,)"]),
        ({"parcel_index": np.ones((2, 1000))}, ["length 1000", "(2, 1000)"]),
        ({"parcel_index": np.full(1000, 2)}, ["binary (only 0 and 1), found 2"]),
        ({"parcel_index": [0, 0, "...", 1] + [0] * 996}, ["found '...'"]),
        ({"parcel_index": np.full(1000, 0.5)}, ["found 0.5"]),
        ({"parcel_index": np.zeros(1000)}, ["at least one 1"]),
        ({"roi": ["Vis"], "network": ["Vis"]}, ["['network']", "'roi', 'parcel_index'"]),
        ({}, ["selection is empty"]),
        ({"parcel_index": np.ones(1000), "voxel_index": np.ones(1000)}, ["not both"]),
        (["Vis"], ["must be a dict", "'roi'"]),
    ],
)
def test_bad_selections_are_named(variant, selection, fragments):
    with pytest.raises(InvalidParameterError) as info:
        _load(variant[0], selection=selection)
    for fragment in fragments:
        assert fragment in str(info.value)


def test_network_names_match_case_insensitively(variant):
    model = _load(variant[0], selection={"roi": "default"})
    assert model.selection.rois == ("Default",)
    assert model.n_outputs == 212


@pytest.mark.parametrize(
    ("kwargs", "error", "fragment"),
    [
        ({"stimulus": "one string"}, StimulusError, "must be a list of str"),
        ({"stimulus": ["a", 3]}, StimulusError, "stimulus[1] is int"),
        ({"stimulus": ["a"], "video_path": None}, InvalidParameterError, "video_path is required"),
        ({"stimulus": ["a"], "video_path": "/no/such/clip.mp4"}, MediaError, "/no/such/clip.mp4"),
        ({"stimulus": ["a"], "subject": 4}, InvalidParameterError, "Invalid subject 4"),
    ],
)
def test_encode_argument_errors(variant, tmp_path, kwargs, error, fragment):
    model = _load(variant[0], subject=1)
    video = tmp_path / "clip.mp4"
    video.write_bytes(b"\x00")
    kwargs = {"video_path": video, **kwargs}
    with pytest.raises(error) as info:
        model.encode(**kwargs)
    assert fragment in str(info.value)


def test_encode_needs_a_subject(variant, tmp_path):
    with pytest.raises(InvalidParameterError, match="No subject given"):
        _load(variant[0]).encode(["a"], video_path=tmp_path)


def test_verbs_reject_other_objects():
    with pytest.raises(InvalidParameterError, match="EncodingModel"):
        encode_features(object(), {})  # type: ignore[arg-type]


def test_unknown_model_id_and_bad_flags(variant):
    with pytest.raises(InvalidParameterError, match="Unknown model_id 'vibe'"):
        get_encoding_model("vibe", model_variant=variant[0])
    with pytest.raises(InvalidParameterError, match="low_mem_use must be True or False"):
        _load(variant[0], low_mem_use="yes")
    with pytest.raises(InvalidParameterError, match="config differs"):
        _load(variant[0], config=dataclasses.replace(_load(variant[0]).config, num_rois=999))


def test_device_resolution(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert resolve_device("auto") == torch.device("cuda")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert resolve_device("auto") == torch.device("cpu")
    assert resolve_device(torch.device("cpu")) == torch.device("cpu")
    with pytest.raises(InvalidParameterError, match="CUDA is not available"):
        resolve_device("cuda")
    with pytest.raises(InvalidParameterError, match="'tpu'"):
        resolve_device("tpu")
    with pytest.raises(InvalidParameterError, match="'meta'"):
        resolve_device("meta")


def test_low_mem_use_keeps_the_network_on_the_cpu(variant, make_features):
    model = _load(variant[0], subject=1, low_mem_use=True)
    out = model.encode_features(make_features(model.config))
    assert out.shape == (6, 1000)
    assert next(model.network.parameters()).device.type == "cpu"
    assert model.metadata["low_mem_use"] is True


def test_default_variant_is_the_listed_one_matching_the_config(
    fill_hf_cache, write_listing, tiny_config
):
    other = dataclasses.replace(tiny_config, predictor_transformer_num_layers=2)
    fill_hf_cache("ShreyDixit/VIBE-Other", other)
    fill_hf_cache("ShreyDixit/VIBE-Tiny", tiny_config)
    fill_hf_cache("ShreyDixit/VIBE-Tiny-Seed2", tiny_config, seed=2)
    write_listing(
        {
            "ShreyDixit/VIBE-Other": other,
            "ShreyDixit/VIBE-Tiny": tiny_config,
            "ShreyDixit/VIBE-Tiny-Seed2": tiny_config,
        }
    )
    model = get_encoding_model(MODEL_ID, subject=1, device="cpu", config=tiny_config)
    assert model.variant.name == "ShreyDixit/VIBE-Tiny"
    assert not model.untrained
    assert "variant='ShreyDixit/VIBE-Tiny' (hub)" in repr(model)


def test_no_silent_random_weights(write_listing, tiny_config):
    write_listing({"ShreyDixit/VIBE-Default": encoder.VIBEConfig()})
    with pytest.raises(ModelLoadError, match="refusing to build a network with random weights"):
        get_encoding_model(MODEL_ID, subject=1, device="cpu", config=tiny_config)


def test_offline_without_listing_raises_unless_untrained_is_asked(tiny_config, make_features):
    with pytest.raises(ModelLoadError, match="no variant listing is stored"):
        get_encoding_model(MODEL_ID, subject=1, device="cpu")
    with pytest.warns(UserWarning, match="UNTRAINED"):
        model = get_encoding_model(
            MODEL_ID, subject=2, device="cpu", config=tiny_config, allow_untrained=True
        )
    assert model.untrained
    assert model.metadata["untrained"] is True
    assert model.metadata["variant"] is None
    assert "UNTRAINED" in repr(model)
    assert model.encode_features(make_features(tiny_config)).shape == (6, 1000)


def test_model_metadata_describes_variant_and_outputs(variant):
    model = _load(variant[0], subject=3, selection={"roi": ["Vis"]})
    meta = model.metadata
    assert meta["variant"] == str(variant[0])
    assert meta["variant_source"] == "local"
    assert meta["untrained"] is False
    assert meta["subject"] == 3
    assert meta["tr"] == 1.49
    assert meta["n_parcels"] == 1000
    assert meta["n_outputs"] == 162
    assert all("_Vis_" in name for name in meta["output_parcel_names"])
    assert meta["config"]["modality_fusion_transformer_dim"] == 16
    rep = repr(model)
    assert "subject=3" in rep
    assert "162 of 1000 parcels (roi=['Vis'])" in rep
    assert "UNTRAINED" not in rep


@pytest.mark.usefixtures("no_network")
def test_get_model_metadata_needs_no_network_and_no_model(monkeypatch):
    def no_model(*args, **kwargs):
        raise AssertionError("a model was built")

    monkeypatch.setattr(encoder, "VIBEModel", no_model)
    monkeypatch.setattr(encoder, "load_vibe_model", no_model)
    meta = get_model_metadata(MODEL_ID, subject=5)
    assert meta["model_id"] == MODEL_ID
    assert meta["subjects"] == [1, 2, 3, 5]
    assert meta["subject"] == 5
    assert meta["tr"] == 1.49
    assert meta["collection_id"] == "ShreyDixit/vibe"
    assert len(meta["parcel_names"]) == 1000
    assert meta["parcel_names"][0] == "7Networks_LH_Vis_1"
    assert meta["centroids"].shape == (1000, 3)
    assert meta["networks"] == [
        "Vis",
        "SomMot",
        "DorsAttn",
        "SalVentAttn",
        "Limbic",
        "Cont",
        "Default",
    ]
    masks = meta["roi_masks"]
    assert set(masks) == set(meta["networks"])
    assert {k: int(v.sum()) for k, v in masks.items()} == {
        "Vis": 162,
        "SomMot": 194,
        "DorsAttn": 122,
        "SalVentAttn": 121,
        "Limbic": 60,
        "Cont": 129,
        "Default": 212,
    }
    assert all(v.shape == (1000,) and set(np.unique(v)) == {0, 1} for v in masks.values())
    np.testing.assert_array_equal(sum(masks.values()), np.ones(1000))
    assert "arXiv:2507.17958" in meta["citation"]
    # Callers may change what they get without corrupting the shared atlas.
    meta["centroids"][0] = 0
    assert get_model_metadata(MODEL_ID)["centroids"][0].tolist() != [0, 0, 0]


def test_get_model_metadata_validates(monkeypatch):
    with pytest.raises(InvalidParameterError, match="Invalid subject 4"):
        get_model_metadata(MODEL_ID, subject=4)
    with pytest.raises(InvalidParameterError, match="Unknown model_id"):
        get_model_metadata("fmri-nsd")


@pytest.mark.parametrize(
    "mask",
    [
        np.arange(1000) % 500 == 0,
        [1 if i in (0, 500) else 0 for i in range(1000)],
        torch.tensor([1.0 if i in (0, 500) else 0.0 for i in range(1000)]),
    ],
    ids=["bool", "list", "tensor"],
)
def test_parcel_index_accepts_bool_lists_and_tensors(variant, mask):
    assert _load(variant[0], selection={"parcel_index": mask}).parcel_indices.tolist() == [0, 500]


def test_untrained_on_request_when_no_listed_variant_matches(write_listing, tiny_config):
    write_listing({"ShreyDixit/VIBE-Default": encoder.VIBEConfig()})
    with pytest.warns(UserWarning, match="no published variant has this config"):
        model = get_encoding_model(MODEL_ID, device="cpu", config=tiny_config, allow_untrained=True)
    assert model.untrained
    assert model.config == tiny_config


def test_cache_dir_argument_locates_the_listing(
    tmp_path, fill_hf_cache, tiny_config, engine_env, monkeypatch
):
    fill_hf_cache("ShreyDixit/VIBE-Tiny", tiny_config)
    elsewhere = tmp_path / "elsewhere"
    (elsewhere / "hub").mkdir(parents=True)
    entry = {"repo_id": "ShreyDixit/VIBE-Tiny", "config": tiny_config.to_dict()}
    (elsewhere / "hub" / "variants-ShreyDixit--vibe.json").write_text(
        json.dumps({"variants": [entry]})
    )
    monkeypatch.delenv("HF_HUB_CACHE")  # the explicit argument must be enough
    model = get_encoding_model(
        MODEL_ID,
        subject=1,
        device="cpu",
        config=tiny_config,
        cache_dir=elsewhere,
        hf_cache_dir=engine_env.hf_cache,
    )
    assert model.variant.name == "ShreyDixit/VIBE-Tiny"


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
@pytest.mark.parametrize("low_mem_use", [False, True])
def test_cuda_matches_cpu(variant, make_features, low_mem_use):
    features = make_features(_load(variant[0]).config)
    on_cpu = _load(variant[0], subject=1).encode_features(features)
    model = _load(variant[0], subject=1, device="cuda", low_mem_use=low_mem_use)
    out = model.encode_features(features)
    assert out.device.type == "cpu"
    torch.testing.assert_close(out, on_cpu, rtol=1e-3, atol=1e-3)
    expected = "cpu" if low_mem_use else "cuda"
    assert next(model.network.parameters()).device.type == expected


def test_subject_attribute_is_validated(variant):
    model = _load(variant[0], subject=1)
    model.subject = 5
    assert model.metadata["subject"] == 5
    with pytest.raises(InvalidParameterError, match="Invalid subject 4"):
        model.subject = 4
    assert model.subject == 5
