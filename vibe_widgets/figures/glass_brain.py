"""plot_glass_brain: parcel values at one TR on nilearn's glass-brain outlines (or the volume)."""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from typing import Any

import numpy as np

from vibe_widgets.engine.atlas import NETWORKS, load_atlas
from vibe_widgets.engine.timing import DEFAULT_TR, check_tr
from vibe_widgets.errors import InvalidParameterError
from vibe_widgets.figures._output import IMAGE_FORMATS, check_size, out_file
from vibe_widgets.figures._responses import check_tr_index, figure_responses
from vibe_widgets.figures.colors import MISSING_COLOR, auto_vmax, cold_hot_cmap
from vibe_widgets.figures.outlines import VIEWS, brain_outlines

__all__ = ["GlassBrainFrames", "color_limits", "network_filter", "plot_glass_brain"]

MODES: tuple[str, ...] = ("markers", "volume")


def network_filter(networks: Sequence[str] | str | None) -> np.ndarray:
    """Which parcels belong to the given Yeo networks: bool array of shape (1000,)."""
    atlas_networks = load_atlas().networks
    if networks is None:
        return np.ones(atlas_networks.shape, dtype=bool)
    names = [networks] if isinstance(networks, str) else list(networks)
    unknown = [n for n in names if n not in NETWORKS]
    if unknown:
        raise InvalidParameterError(
            f"networks must name Yeo networks among {list(NETWORKS)}, got {names!r}."
        )
    return np.isin(atlas_networks, names)


def color_limits(values: np.ndarray, vmin: float | None, vmax: float | None) -> tuple[float, float]:
    """``(vmin, vmax)``: ``vmax`` defaults to the 99th percentile of ``|values|``, ``vmin``
    to ``-vmax`` (limits symmetric around zero)."""
    for name, value in (("vmin", vmin), ("vmax", vmax)):
        if value is not None and not (isinstance(value, (int, float)) and math.isfinite(value)):
            raise InvalidParameterError(f"{name} must be a finite number or None, got {value!r}.")
    if vmax is None:
        vmax = auto_vmax(values) if vmin is None or vmin < 0 else float(np.nanmax(values))
    lo = -float(vmax) if vmin is None else float(vmin)
    if not lo < vmax:
        raise InvalidParameterError(
            f"vmin must be below vmax, got vmin={lo:g}, vmax={vmax:g}; leave vmin=None for "
            "limits symmetric around zero."
        )
    return lo, float(vmax)


def _cmap(cmap: Any) -> Any:
    import matplotlib

    if cmap is None:
        return cold_hot_cmap()
    try:
        return matplotlib.colormaps[cmap] if isinstance(cmap, str) else cmap
    except KeyError:
        raise InvalidParameterError(
            f"Unknown colour map {cmap!r}; use a matplotlib name such as 'RdBu_r' or a "
            "Colormap object (default: the widget's cold-hot map)."
        ) from None


