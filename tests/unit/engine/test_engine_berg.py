"""The BERG facade runs BERG's documented VIBE example with only the import changed."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import vibe_widgets
from vibe_widgets.berg import BERG
from vibe_widgets.engine.encoder import EncodingModel
from vibe_widgets.errors import InvalidParameterError, ModelLoadError

REPO = "ShreyDixit/VIBE-Qwen2.5-14B"


@pytest.mark.usefixtures("no_network")
def test_documented_example(fill_hf_cache, write_listing, tiny_config, make_features, monkeypatch):
    # The published repo name, holding a tiny network in the pre-filled offline cache; its
    # extractors (Qwen2.5-14B, AST, V-JEPA 2) are not cached, so encode says so offline.
    fill_hf_cache(REPO, tiny_config)
    write_listing({REPO: tiny_config})
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    clip = vibe_widgets.sample_clip()
    video_path = clip.video_path

    # --- BERG's example, `from berg import BERG` replaced ---
    berg = BERG(berg_dir="path/to/brain-encoding-response-generator")
    variants = berg.get_model_variants("fmri-cneuromod_algo2025-vibe")
    voxel_index = np.zeros(1000, dtype=int)
    voxel_index[[998, 999]] = 1
    model = berg.get_encoding_model(
        "fmri-cneuromod_algo2025-vibe",
        subject=1,
        device="auto",
        model_variant="ShreyDixit/VIBE-Qwen2.5-14B",
        low_mem_use=True,
        selection={"roi": ["Vis"], "voxel_index": voxel_index},
    )
    transcripts = clip.transcripts
    with pytest.raises(ModelLoadError, match=r"MIT/ast-finetuned-audioset-10-10-0\.4593"):
        berg.encode(model, transcripts, video_path=video_path)
    metadata = berg.get_model_metadata("fmri-cneuromod_algo2025-vibe")
    # --- end of the example ---

    assert variants == [REPO]
    assert isinstance(model, EncodingModel)
    assert model.n_outputs == 162 + 2
    assert metadata["roi_masks"]["Vis"].shape == (1000,)
    out = berg.encode_features(model, make_features(tiny_config, n_tr=3))
    assert isinstance(out, torch.Tensor)
    assert out.shape == (3, 164)


def test_documented_example_runs_end_to_end_with_the_demo_variant():
    clip = vibe_widgets.sample_clip()
    berg = BERG(berg_dir="path/to/brain-encoding-response-generator")
    voxel_index = np.zeros(1000, dtype=int)
    voxel_index[[998, 999]] = 1
    model = berg.get_encoding_model(
        "fmri-cneuromod_algo2025-vibe",
        subject=1,
        device="auto",
        model_variant="demo",
        low_mem_use=True,
        selection={"roi": ["Vis"], "voxel_index": voxel_index},
    )
    responses = berg.encode(model, clip.transcripts, video_path=clip.video_path)
    assert isinstance(responses, torch.Tensor)
    assert responses.shape == (clip.n_tr, 162 + 2)
    assert torch.isfinite(responses).all()
    assert responses.std() > 0


def test_facade_basics(tmp_path):
    berg = BERG(berg_dir=tmp_path / "never-created")
    assert berg.list_models() == ["fmri-cneuromod_algo2025-vibe"]
    assert not (tmp_path / "never-created").exists()
    with pytest.raises(InvalidParameterError, match="Unknown model_id 'fmri-nsd'"):
        berg.get_model_metadata("fmri-nsd")
    with pytest.raises(InvalidParameterError, match="Invalid subject 4"):
        berg.get_model_metadata("fmri-cneuromod_algo2025-vibe", subject=4)
    assert "never-created" in repr(berg)
