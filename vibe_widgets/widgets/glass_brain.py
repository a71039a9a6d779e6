"""GlassBrain: Schaefer parcel responses as dots on nilearn's glass-brain outlines."""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

import numpy as np
import traitlets

from vibe_widgets.engine.atlas import N_PARCELS, NETWORKS, load_atlas
from vibe_widgets.engine.timing import DEFAULT_TR, check_tr
from vibe_widgets.errors import InvalidParameterError
from vibe_widgets.figures.colors import COLD_HOT_STOPS, auto_vmax, cold_hot_cmap
from vibe_widgets.figures.glass_brain import plot_glass_brain
from vibe_widgets.figures.outlines import outlines_json
from vibe_widgets.widgets._base import BundledWidget, figure_path
from vibe_widgets.widgets._serialize import array_serialization

__all__ = ["COLD_HOT_STOPS", "GlassBrain", "auto_vmax", "cold_hot_cmap"]

def _as_responses(responses: Any) -> np.ndarray:
    """Validated (n_tr, 1000) float32 copy of a numpy array or torch tensor."""
    if hasattr(responses, "detach") and hasattr(responses, "cpu"):  # a torch tensor
        responses = responses.detach().cpu().numpy()
    try:
        array = np.asarray(responses)
    except (TypeError, ValueError) as error:  # e.g. ragged nested lists
        raise InvalidParameterError(
            f"responses must be a numpy array or torch tensor, got {type(responses).__name__}."
        ) from error
    if array.dtype.kind not in "iuf":
        raise InvalidParameterError(f"responses must hold real numbers, got dtype {array.dtype}.")
    if array.ndim != 2 or array.shape[1] != N_PARCELS or array.shape[0] < 1:
        raise InvalidParameterError(
            f"responses must have shape (n_tr, {N_PARCELS}) with n_tr >= 1 (one row per TR, "
            f"one column per Schaefer parcel), got {array.shape}. Transpose it if it is "
            f"({N_PARCELS}, n_tr)."
        )
    array = np.ascontiguousarray(array, dtype=np.float32)
    bad = ~np.isfinite(array)
    if bad.any():
        tr_i, parcel = np.argwhere(bad)[0]
        raise InvalidParameterError(
            f"responses must be finite: {int(bad.sum())} values are NaN or inf (first at TR "
            f"{tr_i}, parcel {parcel}). Replace them, e.g. with np.nan_to_num."
        )
    return array