class GlassBrainFrames:
    """A three-view glass-brain figure whose static parts are drawn once.

    The outlines, view titles and colour bar are drawn at construction; `set_values` only
    re-orders and recolours the three dot collections, and `render` (animated figures)
    restores the saved background and draws just the dots and the title.

    Parameters
    ----------
    drawn : numpy.ndarray, bool of shape (1000,)
        Parcels that may be coloured (network filter and selection); others are faint grey.
    cmap : matplotlib Colormap
    vmin, vmax : float
        Colour limits.
    width, height : int
        Pixels.
    dpi : float
    colorbar : bool
    colorbar_label : str
    marker_size : float, optional
        Dot area in points^2 (default: scales with the figure height).
    highlight : sequence of int
        Parcels circled in green.
    animated : bool
        Prepare for `render` (blitting); the dots and title are then left out of savefig.

    Attributes
    ----------
    figure : matplotlib.figure.Figure
    background_rgb : numpy.ndarray or None
        Animated figures: the static parts alone, uint8 of shape (height, width, 3).
    """

    def __init__(
        self,
        *,
        drawn: np.ndarray,
        cmap: Any,
        vmin: float,
        vmax: float,
        width: int,
        height: int,
        dpi: float,
        colorbar: bool = True,
        colorbar_label: str = "",
        marker_size: float | None = None,
        highlight: Sequence[int] = (),
        animated: bool = False,
    ) -> None:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.cm import ScalarMappable
        from matplotlib.colors import Normalize
        from matplotlib.figure import Figure

        self.drawn = np.asarray(drawn, dtype=bool)
        self.cmap, self.norm = cmap, Normalize(vmin, vmax)
        self.centroids = np.asarray(load_atlas().centroids)
        self.figure = fig = Figure(figsize=(width / dpi, height / dpi), dpi=dpi, facecolor="white")
        self.canvas = FigureCanvasAgg(fig)
        outlines = brain_outlines()
        spans = [np.ptp(np.concatenate(outlines[view])[:, 0]) for view in VIEWS]
        rows, ratios = (2, [1, 0.06]) if colorbar else (1, [1])
        grid = fig.add_gridspec(rows, 3, width_ratios=spans, height_ratios=ratios, hspace=0.15)
        fig.subplots_adjust(
            left=0.02, right=0.98, top=0.9, bottom=0.08 if colorbar else 0.02, wspace=0.08
        )
        size = marker_size if marker_size is not None else max(4.0, (height / dpi) * 4)
        self.scatters = []
        for col, (view, (_, axes, _)) in enumerate(VIEWS.items()):
            ax = fig.add_subplot(grid[0, col])
            for line in outlines[view]:
                ax.plot(line[:, 0], line[:, 1], color="#9a9a9a", lw=0.8)
            pts = self.centroids[:, list(axes)]
            # Dots above the outlines, as in the browser (and as blitting draws them).
            scatter = ax.scatter(
                pts[:, 0], pts[:, 1], s=size, linewidths=0, zorder=3, animated=animated
            )
            self.scatters.append((ax, scatter, list(axes)))
            for parcel in highlight:
                ring = self.centroids[int(parcel), list(axes)]
                ax.scatter(
                    *ring, s=size * 5, facecolors="none", edgecolors="#00a040", lw=1.5, zorder=4
                )
            ax.set_aspect("equal")
            ax.set_axis_off()
            ax.set_title(view, fontsize=9, color="#666", loc="left")
        if colorbar:
            cax = fig.add_subplot(grid[1, 1])
            bar = fig.colorbar(ScalarMappable(self.norm, cmap), cax=cax, orientation="horizontal")
            mid = 0.0 if vmin < 0 < vmax else (vmin + vmax) / 2
            bar.set_ticks([vmin, mid, vmax])
            bar.set_ticklabels([f"{vmin:.3g}", f"{mid:.3g}", f"{vmax:.3g}"])
            bar.ax.tick_params(labelsize=8)
            if colorbar_label:
                bar.set_label(colorbar_label, fontsize=8)
        self.title = fig.suptitle("", fontsize=10, x=0.02, ha="left", animated=animated)
        self._background = None
        self.background_rgb: np.ndarray | None = None
        if animated:
            # Animated artists are left out of this draw: what it leaves is the background.
            self.canvas.draw()
            self._background = self.canvas.copy_from_bbox(fig.bbox)
            self.background_rgb = np.asarray(self.canvas.buffer_rgba())[..., :3].copy()

    def set_values(self, values: np.ndarray, title: str | None = None) -> None:
        """Colour the dots by ``values`` (float array of shape (1000,), NaN: missing)."""
        values = np.asarray(values, dtype=np.float64)
        shown = self.drawn & np.isfinite(values)
        strength = np.where(shown, np.abs(np.nan_to_num(values)), -1.0)
        # Missing and filtered-out parcels underneath, the strongest responses on top.
        order = np.lexsort((strength, shown))
        colors = self.cmap(self.norm(np.nan_to_num(values[order])))
        colors[~shown[order]] = MISSING_COLOR
        for _, scatter, axes in self.scatters:
            scatter.set_offsets(self.centroids[order][:, axes])
            scatter.set_facecolors(colors)
        self.title.set_text(title or "")

    def render(self) -> np.ndarray:
        """The current frame as RGB, uint8 array of shape (height, width, 3).

        Animated figures restore the saved background and draw only the dots and title.
        """
        if self._background is None:
            self.canvas.draw()
        else:
            self.canvas.restore_region(self._background)
            for ax, scatter, _ in self.scatters:
                ax.draw_artist(scatter)
            self.figure.draw_artist(self.title)
        return np.asarray(self.canvas.buffer_rgba())[..., :3].copy()


def _tr_title(index: int, tr: float) -> str:
    return f"TR {index} ({index * tr:.2f} s)"


