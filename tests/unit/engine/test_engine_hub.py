"""Variants: collection listing and its offline cache, Hub repo ids, local folders, refusals."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from types import SimpleNamespace

import pytest
import torch
from huggingface_hub import hf_hub_download

from vibe_widgets.engine import hub
from vibe_widgets.engine.encoder import get_encoding_model
from vibe_widgets.engine.hub import (
    get_model_variants,
    get_variant_configs,
    hf_hub_cache,
    is_offline,
    register_variant,
    resolve_variant,
)
from vibe_widgets.errors import CacheError, InvalidParameterError, ModelLoadError

MODEL_ID = "fmri-cneuromod_algo2025-vibe"
REPO = "ShreyDixit/VIBE-Tiny"


@pytest.fixture
def fake_hub(monkeypatch: pytest.MonkeyPatch, engine_env: SimpleNamespace) -> SimpleNamespace:
    """Online mode against a fake Hub: the collection is listed, files come from the HF cache."""
    monkeypatch.delenv("HF_HUB_OFFLINE")
    calls = SimpleNamespace(collection=0, files=[], items=[])

    def get_collection(slug: str) -> SimpleNamespace:
        assert slug == "ShreyDixit/vibe"
        calls.collection += 1
        return SimpleNamespace(items=calls.items)

    def download(repo_id: str, filename: str, **kwargs: object) -> str:
        calls.files.append((repo_id, filename))
        return hf_hub_download(
            repo_id, filename, cache_dir=kwargs["cache_dir"], local_files_only=True
        )

    monkeypatch.setattr(hub, "get_collection", get_collection)
    monkeypatch.setattr(hub, "hf_hub_download", download)
    return calls


def _item(repo_id: str, kind: str = "model") -> SimpleNamespace:
    return SimpleNamespace(item_id=repo_id, item_type=kind)


@pytest.mark.usefixtures("no_network")
def test_listing_is_stored_and_answers_offline(
    fake_hub, fill_hf_cache, tiny_config, engine_env, monkeypatch
) -> None:
    mean = dataclasses.replace(tiny_config, modality_fusion_transformer_fuse_mode="mean")
    fill_hf_cache("ShreyDixit/VIBE-A", tiny_config)
    fill_hf_cache("ShreyDixit/VIBE-B", mean)
    fake_hub.items[:] = [
        _item("ShreyDixit/VIBE-A"),
        _item("ShreyDixit/some-dataset", "dataset"),
        _item("ShreyDixit/VIBE-B"),
    ]
    assert get_model_variants(MODEL_ID) == ["ShreyDixit/VIBE-A", "ShreyDixit/VIBE-B"]
    # Only config.json is read while listing; datasets and papers are skipped.
    assert fake_hub.files == [
        ("ShreyDixit/VIBE-A", "config.json"),
        ("ShreyDixit/VIBE-B", "config.json"),
    ]
    assert (engine_env.cache / "hub" / "variants-ShreyDixit--vibe.json").is_file()

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    fake_hub.items.clear()  # the Hub would now answer differently: the stored listing is used
    configs = get_variant_configs(MODEL_ID)
    assert configs == {"ShreyDixit/VIBE-A": tiny_config, "ShreyDixit/VIBE-B": mean}
    assert fake_hub.collection == 1


def test_repos_with_broken_config_are_skipped_with_a_warning(fake_hub, fill_hf_cache, tiny_config):
    fill_hf_cache("ShreyDixit/VIBE-A", tiny_config)
    fake_hub.items[:] = [_item("ShreyDixit/VIBE-A"), _item("ShreyDixit/VIBE-Gone")]
    with pytest.warns(UserWarning, match="Skipping ShreyDixit/VIBE-Gone"):
        assert get_model_variants(MODEL_ID) == ["ShreyDixit/VIBE-A"]


def test_unreachable_hub_falls_back_to_the_stored_listing(
    fake_hub, write_listing, tiny_config, monkeypatch
) -> None:
    write_listing({REPO: tiny_config})

    def down(slug: str) -> None:
        raise OSError("connection refused")

    monkeypatch.setattr(hub, "get_collection", down)
    with pytest.warns(UserWarning, match="connection refused"):
        assert get_model_variants(MODEL_ID) == [REPO]


def test_unreachable_hub_without_listing_raises(fake_hub, monkeypatch) -> None:
    def down(slug: str) -> None:
        raise OSError("connection refused")

    monkeypatch.setattr(hub, "get_collection", down)
    with pytest.raises(ModelLoadError, match="connection refused"):
        get_model_variants(MODEL_ID)


@pytest.mark.usefixtures("no_network")
def test_offline_without_listing_says_how_to_fill_it() -> None:
    with pytest.raises(ModelLoadError) as info:
        get_model_variants(MODEL_ID)
    message = str(info.value)
    assert "HF_HUB_OFFLINE=1" in message
    assert "get_model_variants('fmri-cneuromod_algo2025-vibe') once with network" in message


@pytest.mark.parametrize(
    "content",
    [
        "{truncated",
        '{"variants": [{"repo_id": "a/b"}]}',
        '{"variants": [{"repo_id": "a/b", "config": {"num_rois": -1}}]}',
    ],
)
def test_corrupt_listing_is_a_cache_error(write_listing, tiny_config, content) -> None:
    write_listing({REPO: tiny_config}).write_text(content)
    with pytest.raises(CacheError, match="delete it"):
        get_model_variants(MODEL_ID)


def test_listing_rejects_other_model_ids() -> None:
    with pytest.raises(InvalidParameterError, match="'fmri-other'"):
        get_model_variants("fmri-other")


@pytest.mark.usefixtures("no_network")
def test_repo_id_resolves_from_the_prefilled_cache_offline(fill_hf_cache, tiny_config, engine_env):
    fill_hf_cache(REPO, tiny_config)
    variant = resolve_variant(REPO)
    assert variant.source == "hub"
    assert variant.config == tiny_config
    assert variant.weights_path.name == "model.safetensors"
    assert engine_env.hf_cache in variant.weights_path.parents


@pytest.mark.usefixtures("no_network")
def test_repo_id_downloads_only_its_two_files_without_listing(
    fake_hub, fill_hf_cache, tiny_config, monkeypatch
) -> None:
    fill_hf_cache(REPO, tiny_config)

    def no_listing(slug: str) -> None:
        raise AssertionError("the collection was listed")

    monkeypatch.setattr(hub, "get_collection", no_listing)
    model = get_encoding_model(MODEL_ID, subject=1, device="cpu", model_variant=REPO)
    assert sorted(fake_hub.files) == [(REPO, "config.json"), (REPO, "model.safetensors")]
    assert model.metadata["variant"] == REPO
    assert model.metadata["variant_source"] == "hub"


@pytest.mark.usefixtures("no_network")
def test_uncached_variant_offline_says_how_to_fill_the_cache(engine_env) -> None:
    with pytest.raises(ModelLoadError) as info:
        resolve_variant("ShreyDixit/VIBE-Missing")
    message = str(info.value)
    assert "'ShreyDixit/VIBE-Missing'" in message
    assert "HF_HUB_OFFLINE=1" in message
    assert "hf download ShreyDixit/VIBE-Missing config.json model.safetensors" in message
    assert str(engine_env.hf_cache) in message


def test_repo_without_safetensors_is_refused(fake_hub, monkeypatch) -> None:
    from huggingface_hub.errors import EntryNotFoundError

    def download(repo_id: str, filename: str, **kwargs: object) -> str:
        raise EntryNotFoundError(f"{filename} not found")

    monkeypatch.setattr(hub, "hf_hub_download", download)
    with pytest.raises(ModelLoadError, match="only safetensors"):
        resolve_variant("someone/pickled-model")


def test_local_folder_variant(tmp_path, save_variant, tiny_config) -> None:
    save_variant(tmp_path / "my-variant", tiny_config)
    variant = resolve_variant(tmp_path / "my-variant")
    assert (variant.source, variant.config) == ("local", tiny_config)
    assert variant.name == str(tmp_path / "my-variant")


def test_local_folder_with_only_pickles_is_refused(tmp_path, tiny_config) -> None:
    folder = tmp_path / "legacy"
    folder.mkdir()
    tiny_config.to_json(folder / "config.json")
    torch.save({"w": torch.zeros(1)}, folder / "pytorch_model.bin")
    with pytest.raises(
        ModelLoadError, match=r"only pickle-based checkpoints \['pytorch_model.bin'\]"
    ):
        resolve_variant(folder)
    with pytest.raises(ModelLoadError, match="pickle-based checkpoints are never loaded"):
        resolve_variant(folder / "pytorch_model.bin")


def test_local_folder_missing_files(tmp_path, save_variant, tiny_config) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(ModelLoadError, match=r"lacks model\.safetensors"):
        resolve_variant(empty)
    save_variant(tmp_path / "v", tiny_config)
    (tmp_path / "v" / "config.json").unlink()
    with pytest.raises(ModelLoadError, match=r"lacks config\.json"):
        resolve_variant(tmp_path / "v")
    with pytest.raises(InvalidParameterError, match="is a file"):
        resolve_variant(tmp_path / "v" / "model.safetensors")


@pytest.mark.parametrize("bad", ["not a repo", "a/b/c", "", 42])
def test_unrecognised_variant_names(bad: object) -> None:
    with pytest.raises(InvalidParameterError) as info:
        resolve_variant(bad)  # type: ignore[arg-type]
    assert repr(bad) in str(info.value)


def test_demo_is_generated_on_first_use_and_can_be_overridden(
    tmp_path, save_variant, tiny_config, monkeypatch
):
    monkeypatch.setattr(hub, "_REGISTERED", {})
    demo = resolve_variant("demo")
    assert demo.source == "registered"
    assert demo.config.text_extractor == "./text_extractor"
    assert (demo.config_path.parent / "text_extractor" / "config.json").is_file()
    monkeypatch.setattr(hub, "_REGISTERED", {})
    save_variant(tmp_path / "demo", tiny_config)
    register_variant("demo", tmp_path / "demo")
    assert resolve_variant("demo").source == "registered"
    with pytest.raises(InvalidParameterError, match="without '/'"):
        register_variant("owner/name", tmp_path)


def test_offline_flag_and_hf_cache_are_read_at_call_time(monkeypatch, tmp_path) -> None:
    monkeypatch.setattr(hub.hf_constants, "HF_HUB_OFFLINE", False)  # as imported online
    assert is_offline()
    monkeypatch.setenv("HF_HUB_OFFLINE", "0")
    assert not is_offline()
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "a"))
    assert hf_hub_cache() == tmp_path / "a"
    assert hf_hub_cache(tmp_path / "b") == tmp_path / "b"
    monkeypatch.delenv("HF_HUB_CACHE")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "home"))
    assert hf_hub_cache() == tmp_path / "home" / "hub"


def test_listing_file_format_is_plain_json(fake_hub, fill_hf_cache, tiny_config, engine_env):
    fill_hf_cache(REPO, tiny_config)
    fake_hub.items[:] = [_item(REPO)]
    get_model_variants(MODEL_ID)
    stored = json.loads(
        Path(engine_env.cache / "hub" / "variants-ShreyDixit--vibe.json").read_text()
    )
    assert stored["collection"] == "ShreyDixit/vibe"
    assert stored["variants"][0]["repo_id"] == REPO
    assert stored["variants"][0]["config"]["text_extractor_dtype"] == "float16"
