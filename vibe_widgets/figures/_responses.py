"""Checking responses for the figures: shape, dtype, NaN/inf, and selection subsets."""

from __future__ import annotations

import dataclasses
import warnings
from typing import Any

import numpy as np

from vibe_widgets.engine.atlas import N_PARCELS
from vibe_widgets.errors import InvalidParameterError

__all__ = ["FigureResponses", "as_parcel_indices", "check_tr_index", "figure_responses"]


@dataclasses.dataclass(frozen=True, eq=False)
class FigureResponses:
    """Responses laid out on all 1000 parcels, ready to draw.

    Attributes
    ----------
    values : numpy.ndarray
        float32 array of shape (n_tr, 1000); NaN where a parcel has no value (outside the
        selection, or NaN/inf in the input).
    in_selection : numpy.ndarray
        bool array of shape (1000,): the parcels the input had columns for.
    one_map : bool
        The input was a single map of shape (n_parcels,), not one row per TR.
    """

    values: np.ndarray
    in_selection: np.ndarray
    one_map: bool

    @property
    def n_tr(self) -> int:
        """Number of rows (1 for a single map)."""
        return self.values.shape[0]


def _to_numpy(value: Any, name: str) -> np.ndarray:
    if hasattr(value, "detach") and hasattr(value, "cpu"):  # a torch tensor, torch not imported
        value = value.detach().cpu().numpy()
    try:
        array = np.asarray(value)
    except (TypeError, ValueError) as error:  # e.g. ragged nested lists
        raise InvalidParameterError(
            f"{name} must be a numpy array or torch tensor of real numbers, got "
            f"{type(value).__name__} ({error})."
        ) from None
    if array.dtype.kind not in "iuf":
        raise InvalidParameterError(
            f"{name} must hold real numbers (int or float), got dtype {array.dtype}. "
            "Convert it, e.g. with np.asarray(x, dtype=np.float32)."
        )
    return array


def as_parcel_indices(parcel_indices: Any, n_columns: int | None = None) -> np.ndarray:
    """Validated parcel indices of a selection's output columns.

    Parameters
    ----------
    parcel_indices : array-like of int, shape (n_selected,), or bool mask of shape (1000,)
        Atlas index (0..999) of each output column, e.g. ``model.parcel_indices``.
    n_columns : int, optional
        Number of columns the responses have; must match.

    Returns
    -------
    numpy.ndarray
        int64 array of shape (n_selected,).
    """
    array = np.asarray(parcel_indices)
    if array.dtype == bool:
        if array.shape != (N_PARCELS,):
            raise InvalidParameterError(
                f"parcel_indices as a mask must have shape ({N_PARCELS},), got {array.shape}."
            )
        array = np.flatnonzero(array)
    if array.ndim != 1 or array.dtype.kind not in "iu" or array.size == 0:
        raise InvalidParameterError(
            "parcel_indices must be a non-empty 1-D array of parcel indices 0..999 (e.g. "
            f"model.parcel_indices), got dtype {array.dtype} and shape {array.shape}."
        )
    bad = array[(array < 0) | (array >= N_PARCELS)]
    if bad.size:
        raise InvalidParameterError(
            f"parcel_indices must lie in 0..{N_PARCELS - 1}, got {bad[:5].tolist()}."
        )
    if np.unique(array).size != array.size:
        raise InvalidParameterError("parcel_indices holds repeated parcels; each column is one.")
    if n_columns is not None and array.size != n_columns:
        raise InvalidParameterError(
            f"parcel_indices has {array.size} entries but the responses have {n_columns} "
            "columns; pass the parcel_indices of the model that produced them."
        )
    return array.astype(np.int64)


def figure_responses(
    responses: Any,
    *,
    parcel_indices: Any = None,
    name: str = "responses",
    allow_one_map: bool = True,
    warn_missing: bool = True,
) -> FigureResponses:
    """Check responses and re-embed a selection's columns into the 1000 parcels.

    Parameters
    ----------
    responses : numpy.ndarray or torch.Tensor, shape (n_tr, n_columns) or (n_columns,)
        One row per TR (or one map); ``n_columns`` is 1000, or the length of
        ``parcel_indices`` for a selection's subset.
    parcel_indices : array-like of int, optional
        Atlas index of each column (``model.parcel_indices``).
    name : str
        Name used in error messages.
    allow_one_map : bool
        Accept a 1-D map of shape (n_columns,).
    warn_missing : bool
        Warn (RuntimeWarning) when values are NaN or inf; they are drawn as missing.

    Returns
    -------
    FigureResponses
    """
    array = _to_numpy(responses, name)
    one_map = array.ndim == 1
    if one_map and allow_one_map:
        array = array[None, :]
    expected = "(n_tr, 1000) or (1000,)" if allow_one_map else "(n_tr, 1000)"
    if array.ndim != 2 or array.shape[0] < 1 or array.shape[1] < 1:
        raise InvalidParameterError(
            f"{name} must have shape {expected} (one row per TR, one column per Schaefer "
            f"parcel), got {np.shape(responses)}."
        )
    n_columns = array.shape[1]
    if parcel_indices is None and n_columns != N_PARCELS:
        hint = (
            " It looks transposed: pass responses.T."
            if array.shape[0] == N_PARCELS
            else " For a selection's subset pass parcel_indices=model.parcel_indices."
        )
        raise InvalidParameterError(
            f"{name} must have shape {expected} (one column per Schaefer parcel), got "
            f"{np.shape(responses)}.{hint}"
        )
    indices = (
        np.arange(N_PARCELS) if parcel_indices is None else as_parcel_indices(parcel_indices)
    )
    if indices.size != n_columns:
        raise InvalidParameterError(
            f"{name} has {n_columns} columns but parcel_indices names {indices.size} parcels; "
            "pass the parcel_indices of the model that produced the responses."
        )
    data = array.astype(np.float32)
    bad = ~np.isfinite(data)
    if bad.any():
        if warn_missing:
            row, col = np.argwhere(bad)[0]
            where = f"parcel {indices[col]}" if one_map else f"TR {row}, parcel {indices[col]}"
            warnings.warn(
                f"{name} holds {int(bad.sum())} NaN/inf values (first at {where}); they are "
                "drawn as missing (grey). Replace them (e.g. np.nan_to_num) to draw values.",
                RuntimeWarning,
                stacklevel=3,
            )
        data[bad] = np.nan
    values = np.full((data.shape[0], N_PARCELS), np.nan, dtype=np.float32)
    values[:, indices] = data
    in_selection = np.zeros(N_PARCELS, dtype=bool)
    in_selection[indices] = True
    return FigureResponses(values=values, in_selection=in_selection, one_map=one_map)


def check_tr_index(tr_index: Any, n_tr: int) -> int:
    """``tr_index`` as an int in 0..n_tr-1 (negative counts from the end), or raise."""
    if isinstance(tr_index, bool) or not isinstance(tr_index, (int, np.integer)):
        raise InvalidParameterError(
            f"tr_index must be an int (a row of responses), got {type(tr_index).__name__} "
            f"{tr_index!r}."
        )
    index = int(tr_index)
    if not -n_tr <= index < n_tr:
        raise InvalidParameterError(
            f"tr_index {index} is outside the responses' TRs 0..{n_tr - 1}; pick a row that "
            "exists."
        )
    return index % n_tr