def plot_glass_brain(
    responses: Any,
    tr_index: int = 0,
    *,
    tr: float = DEFAULT_TR,
    mode: str = "markers",
    atlas_image: str | os.PathLike | Any = None,
    parcel_indices: Any = None,
    cmap: Any = None,
    vmin: float | None = None,
    vmax: float | None = None,
    colorbar: bool = True,
    colorbar_label: str = "",
    title: str | None = None,
    networks: Sequence[str] | str | None = None,
    highlight: Sequence[int] | int | None = None,
    marker_size: float | None = None,
    width: int = 1200,
    height: int = 420,
    dpi: float = 100,
    out_path: str | os.PathLike | None = None,
) -> Any:
    """Parcel values at one TR on the glass brain: sagittal, coronal and axial views.

    Works offline. ``mode="markers"`` (default) draws the 1000 Schaefer parcel centroids on
    nilearn's glass-brain outlines, like the `GlassBrain` widget. ``mode="volume"`` paints
    each parcel's value into the Schaefer label volume and draws it with
    ``nilearn.plotting.plot_glass_brain``; it needs the atlas image (``atlas_image`` or
    nilearn's data folder, see `find_schaefer_image`).

    Parameters
    ----------
    responses : numpy.ndarray or torch.Tensor, shape (n_tr, 1000) or (1000,)
        One row per TR, or a single map (e.g. a per-parcel correlation); with
        ``parcel_indices``, (n_tr, n_selected) or (n_selected,). NaN/inf are drawn as
        missing, with a warning.
    tr_index : int
        Row to draw (negative counts from the end); ignored for a single map.
    tr : float
        Repetition time in seconds, for the default title.
    mode : {"markers", "volume"}
    atlas_image : str, Path or nibabel image, optional
        The Schaefer 1000-parcel label volume (``mode="volume"``).
    parcel_indices : array-like of int, optional
        Atlas index of each column when the responses are a selection's subset
        (``model.parcel_indices``); the other parcels are drawn as missing.
    cmap : str or matplotlib Colormap, optional
        Default: the widget's cold-hot map.
    vmin, vmax : float, optional
        Colour limits. Default ``vmax``: 99th percentile of ``|responses|`` over all TRs;
        default ``vmin``: ``-vmax`` (symmetric around zero).
    colorbar : bool
    colorbar_label : str
    title : str, optional
        Default: ``"TR i (t s)"`` for responses with TRs, none for a single map.
    networks : str or sequence of str, optional
        Yeo networks drawn in colour; the others are faint grey (markers) or left out
        (volume). Default: all seven; an empty list colours none.
    highlight : int or sequence of int, optional
        Parcels circled in green (markers mode).
    marker_size : float, optional
        Dot area in points^2 (default grows with ``height``).
    width, height : int
        Figure size in pixels (saved files keep it exactly).
    dpi : float
        Dots per inch: sets text and dot size relative to the image.
    out_path : str or Path, optional
        Also save the figure there: ``.png``, ``.svg`` or ``.pdf`` (folder created).

    Returns
    -------
    matplotlib.figure.Figure
        An Agg figure, not registered with pyplot (display it in Jupyter as the cell value).
    """
    if mode not in MODES:
        raise InvalidParameterError(f"mode must be one of {list(MODES)}, got {mode!r}.")
    tr = check_tr(tr)
    width, height, dpi = check_size(width, height, dpi)
    data = figure_responses(responses, parcel_indices=parcel_indices)
    index = 0 if data.one_map else check_tr_index(tr_index, data.n_tr)
    lo, hi = color_limits(data.values, vmin, vmax)
    colormap = _cmap(cmap)
    drawn = network_filter(networks) & data.in_selection
    values = data.values[index]
    if title is None:
        title = "" if data.one_map else _tr_title(index, tr)
    target = None if out_path is None else out_file(out_path, IMAGE_FORMATS, "figure")
    if mode == "volume":
        from vibe_widgets.figures.volume import plot_volume_glass_brain

        fig = plot_volume_glass_brain(
            np.where(drawn, values, np.nan),
            atlas_image,
            cmap=colormap,
            vmin=lo,
            vmax=hi,
            colorbar=colorbar,
            title=title,
            width=width,
            height=height,
            dpi=dpi,
        )
    else:
        ring = [] if highlight is None else np.atleast_1d(highlight).astype(int).tolist()
        if any(not 0 <= p < drawn.size for p in ring):
            raise InvalidParameterError(f"highlight must be parcel indices 0..999, got {ring}.")
        frames = GlassBrainFrames(
            drawn=drawn,
            cmap=colormap,
            vmin=lo,
            vmax=hi,
            width=width,
            height=height,
            dpi=dpi,
            colorbar=colorbar,
            colorbar_label=colorbar_label,
            marker_size=marker_size,
            highlight=ring,
        )
        frames.set_values(values, title)
        fig = frames.figure
    if target is not None:
        # No bbox_inches="tight": it would change the requested pixel size.
        fig.savefig(target[0], format=target[1], dpi=dpi, facecolor="white")
    return fig
