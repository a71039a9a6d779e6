"""Output selection: which parcels (columns) an encoding model returns, by network and/or mask."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from vibe_widgets.engine.atlas import N_PARCELS, NETWORKS, load_atlas
from vibe_widgets.errors import InvalidParameterError

__all__ = ["SELECTION_KEYS", "Selection", "resolve_selection"]

SELECTION_KEYS: tuple[str, ...] = ("roi", "parcel_index", "voxel_index")
"""Accepted keys; ``voxel_index`` is BERG's name for ``parcel_index``."""


@dataclasses.dataclass(frozen=True, eq=False)
class Selection:
    """A validated selection.

    Attributes
    ----------
    indices : numpy.ndarray
        Selected parcel indices, ascending, int64 array of shape (n_selected,), read-only.
    rois : tuple of str
        The networks asked for (canonical names), empty when none.
    """

    indices: np.ndarray
    rois: tuple[str, ...] = ()

    @property
    def parcel_names(self) -> list[str]:
        """Atlas labels of the selected parcels, in column order."""
        labels = load_atlas().labels
        return [labels[i] for i in self.indices]


def _rois(value: Any) -> tuple[str, ...]:
    names = [value] if isinstance(value, str) else value
    if not isinstance(names, Sequence) or isinstance(names, bytes) or len(names) == 0:
        raise InvalidParameterError(
            f"selection['roi'] must be a non-empty list of network names, got {value!r}; "
            f"valid networks: {list(NETWORKS)}."
        )
    # Case-insensitive, because BERG's metadata spells the networks in lower case.
    canonical = {net.lower(): net for net in NETWORKS}
    out = []
    for name in names:
        if not isinstance(name, str) or name.lower() not in canonical:
            raise InvalidParameterError(
                f"Unknown network {name!r} in selection['roi']; valid networks: {list(NETWORKS)}."
            )
        out.append(canonical[name.lower()])
    return tuple(dict.fromkeys(out))


def _mask(key: str, value: Any) -> np.ndarray:
    try:
        array = np.asarray(value)
        if array.dtype.kind in "OSU":  # mixed lists: keep each element's own type
            array = np.asarray(value, dtype=object)
    except (ValueError, TypeError) as exc:
        raise InvalidParameterError(f"selection[{key!r}] is not an array: {exc}") from exc
    if array.ndim != 1 or array.shape[0] != N_PARCELS:
        raise InvalidParameterError(
            f"selection[{key!r}] must be a binary array of length {N_PARCELS} (one entry per "
            f"parcel), got shape {array.shape}."
        )
    values = array.tolist()
    # Exact 0/1 values only: strings such as the "..." of BERG's docs, NaN and 0.5 are refused.
    bad = [v for v in values if isinstance(v, (str, bytes)) or v not in (0, 1)]
    if bad:
        raise InvalidParameterError(
            f"selection[{key!r}] must be binary (only 0 and 1), found {bad[0]!r}."
        )
    mask = np.array(values) == 1
    if not mask.any():
        raise InvalidParameterError(
            f"selection[{key!r}] selects no parcel: it must contain at least one 1."
        )
    return mask


def resolve_selection(selection: Mapping[str, Any] | None) -> Selection | None:
    """Validate a selection and return the parcels it picks (``None``: all parcels).

    Parameters
    ----------
    selection : mapping or None
        ``{"roi": [network names], "parcel_index": binary array of shape (1000,)}``, either
        key or both (their union). ``"voxel_index"`` is accepted as BERG's name of
        ``"parcel_index"``. Network names are those of `NETWORKS`, matched case-insensitively.

    Raises
    ------
    InvalidParameterError
        For a selection that is not a mapping, is empty, has an unknown key, names an
        unknown network, or has a mask of the wrong length, not binary, or all zeros.
    """
    if selection is None:
        return None
    if not isinstance(selection, Mapping):
        raise InvalidParameterError(
            f"selection must be a dict with keys from {list(SELECTION_KEYS)}, got "
            f"{type(selection).__name__}."
        )
    unknown = [k for k in selection if k not in SELECTION_KEYS]
    if unknown:
        raise InvalidParameterError(
            f"Unknown selection key(s) {unknown}; valid keys: {list(SELECTION_KEYS)}."
        )
    if not selection:
        raise InvalidParameterError(
            f"selection is empty: give 'roi' and/or 'parcel_index', or selection=None for "
            f"all {N_PARCELS} parcels."
        )
    mask_keys = [k for k in ("parcel_index", "voxel_index") if k in selection]
    if len(mask_keys) == 2:
        raise InvalidParameterError(
            "Give 'parcel_index' or its alias 'voxel_index' in a selection, not both."
        )
    chosen = np.zeros(N_PARCELS, dtype=bool)
    rois: tuple[str, ...] = ()
    if "roi" in selection:
        rois = _rois(selection["roi"])
        chosen |= np.isin(load_atlas().networks, rois)
    if mask_keys:
        chosen |= _mask(mask_keys[0], selection[mask_keys[0]])
    indices = np.flatnonzero(chosen).astype(np.int64)
    indices.flags.writeable = False
    return Selection(indices=indices, rois=rois)
