"""EncodingModel.generate_glass_brain_animation: a selection's columns land on their parcels."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from PIL import Image

from vibe_widgets.engine.config import VIBEConfig
from vibe_widgets.engine.encoder import EncodingModel
from vibe_widgets.engine.model import VIBEModel
from vibe_widgets.figures import generate_glass_brain_animation

SMALL = {"width": 400, "height": 140, "dpi": 33, "show_progress": False}
TINY = {
    "modality_fusion_transformer_dim": 32,
    "predictor_transformer_num_layers": 1,
    "audio_extractor_feature_size": 16,
    "text_extractor_feature_size": 16,
    "video_extractor_feature_size": 16,
}


def test_model_method_re_embeds_the_selection(tmp_path):
    network = VIBEModel(dataclasses.replace(VIBEConfig(), **TINY))
    model = EncodingModel(network, selection={"roi": ["Vis"]}, device="cpu", feature_cache=False)
    subset = np.random.default_rng(0).normal(size=(3, model.n_outputs)).astype(np.float32)
    out = model.generate_glass_brain_animation(subset, tmp_path / "m.gif", **SMALL)
    full = np.full((3, 1000), np.nan, dtype=np.float32)
    full[:, model.parcel_indices] = subset
    with pytest.warns(RuntimeWarning):
        expected = generate_glass_brain_animation(
            full, tmp_path / "f.gif", vmax=float(np.percentile(np.abs(subset), 99)), **SMALL
        )
    got, want = Image.open(out), Image.open(expected)
    assert got.n_frames == want.n_frames == 3
    for i in range(3):
        got.seek(i)
        want.seek(i)
        assert got.info["duration"] == round(1000 * model.config.tr)
        np.testing.assert_array_equal(np.asarray(got.convert("RGB")), want.convert("RGB"))
