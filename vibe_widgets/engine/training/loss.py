"""VIBE's training loss: negative Pearson r over time per parcel, plus a small MSE term."""

from __future__ import annotations

import torch

__all__ = ["DEFAULT_MSE_WEIGHT", "pearson_r", "vibe_loss"]

DEFAULT_MSE_WEIGHT = 0.03
"""Weight of the MSE term in the published recipe."""

_EPS = 1e-8


def _mask(mask: torch.Tensor | None, like: torch.Tensor) -> torch.Tensor:
    """Time mask as a float tensor of shape (batch, n_tr, 1); all ones when ``None``."""
    if mask is None:
        return torch.ones((*like.shape[:2], 1), dtype=like.dtype, device=like.device)
    return mask.to(like.dtype)[..., None]


def pearson_r(
    prediction: torch.Tensor, target: torch.Tensor, mask: torch.Tensor | None = None
) -> torch.Tensor:
    """Pearson r over time, per sequence and parcel, counting only unmasked time steps.

    Parameters
    ----------
    prediction, target : torch.Tensor
        Shape (batch, n_tr, n_parcels).
    mask : torch.Tensor, optional
        Bool of shape (batch, n_tr): True for real time steps, False for padding.

    Returns
    -------
    torch.Tensor
        Shape (batch, n_parcels). A parcel constant over time (in the prediction or the
        target) gets r = 0, not NaN, so the loss stays finite.
    """
    m = _mask(mask, prediction)
    n = m.sum(dim=1).clamp_min(1.0)  # (batch, 1)
    px = prediction - (prediction * m).sum(dim=1, keepdim=True) / n[:, None]
    ty = target - (target * m).sum(dim=1, keepdim=True) / n[:, None]
    px, ty = px * m, ty * m
    cov = (px * ty).sum(dim=1)
    var = (px * px).sum(dim=1) * (ty * ty).sum(dim=1)
    return cov / torch.sqrt(var + _EPS)


def vibe_loss(
    prediction: torch.Tensor,
    target: torch.Tensor,
    mask: torch.Tensor | None = None,
    *,
    mse_weight: float = DEFAULT_MSE_WEIGHT,
) -> torch.Tensor:
    """``-mean(pearson_r) + mse_weight * MSE``, both over unmasked time steps only.

    Parameters
    ----------
    prediction, target : torch.Tensor
        Shape (batch, n_tr, n_parcels).
    mask : torch.Tensor, optional
        Bool of shape (batch, n_tr), False on padding.
    mse_weight : float
        0.03 in the published recipe: keeps predictions on the scale of the data, which
        the correlation alone ignores.

    Returns
    -------
    torch.Tensor
        A scalar.
    """
    m = _mask(mask, prediction)
    r = pearson_r(prediction, target, mask)
    squared = ((prediction - target) ** 2 * m).sum()
    mse = squared / (m.sum() * prediction.shape[-1]).clamp_min(1.0)
    return -r.mean() + mse_weight * mse
