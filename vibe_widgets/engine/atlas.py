"""The Schaefer-2018 1000-parcel, 7-network atlas: VIBE's output columns, read from package data."""

from __future__ import annotations

import csv
import dataclasses
import functools
import io
from importlib import resources

import numpy as np

from vibe_widgets.errors import VibeError

__all__ = ["ATLAS_CITATION", "NETWORKS", "N_PARCELS", "Atlas", "load_atlas"]

N_PARCELS = 1000
"""Number of parcels, i.e. VIBE output columns."""

NETWORKS: tuple[str, ...] = (
    "Vis",
    "SomMot",
    "DorsAttn",
    "SalVentAttn",
    "Limbic",
    "Cont",
    "Default",
)
"""The Yeo 7 networks, in atlas order."""

ATLAS_CITATION = (
    "Schaefer A, Kong R, Gordon EM, Laumann TO, Zuo XN, Holmes AJ, Eickhoff SB, Yeo BTT. "
    "Local-Global Parcellation of the Human Cerebral Cortex from Intrinsic Functional "
    "Connectivity MRI. Cerebral Cortex 28(9):3095-3114, 2018."
)

_LUT = "Schaefer2018_1000Parcels_7Networks_order.txt"
_CENTROIDS = "Schaefer2018_1000Parcels_7Networks_order_FSLMNI152_2mm.Centroid_RAS.csv"


@dataclasses.dataclass(frozen=True, eq=False)
class Atlas:
    """Parcel tables, one entry per VIBE output column, in column order. Arrays are read-only.

    Attributes
    ----------
    labels : tuple of str
        Parcel names such as ``"7Networks_LH_Vis_1"`` (1000).
    networks : numpy.ndarray
        Network name per parcel, str array of shape (1000,).
    hemispheres : numpy.ndarray
        ``"LH"`` or ``"RH"`` per parcel, str array of shape (1000,).
    centroids : numpy.ndarray
        MNI152 centroids in mm (x=R, y=A, z=S), float array of shape (1000, 3).
    colors : numpy.ndarray
        Display colours (R, G, B) in 0-255, uint8 array of shape (1000, 3).
    """

    labels: tuple[str, ...]
    networks: np.ndarray
    hemispheres: np.ndarray
    centroids: np.ndarray
    colors: np.ndarray

    def roi_masks(self) -> dict[str, np.ndarray]:
        """One binary mask per network: int arrays of shape (1000,), 1 inside the network."""
        return {net: (self.networks == net).astype(np.int64) for net in NETWORKS}


def _read_text(name: str) -> str:
    return resources.files("vibe_widgets").joinpath("data", "atlas", name).read_text("utf-8")


def _frozen(array: np.ndarray) -> np.ndarray:
    # The atlas is cached and shared: callers must copy before changing it.
    array.flags.writeable = False
    return array


@functools.cache
def load_atlas() -> Atlas:
    """Read the atlas tables shipped with the package (cached; no network).

    Raises
    ------
    VibeError
        When the two tables disagree, i.e. the package data is damaged.
    """
    lut_rows = [line.split("\t") for line in _read_text(_LUT).splitlines() if line.strip()]
    centroid_rows = list(csv.reader(io.StringIO(_read_text(_CENTROIDS))))[1:]
    labels = tuple(row[1] for row in lut_rows)
    if len(labels) != N_PARCELS or labels != tuple(row[1] for row in centroid_rows):
        raise VibeError("The packaged Schaefer atlas tables are damaged: reinstall vibe-widgets.")
    parts = [label.split("_") for label in labels]
    networks = np.array([p[2] for p in parts])
    if set(networks) != set(NETWORKS):
        raise VibeError("The packaged Schaefer atlas tables are damaged: reinstall vibe-widgets.")
    return Atlas(
        labels=labels,
        networks=_frozen(networks),
        hemispheres=_frozen(np.array([p[1] for p in parts])),
        centroids=_frozen(np.array([row[2:5] for row in centroid_rows], dtype=np.float64)),
        colors=_frozen(np.array([row[2:5] for row in lut_rows], dtype=np.uint8)),
    )