class GlassBrain(BundledWidget):
    """Parcel responses of one TR as coloured dots on a glass brain, in three views.

    The 1000 Schaefer parcel centroids (MNI mm) are drawn on nilearn's glass-brain outlines
    in sagittal (y across, z up), coronal (x, z) and axial (x, y) views, coloured with a
    cold-hot map symmetric around zero. Responses go to the browser once, as binary float32;
    moving the TR cursor only recolours the dots, in the browser.

    Parameters
    ----------
    responses : np.ndarray or torch.Tensor, shape (n_tr, 1000)
        Predicted (or measured) response of every parcel at every TR; finite.
    tr : float
        Repetition time in seconds.
    vmax : float, optional
        Colour limit: values at -vmax / +vmax get the ends of the map. None (default): the
        99th percentile of ``|responses|``.
    cursor : int
        Initial TR index.
    link_id : str
        Views with the same non-empty ``link_id`` share one cursor in the browser.
    networks : sequence of str, optional
        Yeo networks drawn in colour (others are faint grey); None: all seven.

    Attributes
    ----------
    selected_parcel : int
        The parcel clicked in the browser (-1: none); settable from Python too.
    networks_shown : list of str
        The networks drawn in colour.
    n_tr : int
        Number of TRs (rows of ``responses``).
    """

    _bundle = "glass_brain"

    responses = traitlets.Instance(np.ndarray, allow_none=True).tag(
        sync=True, **array_serialization
    )
    centroids = traitlets.Instance(np.ndarray, allow_none=True).tag(
        sync=True, **array_serialization
    )
    network_index = traitlets.Instance(np.ndarray, allow_none=True).tag(
        sync=True, **array_serialization
    )
    parcel_names = traitlets.List(traitlets.Unicode()).tag(sync=True)
    networks = traitlets.List(traitlets.Unicode()).tag(sync=True)
    outlines = traitlets.Dict().tag(sync=True)
    tr = traitlets.Float(DEFAULT_TR).tag(sync=True)
    n_tr = traitlets.Int(0).tag(sync=True)
    cursor = traitlets.Int(0).tag(sync=True)
    link_id = traitlets.Unicode("").tag(sync=True)
    vmax = traitlets.Float(None, allow_none=True).tag(sync=True)
    selected_parcel = traitlets.Int(-1).tag(sync=True)
    networks_shown = traitlets.List(traitlets.Unicode()).tag(sync=True)

    def __init__(
        self,
        responses: Any,
        *,
        tr: float = DEFAULT_TR,
        vmax: float | None = None,
        cursor: int = 0,
        link_id: str = "",
        networks: list[str] | tuple[str, ...] | None = None,
    ) -> None:
        array = _as_responses(responses)
        atlas = load_atlas()
        lookup = {name: i for i, name in enumerate(NETWORKS)}
        super().__init__(
            centroids=np.asarray(atlas.centroids, dtype=np.float32),
            network_index=np.array([lookup[n] for n in atlas.networks], dtype=np.uint8),
            parcel_names=list(atlas.labels),
            networks=list(NETWORKS),
            outlines=outlines_json(),
            tr=check_tr(tr),
            n_tr=array.shape[0],
            responses=array,
            vmax=vmax,
            cursor=cursor,
            link_id=link_id,
            networks_shown=list(NETWORKS) if networks is None else list(networks),
        )

    @traitlets.validate("tr")
    def _valid_tr(self, proposal: traitlets.Bunch) -> float:
        return check_tr(proposal["value"])

    @traitlets.validate("responses")
    def _valid_responses(self, proposal: traitlets.Bunch) -> np.ndarray:
        array = _as_responses(proposal["value"])
        if array.shape[0] != self.n_tr:
            raise InvalidParameterError(
                f"responses has {array.shape[0]} TRs but the widget shows {self.n_tr}; use "
                "set_responses() to change the number of TRs."
            )
        return array

    @traitlets.validate("cursor")
    def _valid_cursor(self, proposal: traitlets.Bunch) -> int:
        value = proposal["value"]
        if not 0 <= value < max(self.n_tr, 1):
            raise InvalidParameterError(
                f"cursor {value} is outside the responses' TRs 0..{self.n_tr - 1}."
            )
        return value

    @traitlets.validate("vmax")
    def _valid_vmax(self, proposal: traitlets.Bunch) -> float | None:
        value = proposal["value"]
        if value is not None and not (math.isfinite(value) and value > 0):
            raise InvalidParameterError(
                f"vmax must be a positive finite number or None (automatic), got {value!r}."
            )
        return value

    @traitlets.validate("selected_parcel")
    def _valid_selected(self, proposal: traitlets.Bunch) -> int:
        value = proposal["value"]
        if not -1 <= value < N_PARCELS:
            raise InvalidParameterError(
                f"selected_parcel must be a parcel index 0..{N_PARCELS - 1} or -1 (none), "
                f"got {value}."
            )
        return value

    @traitlets.validate("networks_shown")
    def _valid_networks(self, proposal: traitlets.Bunch) -> list[str]:
        value = list(proposal["value"])
        unknown = [n for n in value if n not in NETWORKS]
        if unknown:
            raise InvalidParameterError(
                f"unknown network(s) {unknown}; the Yeo networks are {list(NETWORKS)}."
            )
        return value

    @property
    def effective_vmax(self) -> float:
        """The colour limit in use: ``vmax``, or the 99th percentile of ``|responses|``."""
        return self.vmax if self.vmax is not None else auto_vmax(self.responses)

    @property
    def selected_name(self) -> str | None:
        """Label of the selected parcel, or None."""
        return None if self.selected_parcel < 0 else self.parcel_names[self.selected_parcel]

    def set_responses(self, responses: Any) -> None:
        """Replace the responses (any number of TRs); the cursor is kept inside them.

        Parameters
        ----------
        responses : np.ndarray or torch.Tensor, shape (n_tr, 1000)
        """
        array = _as_responses(responses)
        with self.hold_trait_notifications(), self.hold_sync():
            self.n_tr = array.shape[0]
            self.cursor = min(self.cursor, self.n_tr - 1)
            self.responses = array

    def __repr__(self) -> str:
        vmax = "auto" if self.vmax is None else f"{self.vmax:g}"
        shown = len(self.networks_shown)
        return (
            f"GlassBrain(n_tr={self.n_tr}, n_parcels={N_PARCELS}, tr={self.tr}, "
            f"cursor={self.cursor}, vmax={vmax} ({self.effective_vmax:.3g}), "
            f"selected={self.selected_name or 'none'}, networks={shown}/{len(NETWORKS)})"
        )

    def to_png(
        self,
        path: str | os.PathLike,
        tr_index: int | None = None,
        *,
        width: int = 1200,
        height: int = 420,
        dpi: float = 100,
    ) -> Path:
        """Save the three views at one TR as a PNG of ``width`` x ``height`` pixels.

        Drawn by `vibe_widgets.figures.plot_glass_brain` with this widget's colour limit,
        network filter and selected parcel, whatever the size on screen.

        Parameters
        ----------
        path : str or Path
            Output file (its folder is created).
        tr_index : int, optional
            The TR to draw (default: the cursor).
        width, height : int
            Image size in pixels.
        dpi : float
            Dots per inch (sets the size of text and dots relative to the image).

        Returns
        -------
        Path
            The written file.
        """
        return self._save(path, "png", tr_index, width, height, dpi)

    def to_svg(
        self,
        path: str | os.PathLike,
        tr_index: int | None = None,
        *,
        width: int = 1200,
        height: int = 420,
        dpi: float = 100,
    ) -> Path:
        """Save the three views at one TR as an SVG (vector); arguments as in `to_png`.

        Returns
        -------
        Path
            The written file.
        """
        return self._save(path, "svg", tr_index, width, height, dpi)

    def _save(
        self,
        path: str | os.PathLike,
        fmt: str,
        tr_index: int | None,
        width: int,
        height: int,
        dpi: float,
    ) -> Path:
        out = figure_path(path, fmt)
        plot_glass_brain(
            self.responses,
            self.cursor if tr_index is None else tr_index,
            tr=self.tr,
            vmax=self.effective_vmax,
            networks=self.networks_shown,
            highlight=None if self.selected_parcel < 0 else self.selected_parcel,
            width=width,
            height=height,
            dpi=dpi,
            out_path=out,
        )
        return out

    def _html_title(self) -> str:
        return "vibe-widgets: glass brain"
