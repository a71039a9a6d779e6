"""Link views so that they share one TR cursor in the browser (no kernel round trip)."""

from __future__ import annotations

import uuid

import ipywidgets

from vibe_widgets.errors import InvalidParameterError

__all__ = ["link", "unlink"]


def _views(views: tuple[ipywidgets.Widget, ...]) -> tuple[ipywidgets.Widget, ...]:
    bad = [type(v).__name__ for v in views if not hasattr(v, "link_id")]
    if not views or bad:
        raise InvalidParameterError(
            "link/unlink take vibe-widgets views that have a link_id (VideoPlayer, "
            f"NetworkTimecourse, GlassBrain, ...), got {bad or 'nothing'}."
        )
    return views


def link(*views: ipywidgets.Widget, link_id: str | None = None) -> str:
    """Give the views one shared link id; scrubbing any of them moves all of them.

    Parameters
    ----------
    *views : widgets with a ``link_id`` trait
        The views to link.
    link_id : str, optional
        The id to use (default: a new random one).

    Returns
    -------
    str
        The link id, to link more views later.
    """
    views = _views(views)
    if link_id is None:
        link_id = f"vibe-{uuid.uuid4().hex[:12]}"
    if not isinstance(link_id, str) or not link_id:
        raise InvalidParameterError(f"link_id must be a non-empty str, got {link_id!r}.")
    for view in views:
        view.link_id = link_id
    return link_id


def unlink(*views: ipywidgets.Widget) -> None:
    """Take the views out of their links: each keeps its own cursor again.

    Parameters
    ----------
    *views : widgets with a ``link_id`` trait
        `VideoPlayer`, `TranscriptEditor`, `NetworkTimecourse` or `GlassBrain`
        instances (for an Explorer, pass its ``player``, ``editor``, ``brain``,
        ``timecourse``).
    """
    for view in _views(views):
        view.link_id = ""
