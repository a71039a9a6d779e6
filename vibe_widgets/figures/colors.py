"""Colours shared by the figures and the widgets: the cold-hot map, its limit, network colours."""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["COLD_HOT_STOPS", "MISSING_COLOR", "NETWORK_COLORS", "auto_vmax", "cold_hot_cmap"]

# Same stops as js/lib/colormap.js (position in 0..1, RGB in 0..1; 0.5 is zero): the static
# figures and the browser must agree, so change both together.
COLD_HOT_STOPS: tuple[tuple[float, tuple[float, float, float]], ...] = (
    (0.0, (0.6, 1.0, 1.0)),
    (0.125, (0.0, 1.0, 1.0)),
    (0.25, (0.0, 0.35, 1.0)),
    (0.375, (0.0, 0.0, 0.69)),
    (0.5, (0.05, 0.0, 0.0)),
    (0.625, (0.71, 0.0, 0.0)),
    (0.75, (1.0, 0.37, 0.0)),
    (0.875, (1.0, 1.0, 0.04)),
    (1.0, (1.0, 1.0, 0.6)),
)

NETWORK_COLORS: dict[str, str] = {
    "Vis": "#781286",
    "SomMot": "#4682B4",
    "DorsAttn": "#00760E",
    "SalVentAttn": "#C43AFA",
    # The conventional Limbic colour (#DCF8A4) vanishes on white as a thin line: darkened.
    "Limbic": "#A8C256",
    "Cont": "#E69422",
    "Default": "#CD3E4E",
}
"""Line colour per Yeo-7 network (the conventional atlas colours)."""

MISSING_COLOR: tuple[float, float, float, float] = (0.59, 0.59, 0.59, 0.25)
"""RGBA of parcels drawn without a value: filtered out, outside a selection, or NaN."""


def cold_hot_cmap() -> Any:
    """The widget's symmetric cold-hot colour map as a matplotlib colormap (256 entries)."""
    from matplotlib.colors import LinearSegmentedColormap

    return LinearSegmentedColormap.from_list("vw_cold_hot", list(COLD_HOT_STOPS), N=256)


def auto_vmax(responses: np.ndarray) -> float:
    """The default colour limit: the 99th percentile of the finite ``|responses|`` (1 if 0).

    Parameters
    ----------
    responses : np.ndarray, shape (n_tr, n_parcels) or (n_parcels,)
        NaN and inf are ignored.

    Returns
    -------
    float
    """
    values = np.abs(np.asarray(responses, dtype=np.float64))
    values = values[np.isfinite(values)]
    value = float(np.percentile(values, 99)) if values.size else 0.0
    return value if value > 0 else 1.0
