"""``evaluate``: per-parcel Pearson r of a model's predictions against measured fMRI."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from vibe_widgets.engine.atlas import N_PARCELS, NETWORKS, load_atlas
from vibe_widgets.errors import InvalidParameterError, StimulusError

__all__ = ["EvaluationResult", "evaluate", "pearson_columns"]


def pearson_columns(prediction: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Pearson r of each column over rows.

    Parameters
    ----------
    prediction, target : numpy.ndarray
        Shape (n_tr, n_parcels).

    Returns
    -------
    numpy.ndarray
        float64 of shape (n_parcels,); NaN where either column is constant.
    """
    x = prediction - prediction.mean(axis=0)
    y = target - target.mean(axis=0)
    denominator = np.sqrt((x * x).sum(axis=0) * (y * y).sum(axis=0))
    with np.errstate(invalid="ignore", divide="ignore"):
        r = (x * y).sum(axis=0) / denominator
    return np.where(denominator > 0, r, np.nan)


@dataclasses.dataclass(frozen=True, eq=False)
class EvaluationResult:
    """Encoding accuracy of a model on held-out data.

    Attributes
    ----------
    r : numpy.ndarray
        Pearson r over time per parcel, shape (1000,), Schaefer order; NaN for parcels the
        model does not output (a selection) or that are constant.
    network_means : dict of str to float
        Mean r over each Yeo network's parcels (NaN ignored).
    mean_r : float
        Mean r over all parcels with a value (the paper's headline number).
    n_tr : int
        Number of TRs scored (all runs together).
    """

    r: np.ndarray
    network_means: dict[str, float]
    mean_r: float
    n_tr: int

    def plot_glass_brain(self, **kwargs: Any) -> Any:
        """Glass brain of r per parcel: `vibe_widgets.figures.plot_glass_brain` (a Figure).

        Parcels without a value are drawn as 0. Keyword arguments (``cmap``, ``vmax``,
        ``title``, ...) go to that function; the default title gives the mean r.
        """
        from vibe_widgets.figures import plot_glass_brain

        kwargs.setdefault("title", f"Pearson r per parcel (mean {self.mean_r:.3f})")
        return plot_glass_brain(np.nan_to_num(self.r, nan=0.0), **kwargs)

    def __repr__(self) -> str:
        nets = ", ".join(f"{k} {v:.3f}" for k, v in self.network_means.items())
        return f"EvaluationResult(mean_r={self.mean_r:.4f}, n_tr={self.n_tr}, networks: {nets})"


def _as_list(value: Any, what: str) -> list[Any]:
    if isinstance(value, Mapping) or hasattr(value, "shape"):
        return [value]
    if isinstance(value, Sequence) and not isinstance(value, (str, bytes)) and value:
        return list(value)
    raise InvalidParameterError(
        f"{what} must be one run or a non-empty list of runs, got {type(value).__name__}."
    )


def evaluate(
    model: Any,
    features: Mapping[str, Any] | Sequence[Mapping[str, Any]],
    fmri: Any,
    subject: int | None = None,
) -> EvaluationResult:
    """Score a model: per-parcel Pearson r between its predictions and measured fMRI.

    Parameters
    ----------
    model : EncodingModel
        From `get_encoding_model` (a fitted folder: ``model_variant=<folder>``).
    features : dict or list of dict
        Per run, ``"audio"``, ``"text"``, ``"video"`` arrays of shape (n_tr, d_modality).
    fmri : array or list of arrays
        Per run, measured responses of shape (n_tr, 1000), or (n_tr, n_outputs) when the
        model has a selection.
    subject : int, optional
        Defaults to the model's subject.

    Returns
    -------
    EvaluationResult
        r over the TRs of all runs together, per parcel.

    Raises
    ------
    InvalidParameterError
        When ``model`` is not an EncodingModel or the run counts differ.
    StimulusError
        When features and fmri disagree in TRs or fmri in width.
    """
    from vibe_widgets.engine.encoder import EncodingModel

    if not isinstance(model, EncodingModel):
        raise InvalidParameterError(
            f"model must be an EncodingModel from get_encoding_model(), got "
            f"{type(model).__name__}."
        )
    feature_runs = _as_list(features, "features")
    fmri_runs = _as_list(fmri, "fmri")
    if len(feature_runs) != len(fmri_runs):
        raise InvalidParameterError(
            f"Got {len(feature_runs)} feature runs but {len(fmri_runs)} fmri runs; give one "
            "fmri array per run."
        )
    columns = model.parcel_indices
    predictions, targets = [], []
    for i, (feats, target) in enumerate(zip(feature_runs, fmri_runs, strict=True)):
        target = np.asarray(target, dtype=np.float64)
        if target.ndim != 2 or target.shape[1] not in (N_PARCELS, len(columns)):
            raise StimulusError(
                f"fmri run {i} has shape {target.shape}; expected (n_tr, {N_PARCELS}) or "
                f"(n_tr, {len(columns)}) (the model's outputs)."
            )
        if target.shape[1] == N_PARCELS and len(columns) != N_PARCELS:
            target = target[:, columns]
        prediction = model.encode_features(feats, subject=subject).numpy().astype(np.float64)
        if prediction.shape[0] != target.shape[0]:
            raise StimulusError(
                f"Run {i}: the features have {prediction.shape[0]} TRs but fmri has "
                f"{target.shape[0]}; trim both to the same TRs."
            )
        if not np.isfinite(target).all():
            raise StimulusError(f"fmri run {i} contains NaN or infinite values.")
        predictions.append(prediction)
        targets.append(target)
    r_out = pearson_columns(np.concatenate(predictions), np.concatenate(targets))
    r = np.full(N_PARCELS, np.nan)
    r[columns] = r_out
    networks = load_atlas().networks
    means = {}
    for net in NETWORKS:
        values = r[networks == net]
        values = values[np.isfinite(values)]
        means[net] = float(values.mean()) if values.size else float("nan")
    finite = r[np.isfinite(r)]
    return EvaluationResult(
        r=r,
        network_means=means,
        mean_r=float(finite.mean()) if finite.size else float("nan"),
        n_tr=sum(p.shape[0] for p in predictions),
    )
