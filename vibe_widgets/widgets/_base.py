"""The base of every vibe-widgets view: anywidget with its bundle loaded on first use."""

from __future__ import annotations

from typing import ClassVar

import anywidget

from vibe_widgets.widgets._assets import read_static


class BundledWidget(anywidget.AnyWidget):
    """An anywidget whose ``_esm``/``_css`` come from ``static/<bundle>.js|.css``.

    Reading the bundle at construction (not at import) keeps ``import vibe_widgets``
    working in a checkout whose JavaScript is not built; constructing a widget then
    raises a clear error instead.
    """

    _bundle: ClassVar[str] = ""

    @property
    def _esm(self) -> str:
        return read_static(f"{self._bundle}.js")

    @property
    def _css(self) -> str:
        return read_static(f"{self._bundle}.css")
