"""plot_network_timecourses: mean response per Yeo network over time, optionally compared."""

from __future__ import annotations

import os
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from vibe_widgets.engine.atlas import NETWORKS, load_atlas
from vibe_widgets.engine.timing import DEFAULT_TR, check_tr
from vibe_widgets.errors import InvalidParameterError
from vibe_widgets.figures._output import IMAGE_FORMATS, check_size, out_file
from vibe_widgets.figures._responses import figure_responses
from vibe_widgets.figures.colors import NETWORK_COLORS

__all__ = ["TimecourseAxes", "network_means", "plot_network_timecourses", "timecourse_axes"]

# Above this many TRs a grid line per TR would be a grey wash: minor ticks only.
_TR_GRID_MAX = 120


def network_means(responses: np.ndarray) -> np.ndarray:
    """Mean response over the parcels of each Yeo-7 network.

    Parameters
    ----------
    responses : numpy.ndarray
        Responses, shape (n_tr, 1000). NaN parcels (missing) are left out of the means; a
        network with no value at a TR gets NaN there.

    Returns
    -------
    numpy.ndarray
        float32 array of shape (7, n_tr), rows in `NETWORKS` order.
    """
    masks = load_atlas().roi_masks()
    responses = np.asarray(responses)
    mean = np.mean
    if not np.isfinite(responses).all():
        mean = np.nanmean
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN network: NaN, on purpose
        rows = [mean(responses[:, masks[net].astype(bool)], axis=1) for net in NETWORKS]
    return np.stack(rows).astype(np.float32)


def _check_means(value: Any, n_tr: int) -> np.ndarray:
    array = np.asarray(value, dtype=np.float32)
    if array.shape != (len(NETWORKS), n_tr):
        raise InvalidParameterError(
            f"compare_means must have shape ({len(NETWORKS)}, n_tr={n_tr}) (network_means of "
            f"the compared responses), got {array.shape}."
        )
    return array


def _check_transcripts(transcripts: Any, n_tr: int) -> list[str]:
    if isinstance(transcripts, str) or not isinstance(transcripts, Sequence):
        raise InvalidParameterError(
            f"transcripts must be a list of {n_tr} strings (one per TR), got "
            f"{type(transcripts).__name__}."
        )
    if len(transcripts) != n_tr or not all(isinstance(t, str) for t in transcripts):
        raise InvalidParameterError(
            f"transcripts must hold one string per TR ({n_tr}), got {len(transcripts)} "
            "items; use '' for a TR without speech."
        )
    return list(transcripts)


