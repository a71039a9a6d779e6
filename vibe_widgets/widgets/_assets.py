"""Access to the esbuild bundles in vibe_widgets/static/, with a clear error when unbuilt."""

from __future__ import annotations

from pathlib import Path

from vibe_widgets.errors import VibeError

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"


class FrontendBundleMissingError(VibeError, FileNotFoundError):
    """The JavaScript bundle of a widget was not built (a source checkout without npm)."""


def static_file(name: str) -> Path:
    """Path of a built front-end file, e.g. ``"video_player.js"``."""
    path = STATIC_DIR / name
    if not path.is_file():
        raise FrontendBundleMissingError(
            f"The front-end file '{path}' is missing: this checkout's JavaScript has not been "
            "built. Run `make demo` or `make test` (or `npm ci && npm run build`) at the "
            "repository root."
        )
    return path


def read_static(name: str) -> str:
    """Text of a built front-end file."""
    return static_file(name).read_text(encoding="utf-8")
