"""The exception hierarchy: every error the package raises on purpose derives from VibeError."""

from __future__ import annotations

__all__ = [
    "CacheError",
    "InvalidParameterError",
    "MediaError",
    "ModelLoadError",
    "StimulusError",
    "VibeError",
]


class VibeError(Exception):
    """Base class of every error vibe-widgets raises on purpose.

    Messages name the offending value, what was expected, and how to fix it.
    """


class InvalidParameterError(VibeError, ValueError):
    """A parameter has the wrong type, range, length or value."""


class StimulusError(VibeError, ValueError):
    """The transcripts or features do not fit the movie (count, type, shape)."""


class MediaError(VibeError, OSError):
    """A media file is missing, unreadable, truncated, or lacks a needed stream."""


class ModelLoadError(VibeError, RuntimeError):
    """A model variant or checkpoint cannot be found, downloaded, or loaded."""


class CacheError(VibeError, OSError):
    """The on-disk cache cannot be read or written."""
