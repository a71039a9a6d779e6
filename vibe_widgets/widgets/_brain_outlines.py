"""Moved to `vibe_widgets.figures.outlines`; these names stay importable from here."""

from __future__ import annotations

from vibe_widgets.figures.outlines import VIEWS, brain_outlines, outlines_json

__all__ = ["VIEWS", "brain_outlines", "outlines_json"]
