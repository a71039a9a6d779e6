"""The output folder of a batch: one ``.npy`` + JSON sidecar per item, written atomically."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import IO, Any

import numpy as np

from vibe_widgets.engine.paths import make_shareable
from vibe_widgets.errors import CacheError, InvalidParameterError

__all__ = ["OutputStore"]

SUMMARY_NAME = "encode-many-summary.json"


def _atomic_write(path: Path, write: Callable[[IO[bytes]], None]) -> None:
    """Write through a temporary file renamed into place: readers see all of it or nothing.

    A worker killed mid-write leaves a ``.tmp-*`` file, never a half output under the real
    name; the next run overwrites the item.
    """
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
    make_shareable(fd)
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            # The rename is the commit: the data must be on disk before it (shared FS).
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _json_bytes(data: Mapping[str, Any]) -> bytes:
    return (json.dumps(data, indent=1, ensure_ascii=False, default=str) + "\n").encode("utf-8")


class OutputStore:
    """Responses and their metadata, one pair of files per item.

    ``<name>.npy`` holds float32 responses of shape (n_tr, n_outputs); ``<name>.json`` holds
    the metadata (variant, subject, TR, selection, package version, input digests). The
    sidecar is written last and is the mark of a finished item: an item counts as done only
    when its sidecar names the same input and settings digests and its array has the shape
    the sidecar gives. A failed item gets ``<name>.error.json`` instead, removed once it
    succeeds.

    Parameters
    ----------
    root : path-like
        The output folder (created).
    """

    def __init__(self, root: str | os.PathLike[str]) -> None:
        if not isinstance(root, (str, os.PathLike)):
            raise InvalidParameterError(
                f"out_dir must be a folder path (str or pathlib.Path), got "
                f"{type(root).__name__} ({root!r})."
            )
        self.root = Path(root).expanduser()
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise CacheError(
                f"Cannot create the output folder '{self.root}' ({error}): choose a writable "
                "folder for out_dir."
            ) from error

    def array_path(self, name: str) -> Path:
        """Where an item's responses go."""
        return self.root / f"{name}.npy"

    def meta_path(self, name: str) -> Path:
        """Where an item's metadata sidecar goes."""
        return self.root / f"{name}.json"

    def error_path(self, name: str) -> Path:
        """Where an item's failure record goes."""
        return self.root / f"{name}.error.json"

    def read_meta(self, name: str) -> dict[str, Any] | None:
        """An item's sidecar, or None when missing or unreadable."""
        try:
            data = json.loads(self.meta_path(name).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return data if isinstance(data, dict) else None

    def is_done(self, name: str, input_digest: str, settings_digest: str) -> bool:
        """Whether the item's outputs exist for these exact inputs and settings."""
        meta = self.read_meta(name)
        if (
            meta is None
            or meta.get("input_digest") != input_digest
            or meta.get("settings_digest") != settings_digest
        ):
            return False
        try:
            # Memory-mapped: reads the header only, however long the movie.
            array = np.load(self.array_path(name), mmap_mode="r")
        except (OSError, ValueError):
            return False
        return list(array.shape) == meta.get("shape") and array.dtype == np.float32

    def write(self, name: str, responses: np.ndarray, meta: Mapping[str, Any]) -> Path:
        """Store an item's responses, then its sidecar; clear any failure record.

        Returns
        -------
        Path
            The ``.npy`` file.
        """
        array = np.ascontiguousarray(responses, dtype=np.float32)
        meta = {**meta, "shape": list(array.shape), "dtype": "float32"}
        try:
            _atomic_write(self.array_path(name), lambda f: np.save(f, array))
            _atomic_write(self.meta_path(name), lambda f: f.write(_json_bytes(meta)))
            self.error_path(name).unlink(missing_ok=True)
        except OSError as error:
            raise CacheError(
                f"Cannot write the outputs of item {name!r} to '{self.root}' ({error}): free "
                "disk space or choose a writable out_dir."
            ) from error
        return self.array_path(name)

    def write_failure(self, name: str, record: Mapping[str, Any]) -> Path:
        """Record why an item failed (its error type, message and traceback)."""
        path = self.error_path(name)
        _atomic_write(path, lambda f: f.write(_json_bytes(record)))
        return path

    def read_failure(self, name: str) -> dict[str, Any] | None:
        """An item's failure record, or None."""
        try:
            return json.loads(self.error_path(name).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def load(self, name: str) -> np.ndarray:
        """An item's responses: float32 array of shape (n_tr, n_outputs)."""
        return np.load(self.array_path(name))

    def write_summary(self, summary: Mapping[str, Any]) -> Path:
        """The run's summary, next to the outputs."""
        path = self.root / SUMMARY_NAME
        _atomic_write(path, lambda f: f.write(_json_bytes(summary)))
        return path
