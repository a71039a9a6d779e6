"""The training loss and metric against independent numpy computations."""

from __future__ import annotations

import numpy as np
import torch

from vibe_widgets.engine.training.evaluate import pearson_columns
from vibe_widgets.engine.training.loss import pearson_r, vibe_loss


def _padded(seed: int = 0):
    rng = np.random.default_rng(seed)
    lengths = [7, 12, 4]
    pred = rng.standard_normal((3, 12, 5))
    target = rng.standard_normal((3, 12, 5)) + 0.5 * pred
    mask = np.zeros((3, 12), dtype=bool)
    for i, n in enumerate(lengths):
        mask[i, :n] = True
        pred[i, n:] = 1e3  # padding garbage that must not count
        target[i, n:] = -1e3
    return pred, target, mask, lengths


def test_pearson_r_matches_numpy_on_the_unpadded_steps():
    pred, target, mask, lengths = _padded()
    r = pearson_r(torch.tensor(pred), torch.tensor(target), torch.tensor(mask)).numpy()
    for i, n in enumerate(lengths):
        for p in range(5):
            expected = np.corrcoef(pred[i, :n, p], target[i, :n, p])[0, 1]
            np.testing.assert_allclose(r[i, p], expected, rtol=1e-6, atol=1e-7)


def test_vibe_loss_is_minus_mean_r_plus_003_mse_on_unpadded_steps():
    pred, target, mask, lengths = _padded(1)
    loss = vibe_loss(torch.tensor(pred), torch.tensor(target), torch.tensor(mask)).item()
    rs = [
        np.corrcoef(pred[i, :n, p], target[i, :n, p])[0, 1]
        for i, n in enumerate(lengths)
        for p in range(5)
    ]
    squared = np.concatenate(
        [((pred[i, :n] - target[i, :n]) ** 2).ravel() for i, n in enumerate(lengths)]
    )
    np.testing.assert_allclose(loss, -np.mean(rs) + 0.03 * squared.mean(), rtol=1e-6)


def test_constant_parcel_gives_zero_not_nan_and_gradients_stay_finite():
    pred = torch.randn(1, 6, 3, requires_grad=True)
    target = torch.randn(1, 6, 3)
    target[..., 1] = 2.0
    r = pearson_r(pred, target)
    assert r[0, 1].item() == 0.0
    vibe_loss(pred, target).backward()
    assert torch.isfinite(pred.grad).all()


def test_no_mask_equals_all_true_mask():
    pred, target = torch.randn(2, 9, 4), torch.randn(2, 9, 4)
    full = torch.ones(2, 9, dtype=torch.bool)
    assert torch.allclose(vibe_loss(pred, target), vibe_loss(pred, target, full))


def test_pearson_columns_matches_numpy_and_flags_constant_columns():
    rng = np.random.default_rng(3)
    x, y = rng.standard_normal((20, 4)), rng.standard_normal((20, 4))
    y[:, 2] = 1.0
    r = pearson_columns(x, y)
    for p in (0, 1, 3):
        np.testing.assert_allclose(r[p], np.corrcoef(x[:, p], y[:, p])[0, 1], rtol=1e-10)
    assert np.isnan(r[2])