def _short(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


class TimecourseAxes:
    """The network timecourse figure: lines and axes drawn once, a cursor moved per frame.

    Built by `plot_network_timecourses`; `cursor_column` maps a time to a pixel column so
    a movie renderer can paint a moving cursor on a rasterised copy.

    Attributes
    ----------
    figure : matplotlib.figure.Figure
    ax : matplotlib.axes.Axes
        The plot (time in seconds on x).
    """

    def __init__(self, figure: Any, ax: Any) -> None:
        self.figure, self.ax = figure, ax

    def cursor_column(self, seconds: float) -> int:
        """Pixel column (from the left) of time ``seconds`` on the drawn figure."""
        x, _ = self.ax.transData.transform((seconds, 0.0))
        return round(x)

    def plot_rows(self) -> tuple[int, int]:
        """Top and bottom pixel rows (from the top) of the plot area."""
        height = self.figure.bbox.height
        box = self.ax.get_window_extent()
        return round(height - box.y1), round(height - box.y0)


def plot_network_timecourses(
    responses: Any,
    *,
    tr: float = DEFAULT_TR,
    compare: Any = None,
    compare_means: Any = None,
    label: str = "",
    compare_label: str = "compare",
    shade_difference: bool = True,
    networks: Sequence[str] | str | None = None,
    parcels: Sequence[int] = (),
    parcel_indices: Any = None,
    transcripts: Sequence[str] | None = None,
    transcript_chars: int = 28,
    cursor: int | None = None,
    title: str = "Predicted response per network",
    y_label: str = "predicted response",
    width: int = 1200,
    height: int = 500,
    dpi: float = 100,
    out_path: str | os.PathLike | None = None,
) -> Any:
    """Mean response of each Yeo network over time, on the TR grid.

    Parameters
    ----------
    responses : numpy.ndarray or torch.Tensor, shape (n_tr, 1000)
        One row per TR; with ``parcel_indices``, (n_tr, n_selected): network means then
        cover the selected parcels only. NaN/inf are left out of the means, with a warning.
    tr : float
        Repetition time in seconds: row i is drawn at ``i * tr`` s.
    compare : numpy.ndarray or torch.Tensor, optional
        Responses of the same shape (e.g. for an edited transcript): drawn dashed, with the
        difference to ``responses`` shaded.
    compare_means : numpy.ndarray, shape (7, n_tr), optional
        Network means of the compared responses, when only those are at hand (instead of
        ``compare``).
    label, compare_label : str
        Legend entries of the two series (``label`` only shown with a comparison).
    shade_difference : bool
        Shade between each network's two series.
    networks : str or sequence of str, optional
        Yeo networks drawn (default: all seven).
    parcels : sequence of int
        Parcel indices (0..999) whose own timecourses are drawn as thin grey lines.
    parcel_indices : array-like of int, optional
        Atlas index of each column when the responses are a selection's subset.
    transcripts : sequence of str, optional
        One string per TR, written along the time axis in the middle of its TR (cut to
        ``transcript_chars``).
    transcript_chars : int
    cursor : int, optional
        TR marked by a vertical line.
    title, y_label : str
    width, height : int
        Figure size in pixels (saved files keep it exactly).
    dpi : float
    out_path : str or Path, optional
        Also save the figure there: ``.png``, ``.svg`` or ``.pdf`` (folder created).

    Returns
    -------
    matplotlib.figure.Figure
        An Agg figure, not registered with pyplot.
    """
    return timecourse_axes(**locals()).figure


def timecourse_axes(
    responses: Any,
    *,
    tr: float = DEFAULT_TR,
    compare: Any = None,
    compare_means: Any = None,
    label: str = "",
    compare_label: str = "compare",
    shade_difference: bool = True,
    networks: Sequence[str] | str | None = None,
    parcels: Sequence[int] = (),
    parcel_indices: Any = None,
    transcripts: Sequence[str] | None = None,
    transcript_chars: int = 28,
    cursor: int | None = None,
    title: str = "Predicted response per network",
    y_label: str = "predicted response",
    width: int = 1200,
    height: int = 500,
    dpi: float = 100,
    out_path: str | os.PathLike | None = None,
) -> TimecourseAxes:
    """`plot_network_timecourses`, returning the figure with its plot axes."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MultipleLocator

    tr = check_tr(tr)
    width, height, dpi = check_size(width, height, dpi)
    main = figure_responses(responses, parcel_indices=parcel_indices, allow_one_map=False)
    n_tr = main.n_tr
    means = network_means(main.values)
    other = None
    if compare is not None and compare_means is not None:
        raise InvalidParameterError("Pass compare or compare_means, not both.")
    if compare is not None:
        second = figure_responses(
            compare, parcel_indices=parcel_indices, name="compare", allow_one_map=False
        )
        if second.values.shape != main.values.shape:
            raise InvalidParameterError(
                f"compare must have the same shape as responses {np.shape(responses)}, got "
                f"{np.shape(compare)}; encode both transcripts on the same clip."
            )
        other = network_means(second.values)
    elif compare_means is not None:
        other = _check_means(compare_means, n_tr)
    if networks is None:
        shown = list(NETWORKS)
    else:
        shown = [networks] if isinstance(networks, str) else list(networks)
        unknown = [n for n in shown if n not in NETWORKS]
        if unknown:
            raise InvalidParameterError(
                f"networks must name Yeo networks among {list(NETWORKS)}, got {shown!r}."
            )
    bad = [p for p in parcels if not 0 <= int(p) < main.values.shape[1]]
    if bad:
        raise InvalidParameterError(f"parcels must be parcel indices in 0..999, got {bad}.")
    if cursor is not None and not 0 <= cursor < n_tr:
        raise InvalidParameterError(f"cursor {cursor} is outside the TRs 0..{n_tr - 1}.")
    words = None if transcripts is None else _check_transcripts(transcripts, n_tr)
    target = None if out_path is None else out_file(out_path, IMAGE_FORMATS, "figure")

    # Constrained layout keeps the outside legend and the transcript strip in the frame.
    fig = Figure(
        figsize=(width / dpi, height / dpi), dpi=dpi, facecolor="white", layout="constrained"
    )
    FigureCanvasAgg(fig)
    if words is None:
        ax = fig.add_subplot()
    else:
        grid = fig.add_gridspec(2, 1, height_ratios=[2.4, 1])
        ax = fig.add_subplot(grid[0])
        strip = fig.add_subplot(grid[1], sharex=ax)
    seconds = np.arange(n_tr) * tr
    labels = load_atlas().labels
    for p in parcels:
        ax.plot(seconds, main.values[:, int(p)], color="#9a9a9a", lw=0.8, label=labels[int(p)])
    for i, name in enumerate(NETWORKS):
        if name not in shown:
            continue
        color = NETWORK_COLORS[name]
        ax.plot(seconds, means[i], color=color, lw=1.8, label=name)
        if other is not None:
            ax.plot(seconds, other[i], color=color, lw=1.4, ls="--")
            if shade_difference:
                ax.fill_between(seconds, means[i], other[i], color=color, alpha=0.15, lw=0)
    if other is not None:
        # One legend entry per series style, as in the browser's legend.
        if label:
            ax.plot([], [], color="#555555", lw=1.8, label=label)
        ax.plot([], [], color="#555555", lw=1.4, ls="--", label=compare_label)
    if cursor is not None:
        ax.axvline(cursor * tr, color="#222222", lw=1)
    ax.axhline(0, color="#cccccc", lw=0.8, zorder=0)
    # The TR grid: a faint line at every TR start (minor ticks on long clips).
    ax.xaxis.set_minor_locator(MultipleLocator(tr))
    if n_tr <= _TR_GRID_MAX:
        ax.grid(True, which="minor", axis="x", color="#eeeeee", lw=0.6, zorder=0)
    ax.set_ylabel(y_label)
    ax.set_title(title)
    ax.set_xlim(0, max(seconds[-1], tr))
    if ax.get_legend_handles_labels()[0]:  # every network may be hidden
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize="small", frameon=False)
    if words is None:
        ax.set_xlabel("time (s)")
    else:
        ax.tick_params(labelbottom=False)
        strip.set_yticks([])
        strip.set_ylim(0, 1)
        for spine in ("left", "right", "top"):
            strip.spines[spine].set_visible(False)
        strip.set_xlabel("time (s)")
        fontsize = max(5.0, min(8.0, 0.8 * (width / dpi * 72) / max(n_tr, 1)))
        for i, text in enumerate(words):
            if text.strip():
                # Inserted as text: matplotlib would parse "$...$" as mathtext otherwise.
                # Read top-down from the axis, so a long line loses its end, not its start.
                strip.text(
                    seconds[i] + tr / 2, 0.97, _short(text, transcript_chars), rotation=-90,
                    rotation_mode="anchor", ha="left", va="center", fontsize=fontsize,
                    color="#444444", parse_math=False, clip_on=True,
                )
    if target is not None:
        # No bbox_inches="tight": it would change the requested pixel size.
        fig.savefig(target[0], format=target[1], dpi=dpi, facecolor="white")
    return TimecourseAxes(fig, ax)
