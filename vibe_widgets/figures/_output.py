"""Output paths of the figures: the format from the extension, the folder created."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from vibe_widgets.errors import InvalidParameterError

__all__ = ["IMAGE_FORMATS", "check_size", "out_file"]

IMAGE_FORMATS: tuple[str, ...] = ("png", "svg", "pdf")
"""Extensions a static figure is saved as."""


def out_file(path: Any, formats: tuple[str, ...], what: str = "figure") -> tuple[Path, str]:
    """The output file and its format (from the extension); its folder is created.

    Parameters
    ----------
    path : str or os.PathLike
        Where to write.
    formats : tuple of str
        Allowed extensions, lower case, without the dot.
    what : str
        What is written, for the error message.

    Returns
    -------
    (Path, str)
        The expanded path and the format, e.g. ``"png"``.
    """
    if not isinstance(path, (str, os.PathLike)):
        raise InvalidParameterError(
            f"out_path must be a str or pathlib.Path, got {type(path).__name__} ({path!r})."
        )
    out = Path(path).expanduser()
    fmt = out.suffix.lower().lstrip(".")
    if fmt not in formats:
        allowed = ", ".join(f".{f}" for f in formats)
        raise InvalidParameterError(
            f"Cannot write a {what} to '{out}': unknown extension '{out.suffix or '(none)'}'. "
            f"Use one of {allowed}."
        )
    if out.is_dir():
        raise InvalidParameterError(f"out_path '{out}' is a folder; give a file name in it.")
    out.parent.mkdir(parents=True, exist_ok=True)
    return out, fmt


def check_size(width: Any, height: Any, dpi: Any, minimum: int = 50) -> tuple[int, int, float]:
    """Image size in pixels and dots per inch, checked."""
    for name, value in (("width", width), ("height", height)):
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise InvalidParameterError(
                f"{name} must be an int >= {minimum} (pixels), got {value!r}; width and height "
                f"are {width!r}x{height!r}."
            )
    if isinstance(dpi, bool) or not isinstance(dpi, (int, float)) or not 10 <= dpi <= 1200:
        raise InvalidParameterError(f"dpi must be a number in 10..1200, got {dpi!r}.")
    return width, height, float(dpi)
