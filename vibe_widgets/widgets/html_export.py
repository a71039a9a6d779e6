"""Self-contained offline HTML pages of widgets: state, widget manager and bundles inlined."""

from __future__ import annotations

import html
import json
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

import ipywidgets
from ipywidgets.embed import dependency_state, embed_data

from vibe_widgets.engine.paths import make_shareable
from vibe_widgets.errors import InvalidParameterError, VibeError
from vibe_widgets.widgets._assets import read_static

__all__ = ["export_html"]

# anywidget's AMD build defines an anonymous module; the page names it so that the widget
# manager's require() finds it without looking on a CDN.
_ANYWIDGET_AMD_DEFINE = 'define(["@jupyter-widgets/base"], widget_default);'


def _anywidget_amd_source() -> str:
    """anywidget's AMD front end, as installed by its wheel (same version as the kernel side)."""
    candidates = [Path(sys.prefix), Path(sys.base_prefix)]
    try:
        import jupyter_core.paths

        candidates += [Path(p).parent for p in jupyter_core.paths.jupyter_path("nbextensions")]
    except ImportError:  # jupyter_core comes with ipywidgets' kernel deps; be lenient anyway
        pass
    for base in candidates:
        for sub in (
            "share/jupyter/nbextensions/anywidget/index.js",
            "nbextensions/anywidget/index.js",
        ):
            path = base / sub
            if path.is_file():
                source = path.read_text(encoding="utf-8")
                if _ANYWIDGET_AMD_DEFINE not in source:
                    raise VibeError(
                        f"anywidget's front end at '{path}' has an unexpected layout; this "
                        "version of anywidget is not supported by the HTML export."
                    )
                return source.replace(
                    _ANYWIDGET_AMD_DEFINE,
                    'define("anywidget", ["@jupyter-widgets/base"], widget_default);',
                )
    raise VibeError(
        "anywidget's front-end files (share/jupyter/nbextensions/anywidget/index.js) were not "
        f"found under {', '.join(str(c) for c in candidates)}. Reinstall anywidget with pip "
        "in this environment."
    )


def _script_json(data: object) -> str:
    # Inside <script>, "</" could end the element early: escape it (JSON allows "<\/").
    return json.dumps(data).replace("</", "<\\/")


def _inline_script(source: str) -> str:
    return "<script>\n" + source.replace("</script", "<\\/script") + "\n</script>"


def export_html(
    widgets: Sequence[ipywidgets.Widget],
    path: str | os.PathLike,
    *,
    title: str = "vibe-widgets",
) -> Path:
    """Write widgets to one HTML file that renders offline, with no kernel and no CDN.

    The widget state (binary buffers included, base64-encoded), require.js, the Jupyter
    widget manager and anywidget's front end are all inlined, so the page works from
    ``file://`` on a machine without internet. Interaction between the views (scrubbing,
    linked cursors) keeps working; nothing that needs the kernel does.

    Parameters
    ----------
    widgets : sequence of ipywidgets.Widget
        The views to show, top to bottom.
    path : str or Path
        Output file; written atomically.
    title : str
        The page title (inserted as text).

    Returns
    -------
    Path
        The written file.
    """
    if isinstance(widgets, ipywidgets.Widget):
        widgets = [widgets]
    if not widgets or not all(isinstance(w, ipywidgets.Widget) for w in widgets):
        raise InvalidParameterError(
            f"export_html needs a non-empty list of widgets, got {widgets!r}."
        )
    if not isinstance(path, (str, os.PathLike)) or not os.fspath(path):
        raise InvalidParameterError(
            f"export_html needs the output file as a str or Path ending in .html, got {path!r}."
        )
    if not isinstance(title, str):
        raise InvalidParameterError(
            f"title must be a str (it is shown as text), got {type(title).__name__} {title!r}."
        )
    out = Path(path).expanduser()
    if out.is_dir():
        raise InvalidParameterError(f"'{out}' is a directory; pass a file path ending in .html.")
    # Only these views and the widgets they reference: with state=None, embed_data would
    # put every live widget of the kernel in the page (other movies and transcripts too).
    state = dependency_state(list(widgets), drop_defaults=False)
    data = embed_data(views=list(widgets), drop_defaults=False, state=state)
    views = "\n".join(
        f'<script type="application/vnd.jupyter.widget-view+json">{_script_json(spec)}</script>'
        for spec in data["view_specs"]
    )
    page = "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en">',
            "<head>",
            '<meta charset="utf-8">',
            f"<title>{html.escape(title)}</title>",
            "<style>body{margin:16px;font-family:system-ui,sans-serif}</style>",
            _inline_script(read_static("vendor/require.min.js")),
            _inline_script(read_static("vendor/embed-amd.js")),
            _inline_script(_anywidget_amd_source()),
            '<script type="application/vnd.jupyter.widget-state+json">'
            f"{_script_json(data['manager_state'])}</script>",
            "</head>",
            "<body>",
            views,
            "</body>",
            "</html>",
        ]
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(suffix=".html", dir=out.parent, prefix=".export-")
    make_shareable(fd)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(page)
        os.replace(tmp, out)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return out
