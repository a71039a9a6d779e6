"""evaluate(): per-parcel r, network means and the glass-brain figure of r."""

from __future__ import annotations

import matplotlib
import numpy as np
import pytest

from vibe_widgets.engine.atlas import NETWORKS, load_atlas
from vibe_widgets.engine.config import MODEL_ID
from vibe_widgets.engine.encoder import get_encoding_model
from vibe_widgets.engine.training import evaluate
from vibe_widgets.errors import InvalidParameterError, StimulusError

matplotlib.use("Agg")


@pytest.fixture
def model(tmp_path, tiny_config, save_variant):
    save_variant(tmp_path / "v", tiny_config, seed=4)
    return get_encoding_model(MODEL_ID, subject=1, model_variant=tmp_path / "v", device="cpu")


def test_r_and_network_means_match_numpy_over_all_runs(model, tiny_config, make_features):
    feats = [make_features(tiny_config, n_tr=9, seed=s) for s in (0, 1)]
    rng = np.random.default_rng(0)
    preds = [model.encode_features(f).numpy() for f in feats]
    fmri = [p + rng.standard_normal(p.shape) for p in preds]
    result = evaluate(model, feats, fmri)
    x, y = np.concatenate(preds), np.concatenate(fmri)
    expected = np.array([np.corrcoef(x[:, p], y[:, p])[0, 1] for p in range(1000)])
    np.testing.assert_allclose(result.r, expected, rtol=1e-5, atol=1e-6)
    networks = load_atlas().networks
    for net in NETWORKS:
        assert result.network_means[net] == pytest.approx(expected[networks == net].mean())
    assert result.mean_r == pytest.approx(expected.mean())
    assert result.n_tr == 18


def test_a_selection_scores_its_parcels_and_leaves_the_rest_nan(
    tmp_path, tiny_config, save_variant, make_features
):
    save_variant(tmp_path / "v", tiny_config, seed=4)
    model = get_encoding_model(
        MODEL_ID, subject=1, model_variant=tmp_path / "v", device="cpu", selection={"roi": ["Vis"]}
    )
    feats = make_features(tiny_config, n_tr=8)
    fmri = np.random.default_rng(1).standard_normal((8, 1000))
    result = evaluate(model, feats, fmri)
    vis = load_atlas().networks == "Vis"
    assert np.isfinite(result.r[vis]).all()
    assert np.isnan(result.r[~vis]).all()
    assert np.isnan(result.network_means["SomMot"])


def test_mismatched_inputs_are_refused(model, tiny_config, make_features):
    feats = make_features(tiny_config, n_tr=8)
    with pytest.raises(StimulusError, match="8 TRs but fmri has 7"):
        evaluate(model, feats, np.zeros((7, 1000)))
    with pytest.raises(StimulusError, match=r"shape \(8, 3\)"):
        evaluate(model, feats, np.zeros((8, 3)))
    with pytest.raises(InvalidParameterError, match="EncodingModel"):
        evaluate(model.network, feats, np.zeros((8, 1000)))


def test_plot_glass_brain_draws_r(model, tiny_config, make_features):
    feats = make_features(tiny_config, n_tr=8)
    fmri = model.encode_features(feats).numpy() + np.random.default_rng(2).standard_normal(
        (8, 1000)
    )
    figure = evaluate(model, feats, fmri).plot_glass_brain(vmax=1.0)
    assert isinstance(figure, matplotlib.figure.Figure)
    assert "mean" in figure.texts[0].get_text() or any(
        "mean" in ax.get_title() for ax in figure.axes
    )
