"""The demo variant ships a network fitted to simulated responses, and says so."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest
import torch
from safetensors.torch import load_file

import vibe_widgets as vw
from vibe_widgets.engine.demo.simulate import (
    parcel_weights,
    simulate_responses,
)
from vibe_widgets.engine.demo.variant import (
    DEMO_LABEL,
    UNTRAINED_DEMO_LABEL,
    ensure_demo_variant,
    extractor_fingerprint,
    write_demo_variant,
)
from vibe_widgets.engine.training import evaluate


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an extractor mismatch would warn
        return ensure_demo_variant(tmp_path_factory.mktemp("cache"))


def test_generated_folder_holds_the_shipped_fitted_weights_and_says_simulated(folder):
    from importlib import resources

    data = resources.files("vibe_widgets").joinpath("data", "demo_variant")
    record = json.loads(data.joinpath("fit.json").read_text())
    block = json.loads((folder / "config.json").read_text())["vibe_widgets"]
    assert block["label"] == DEMO_LABEL == "demo: fitted to simulated responses"
    assert block["simulated"] is True
    assert "SIMULATED" in (folder / "README.md").read_text()
    assert extractor_fingerprint(folder) == record["extractor_fingerprint"]
    shipped = load_file(str(data.joinpath("model.safetensors")))
    written = load_file(str(folder / "model.safetensors"))
    assert all(torch.equal(shipped[k], written[k]) for k in shipped)


def test_untrained_demo_folder_is_labelled_so(tmp_path):
    folder = write_demo_variant(tmp_path / "u", fitted=False)
    block = json.loads((folder / "config.json").read_text())["vibe_widgets"]
    assert block["label"] == UNTRAINED_DEMO_LABEL


def test_fitted_demo_tracks_the_simulated_drives_of_the_held_out_sample_clip(folder):
    clip = vw.sample_clip()
    model = vw.get_encoding_model(vw.MODEL_ID, subject=1, model_variant=folder, device="cpu")
    assert model.label == DEMO_LABEL
    feats = model.extract_features(clip.transcripts, clip.video_path, show_progress=False)
    sim = simulate_responses(clip.video_path, clip.transcripts, seed=10_000)
    score = evaluate(model, feats.features, sim.fmri)
    driven = parcel_weights().sum(axis=0) > 0
    assert np.nanmean(score.r[driven]) > 0.25  # 0.342 when fitted; noise ceiling ~0.67
    assert score.network_means["SomMot"] > 0.35  # the audio envelope drive transfers best
    assert abs(np.nanmean(score.r[~driven])) < 0.1  # pure-noise parcels stay unpredictable

