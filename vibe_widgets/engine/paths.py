"""Where vibe-widgets keeps its on-disk caches (proxies, features, hub listings)."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

CACHE_ENV_VAR = "VIBE_WIDGETS_CACHE"


def cache_root() -> Path:
    """The cache folder: ``$VIBE_WIDGETS_CACHE`` when set, else the user cache dir."""
    override = os.environ.get(CACHE_ENV_VAR)
    if override:
        return Path(override).expanduser()
    return Path(platformdirs.user_cache_dir("vibe-widgets"))


def cache_subdir(name: str, root: str | Path | None = None) -> Path:
    """A named sub-folder of the cache (created on demand)."""
    folder = (Path(root).expanduser() if root is not None else cache_root()) / name
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def make_shareable(fd: int) -> None:
    """Give a file made by ``tempfile.mkstemp`` (mode 0600) the mode a new file normally gets.

    Files the user asked for (HTML pages, saved transcripts) are renamed into place from a
    temporary file; without this they would be readable by their owner only.
    """
    umask = os.umask(0)
    os.umask(umask)
    os.fchmod(fd, 0o666 & ~umask)
