"""NetworkTimecourse: mean predicted response per Yeo network over TRs, synced to a TR cursor."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import traitlets

from vibe_widgets.engine.atlas import N_PARCELS, NETWORKS, load_atlas
from vibe_widgets.engine.timing import DEFAULT_TR, check_tr
from vibe_widgets.errors import InvalidParameterError
from vibe_widgets.figures.colors import NETWORK_COLORS
from vibe_widgets.figures.timecourses import network_means, plot_network_timecourses
from vibe_widgets.widgets._base import BundledWidget, figure_path
from vibe_widgets.widgets._serialize import array_serialization

__all__ = ["NETWORK_COLORS", "NetworkTimecourse", "network_means"]



def _as_responses(value: Any, name: str) -> np.ndarray:
    """A finite float32 array of shape (n_tr, 1000) from numpy or torch, or raise."""
    if hasattr(value, "detach"):  # torch.Tensor, without importing torch
        value = value.detach().cpu().numpy()
    try:
        array = np.asarray(value, dtype=np.float32)
    except (TypeError, ValueError) as error:
        raise InvalidParameterError(
            f"{name} must be a numeric array of shape (n_tr, {N_PARCELS}), got "
            f"{type(value).__name__} ({error})."
        ) from None
    if array.ndim != 2 or array.shape[1] != N_PARCELS or array.shape[0] < 1:
        raise InvalidParameterError(
            f"{name} must have shape (n_tr, {N_PARCELS}) with n_tr >= 1 (one row per TR, one "
            f"column per Schaefer parcel), got shape {tuple(array.shape)}."
        )
    if not np.isfinite(array).all():
        bad = int((~np.isfinite(array)).sum())
        raise InvalidParameterError(
            f"{name} of shape {tuple(array.shape)} holds {bad} NaN/inf values; "
            "the timecourse needs finite responses."
        )
    return np.ascontiguousarray(array)


class NetworkTimecourse(BundledWidget):
    """Line plot of the mean predicted response of each Yeo-7 network over TRs.

    The browser gets the network means (7, n_tr) and, once per encode, the full responses
    (n_tr, 1000), all as float32 buffers. Selected parcels (``parcels``) are drawn from the
    responses in the browser, so a selection made by another view (e.g. the glass brain)
    shows its lines without a kernel round trip and in exported HTML. Click or drag on the
    plot to move the cursor; click a legend entry to hide or show a network.

    Parameters
    ----------
    responses : numpy.ndarray or torch.Tensor
        Predicted responses, shape (n_tr, 1000).
    tr : float
        Repetition time in seconds.
    compare : numpy.ndarray or torch.Tensor, optional
        A second set of responses of the same shape (e.g. for an edited transcript), drawn
        dashed with the difference to ``responses`` shaded.
    cursor : int
        Initial TR index.
    link_id : str
        Views with the same non-empty ``link_id`` share one cursor in the browser.
    parcels : iterable of int
        Parcel indices (0..999) whose own timecourses are drawn as thin grey lines.
    title : str
        Plot title.

    Attributes
    ----------
    timecourses : numpy.ndarray
        Network means of ``responses``, float32 (7, n_tr).
    compare : numpy.ndarray or None
        Network means of the compared responses, float32 (7, n_tr).
    """

    _bundle = "network_timecourse"

    timecourses = traitlets.Instance(np.ndarray).tag(sync=True, **array_serialization)
    compare = traitlets.Instance(np.ndarray, allow_none=True).tag(sync=True, **array_serialization)
    responses = traitlets.Instance(np.ndarray).tag(sync=True, **array_serialization)
    parcels = traitlets.List(traitlets.Int()).tag(sync=True)
    parcel_names = traitlets.List(traitlets.Unicode()).tag(sync=True)
    networks = traitlets.List(traitlets.Unicode()).tag(sync=True)
    colors = traitlets.List(traitlets.Unicode()).tag(sync=True)
    hidden = traitlets.List(traitlets.Unicode()).tag(sync=True)
    tr = traitlets.Float(DEFAULT_TR).tag(sync=True)
    n_tr = traitlets.Int(0).tag(sync=True)
    cursor = traitlets.Int(0).tag(sync=True)
    link_id = traitlets.Unicode("").tag(sync=True)
    title = traitlets.Unicode("Predicted response per network").tag(sync=True)
    y_label = traitlets.Unicode("predicted response").tag(sync=True)
    compare_label = traitlets.Unicode("compare").tag(sync=True)

    def __init__(
        self,
        responses: Any,
        *,
        tr: float = DEFAULT_TR,
        compare: Any = None,
        cursor: int = 0,
        link_id: str = "",
        parcels: Iterable[int] = (),
        title: str = "Predicted response per network",
    ) -> None:
        main, other = self._check_pair(responses, compare)
        super().__init__(
            timecourses=network_means(main),
            compare=None if other is None else network_means(other),
            responses=main,
            n_tr=main.shape[0],
            parcel_names=list(load_atlas().labels),
            networks=list(NETWORKS),
            colors=[NETWORK_COLORS[n] for n in NETWORKS],
            tr=check_tr(tr),
            cursor=cursor,
            link_id=link_id,
            parcels=list(parcels),
            title=title,
        )

    @staticmethod
    def _check_pair(responses: Any, compare: Any) -> tuple[np.ndarray, np.ndarray | None]:
        main = _as_responses(responses, "responses")
        if compare is None:
            return main, None
        other = _as_responses(compare, "compare")
        if other.shape != main.shape:
            raise InvalidParameterError(
                f"compare must have the same shape as responses {tuple(main.shape)}, got "
                f"{tuple(other.shape)}; encode both transcripts on the same clip."
            )
        return main, other

    def set_responses(self, responses: Any, compare: Any = None) -> None:
        """Replace the plotted responses (and the compared ones) after a re-encode.

        Parameters
        ----------
        responses : numpy.ndarray or torch.Tensor
            New responses, shape (n_tr, 1000); n_tr may differ from before.
        compare : numpy.ndarray or torch.Tensor, optional
            New compared responses of the same shape; None removes the comparison.
        """
        main, other = self._check_pair(responses, compare)
        with self.hold_sync():
            # Shrink the cursor first so that it is valid for the new n_tr.
            self.cursor = min(self.cursor, main.shape[0] - 1)
            self.n_tr = main.shape[0]
            self.responses = main
            self.timecourses = network_means(main)
            self.compare = None if other is None else network_means(other)

    @traitlets.validate("tr")
    def _valid_tr(self, proposal: traitlets.Bunch) -> float:
        return check_tr(proposal["value"])

    @traitlets.validate("cursor")
    def _valid_cursor(self, proposal: traitlets.Bunch) -> int:
        value = proposal["value"]
        if not 0 <= value < max(self.n_tr, 1):
            raise InvalidParameterError(
                f"cursor {value} is outside the TRs 0..{self.n_tr - 1} of the responses."
            )
        return value

    @traitlets.validate("parcels")
    def _valid_parcels(self, proposal: traitlets.Bunch) -> list[int]:
        value = list(proposal["value"])
        bad = [p for p in value if not 0 <= p < N_PARCELS]
        if bad:
            raise InvalidParameterError(
                f"parcels must be parcel indices in 0..{N_PARCELS - 1}, got {bad}."
            )
        return value

    @traitlets.validate("hidden")
    def _valid_hidden(self, proposal: traitlets.Bunch) -> list[str]:
        value = list(proposal["value"])
        unknown = [n for n in value if n not in NETWORKS]
        if unknown:
            raise InvalidParameterError(
                f"hidden must name networks among {list(NETWORKS)}, got {unknown}."
            )
        return value

    def __repr__(self) -> str:
        compare = "" if self.compare is None else ", compare=True"
        return (
            f"NetworkTimecourse(n_tr={self.n_tr}, tr={self.tr}, cursor={self.cursor}, "
            f"networks={len(self.networks)}, hidden={self.hidden}, parcels={self.parcels}"
            f"{compare})"
        )

    def to_png(
        self,
        path: str | os.PathLike,
        *,
        width: int = 1200,
        height: int = 500,
        dpi: float = 100,
    ) -> Path:
        """Render the same plot to a PNG of ``width`` x ``height`` pixels, whatever the screen.

        Drawn by `vibe_widgets.figures.plot_network_timecourses`: hidden networks are left
        out; the compared series is dashed with the difference shaded; selected parcels
        are thin grey lines; the cursor is a vertical line.

        Returns
        -------
        Path
            The written file.
        """
        return self._save(path, "png", width, height, dpi)

    def to_svg(
        self,
        path: str | os.PathLike,
        *,
        width: int = 1200,
        height: int = 500,
        dpi: float = 100,
    ) -> Path:
        """Render the same plot to an SVG (vector); arguments as in `to_png`.

        Returns
        -------
        Path
            The written file.
        """
        return self._save(path, "svg", width, height, dpi)

    def _save(self, path: str | os.PathLike, fmt: str, width: int, height: int, dpi: float) -> Path:
        out = figure_path(path, fmt)
        plot_network_timecourses(
            self.responses,
            tr=self.tr,
            compare_means=self.compare,
            compare_label=self.compare_label,
            networks=[n for n in self.networks if n not in self.hidden],
            parcels=self.parcels,
            cursor=self.cursor,
            title=self.title,
            y_label=self.y_label,
            width=width,
            height=height,
            dpi=dpi,
            out_path=out,
        )
        return out

    def _html_title(self) -> str:
        return f"vibe-widgets: {self.title}"
