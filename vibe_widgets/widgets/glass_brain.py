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
from vibe_widgets.widgets._base import BundledWidget
from vibe_widgets.widgets._brain_outlines import VIEWS, brain_outlines, outlines_json
from vibe_widgets.widgets._serialize import array_serialization

__all__ = ["COLD_HOT_STOPS", "GlassBrain", "auto_vmax", "cold_hot_cmap"]

# Same stops as js/lib/colormap.js (position in 0..1, RGB in 0..1; 0.5 is zero): the PNG
# export and the browser must agree, so change both together.
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


def cold_hot_cmap() -> Any:
    """The widget's symmetric cold-hot colour map as a matplotlib colormap."""
    from matplotlib.colors import LinearSegmentedColormap

    return LinearSegmentedColormap.from_list("vw_cold_hot", list(COLD_HOT_STOPS), N=256)


def auto_vmax(responses: np.ndarray) -> float:
    """The default colour limit: the 99th percentile of ``|responses|`` (1 when that is 0).

    Parameters
    ----------
    responses : np.ndarray, shape (n_tr, n_parcels)

    Returns
    -------
    float
    """
    value = float(np.percentile(np.abs(np.asarray(responses, dtype=np.float64)), 99))
    return value if value > 0 else 1.0


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
        dpi: int = 100,
    ) -> Path:
        """Save the three views at one TR as a PNG (matplotlib; same outlines and colours).

        Parameters
        ----------
        path : str or Path
            Output file.
        tr_index : int, optional
            The TR to draw (default: the cursor).
        width, height : int
            Image size in pixels.
        dpi : int
            Dots per inch (sets the size of text and dots relative to the image).

        Returns
        -------
        Path
            The written file.
        """
        from matplotlib.cm import ScalarMappable
        from matplotlib.colors import Normalize
        from matplotlib.figure import Figure

        index = self.cursor if tr_index is None else int(tr_index)
        if not 0 <= index < self.n_tr:
            raise InvalidParameterError(f"tr_index {index} is outside 0..{self.n_tr - 1}.")
        if width < 100 or height < 100 or dpi < 10:
            raise InvalidParameterError(
                f"width and height must be >= 100 px and dpi >= 10, got {width}x{height} "
                f"at {dpi} dpi."
            )
        values = self.responses[index].astype(np.float64)
        vmax = self.effective_vmax
        shown = np.isin(np.asarray(NETWORKS)[self.network_index], self.networks_shown)
        # Strong responses on top, filtered-out networks underneath (like the browser).
        order = np.lexsort((np.abs(values), shown))
        norm = Normalize(-vmax, vmax)
        cmap = cold_hot_cmap()
        fig = Figure(figsize=(width / dpi, height / dpi), dpi=dpi, facecolor="white")
        outlines = brain_outlines()
        spans = [np.ptp(np.concatenate(outlines[view])[:, 0]) for view in VIEWS]
        grid = fig.add_gridspec(2, 3, width_ratios=spans, height_ratios=[1, 0.06], hspace=0.15)
        fig.subplots_adjust(left=0.02, right=0.98, top=0.9, bottom=0.08, wspace=0.08)
        size = max(4.0, (height / dpi) * 4)
        for col, (view, (_, axes, _)) in enumerate(VIEWS.items()):
            ax = fig.add_subplot(grid[0, col])
            for line in outlines[view]:
                ax.plot(line[:, 0], line[:, 1], color="#9a9a9a", lw=0.8)
            pts = self.centroids[order][:, list(axes)]
            colors = cmap(norm(values[order]))
            colors[~shown[order]] = (0.59, 0.59, 0.59, 0.25)
            ax.scatter(pts[:, 0], pts[:, 1], c=colors, s=size, linewidths=0)
            if self.selected_parcel >= 0:
                sel = self.centroids[self.selected_parcel, list(axes)]
                ax.scatter(*sel, s=size * 5, facecolors="none", edgecolors="#00a040", lw=1.5)
            ax.set_aspect("equal")
            ax.set_axis_off()
            ax.set_title(view, fontsize=9, color="#666", loc="left")
        cax = fig.add_subplot(grid[1, 1])
        bar = fig.colorbar(ScalarMappable(norm, cmap), cax=cax, orientation="horizontal")
        bar.set_ticks([-vmax, 0.0, vmax])
        bar.set_ticklabels([f"{-vmax:.3g}", "0", f"{vmax:.3g}"])
        bar.ax.tick_params(labelsize=8)
        fig.suptitle(f"TR {index} ({index * self.tr:.2f} s)", fontsize=10, x=0.02, ha="left")
        out = Path(path).expanduser()
        out.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(out, format="png", dpi=dpi, facecolor="white")
        return out

    def to_html(self, path: str | os.PathLike, *, title: str | None = None) -> Path:
        """Write a self-contained offline HTML page of this glass brain (no kernel, no CDN).

        Returns
        -------
        Path
            The written file.
        """
        from vibe_widgets.widgets.html_export import export_html

        return export_html([self], path, title=title or "vibe-widgets: glass brain")
