"""Resource estimates: exact parameter counts from meta-device models, sensible memory sums."""

from __future__ import annotations

import pytest
import torch
from transformers import AutoModel, AutoModelForCausalLM

from vibe_widgets.engine.config import VIBEConfig
from vibe_widgets.engine.demo.variant import demo_config, ensure_demo_variant
from vibe_widgets.engine.model import VIBEModel
from vibe_widgets.engine.resources import estimate_resources
from vibe_widgets.errors import InvalidParameterError, ModelLoadError


def test_counts_match_the_materialised_demo_models():
    folder = ensure_demo_variant()
    estimate = estimate_resources(demo_config(), n_tr=30, variant_folder=folder)
    by_name = {m.name: m for m in estimate.models}
    loaded = {
        "text": AutoModelForCausalLM.from_pretrained(folder / "text_extractor"),
        "audio": AutoModel.from_pretrained(folder / "audio_extractor"),
        "video": AutoModel.from_pretrained(folder / "video_extractor"),
        "vibe": VIBEModel(demo_config()),
    }
    for name, model in loaded.items():
        assert by_name[name].parameters == sum(p.numel() for p in model.parameters()), name


def test_published_default_sizes_and_dtypes():
    estimate = estimate_resources(VIBEConfig(), n_tr=400)
    by_name = {m.name: m for m in estimate.models}
    # Qwen2.5-14B's published size is 14.77 B parameters; V-JEPA 2 ViT-g about 1 B; AST 86 M.
    assert by_name["text"].parameters == 14_770_033_664
    assert 1.0e9 < by_name["video"].parameters < 1.1e9
    assert 85e6 < by_name["audio"].parameters < 88e6
    assert by_name["text"].weight_bytes == by_name["text"].parameters * 2  # float16
    assert by_name["video"].dtype == torch.bfloat16
    assert by_name["vibe"].weight_bytes == by_name["vibe"].parameters * 4


def test_low_mem_use_peaks_at_the_largest_model_and_clip_length_grows_the_estimate():
    full = estimate_resources(n_tr=400)
    low = estimate_resources(n_tr=400, low_mem_use=True)
    assert low.peak_bytes == max(m.peak_bytes for m in low.models)
    assert low.peak_bytes < full.peak_bytes
    assert full.peak_bytes >= sum(m.weight_bytes for m in full.models)
    longer = estimate_resources(n_tr=4000)
    vibe = {m.name: m for m in longer.models}["vibe"]
    short_vibe = {m.name: m for m in full.models}["vibe"]
    # The predictor's attention map is quadratic in the clip length: more than 10x for 10x.
    assert vibe.activation_bytes > 15 * short_vibe.activation_bytes
    assert "peak device memory for 400 TRs" in full.table()


@pytest.mark.parametrize("n_tr", [0, -3, 2.5, True, "400"])
def test_a_bad_n_tr_is_refused(n_tr):
    with pytest.raises(InvalidParameterError, match="n_tr must be a positive int"):
        estimate_resources(n_tr=n_tr)


def test_an_unknown_extractor_names_how_to_fetch_its_config(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    config = VIBEConfig(text_extractor="someone/not-cached-model")
    with pytest.raises(ModelLoadError, match="hf_hub_download"):
        estimate_resources(config)
