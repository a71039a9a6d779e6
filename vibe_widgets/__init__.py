"""vibe-widgets: see what the VIBE fMRI encoding model predicts for a movie, in Jupyter."""

from __future__ import annotations

from vibe_widgets.data import sample_clip
from vibe_widgets.errors import (
    CacheError,
    InvalidParameterError,
    MediaError,
    ModelLoadError,
    StimulusError,
    VibeError,
)
from vibe_widgets.widgets import VideoPlayer, export_html

__version__ = "0.1.0"

__all__ = [
    # widgets
    "VideoPlayer",
    "export_html",
    # data
    "sample_clip",
    # errors
    "CacheError",
    "InvalidParameterError",
    "MediaError",
    "ModelLoadError",
    "StimulusError",
    "VibeError",
]
