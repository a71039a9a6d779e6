"""On-disk feature cache: one verified file per (modality, input, extractor, settings) key."""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from vibe_widgets.engine.digest import text_digest
from vibe_widgets.engine.paths import cache_subdir
from vibe_widgets.errors import CacheError, InvalidParameterError

__all__ = ["FEATURE_VERSION", "CacheReport", "FeatureCache", "extractor_fingerprint"]

# Bump when any extractor's output changes for the same inputs and settings: old entries
# then stop matching instead of being returned.
FEATURE_VERSION = "1"

_MAGIC = b"VIBEFEAT1\n"
_MODALITIES = ("audio", "text", "video")
_KEY = re.compile(r"(audio|text|video)-[0-9a-f]{32}")


def extractor_fingerprint(model_id: str | os.PathLike) -> str:
    """Identity of an extractor's weights for cache keys.

    A hub id stands for itself; a local folder is identified by its path and the size and
    modification time of every file in it, so replacing the weights invalidates entries.
    """
    path = Path(model_id).expanduser()
    if not path.is_dir():
        return str(model_id)
    stats = [
        f"{f.relative_to(path)}:{f.stat().st_size}:{f.stat().st_mtime_ns}"
        for f in sorted(path.rglob("*"))
        if f.is_file()
    ]
    return text_digest(str(path.resolve()), *stats)


@dataclass(frozen=True)
class CacheReport:
    """What the feature cache holds: entries and bytes per modality."""

    root: Path
    entries: dict[str, int]
    bytes: dict[str, int]

    @property
    def total_bytes(self) -> int:
        """Bytes over all modalities."""
        return sum(self.bytes.values())

    def __str__(self) -> str:
        rows = [f"feature cache at {self.root}"]
        for modality in _MODALITIES:
            rows.append(
                f"  {modality:<5} {self.entries.get(modality, 0):5d} entries "
                f"{self.bytes.get(modality, 0) / 1e6:9.2f} MB"
            )
        rows.append(
            f"  total {sum(self.entries.values()):5d} entries {self.total_bytes / 1e6:9.2f} MB"
        )
        return "\n".join(rows)


class FeatureCache:
    """Per-modality feature arrays on disk, keyed by everything that changes them.

    Each entry is one file: a header (shape, dtype, a BLAKE2b digest of the data, and the
    key's ingredients for inspection) followed by the raw array. Writes go to a temporary
    file that is renamed into place, so readers never see half an entry and concurrent
    writers of the same key both leave a valid file. An entry whose digest does not match
    is deleted and reported as a miss: corrupt features are recomputed, never returned.

    Parameters
    ----------
    root : str or Path, optional
        Cache folder (default: ``<vibe-widgets cache>/features``, where the vibe-widgets
        cache is ``$VIBE_WIDGETS_CACHE`` or the user cache dir).
    """

    def __init__(self, root: str | os.PathLike | None = None) -> None:
        self.root = Path(root).expanduser() if root is not None else cache_subdir("features")

    def key(
        self, modality: str, input_digest: str, extractor: str, settings: dict[str, Any]
    ) -> str:
        """The cache key of one modality's features for one input."""
        if modality not in _MODALITIES:
            raise InvalidParameterError(
                f"modality must be one of {list(_MODALITIES)}, got {modality!r}."
            )
        settings_text = json.dumps(settings, sort_keys=True, default=str)
        digest = text_digest(modality, input_digest, extractor, settings_text, FEATURE_VERSION)
        return f"{modality}-{digest}"

    def _path(self, key: str) -> Path:
        # Only keys made by key(): anything else could name (and, when corrupt, delete) a
        # file outside the cache folder.
        if not isinstance(key, str) or not _KEY.fullmatch(key):
            raise InvalidParameterError(
                f"Feature cache key {key!r} is not one made by FeatureCache.key() "
                "('<modality>-<32 hex digits>'); build keys with FeatureCache.key()."
            )
        modality = key.split("-", 1)[0]
        return self.root / modality / f"{key}.feat"

    def get(self, key: str) -> np.ndarray | None:
        """The cached array for ``key``, or None on a miss or a corrupt entry (then removed)."""
        path = self._path(key)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as error:
            raise CacheError(
                f"Cannot read the feature cache entry '{path}' ({error}). Check the folder's "
                "permissions, or point VIBE_WIDGETS_CACHE at a writable folder."
            ) from error
        array = _decode(data)
        if array is None:
            # Corrupt (truncated, overwritten, bit-flipped): drop it so it is recomputed.
            path.unlink(missing_ok=True)
        return array

    def put(self, key: str, array: np.ndarray, **meta: Any) -> Path:
        """Store an array under ``key`` atomically; returns the entry's path.

        Raises
        ------
        CacheError
            If the folder cannot be written (read-only, full disk).
        """
        array = np.ascontiguousarray(array)
        if array.dtype.kind not in "biuf":
            # Object arrays would store memory addresses; strings are not features.
            raise InvalidParameterError(
                f"Feature arrays must be numeric (bool, int or float), got dtype {array.dtype}; "
                "convert it with .astype(np.float32)."
            )
        payload = array.tobytes()
        header = json.dumps(
            {
                "key": key,
                "shape": list(array.shape),
                "dtype": array.dtype.str,
                "blake2b": hashlib.blake2b(payload, digest_size=16).hexdigest(),
                "feature_version": FEATURE_VERSION,
                "meta": meta,
            },
            default=str,
        ).encode()
        path = self._path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".feat")
            try:
                with os.fdopen(fd, "wb") as f:
                    f.write(_MAGIC + len(header).to_bytes(8, "little") + header + payload)
                os.replace(tmp, path)
            finally:
                if os.path.exists(tmp):
                    os.unlink(tmp)
        except OSError as error:
            raise CacheError(
                f"Cannot write to the feature cache at '{self.root}' ({error}). Free disk space, "
                "fix the folder's permissions, or set VIBE_WIDGETS_CACHE to a writable folder."
            ) from error
        return path

    def report(self) -> CacheReport:
        """Entries and bytes per modality."""
        entries: dict[str, int] = {}
        sizes: dict[str, int] = {}
        for modality in _MODALITIES:
            files = list((self.root / modality).glob("*.feat"))
            entries[modality] = len(files)
            sizes[modality] = sum(f.stat().st_size for f in files)
        return CacheReport(self.root, entries, sizes)

    def clear(self, modality: str | None = None) -> int:
        """Delete cached features (of one modality, or all); returns the number removed."""
        if modality is not None and modality not in _MODALITIES:
            raise InvalidParameterError(
                f"modality must be one of {list(_MODALITIES)} or None, got {modality!r}."
            )
        removed = 0
        for name in [modality] if modality else _MODALITIES:
            for f in (self.root / name).glob("*.feat"):
                f.unlink(missing_ok=True)
                removed += 1
        return removed


def _decode(data: bytes) -> np.ndarray | None:
    """Array from an entry's bytes, or None when anything about it is wrong."""
    if not data.startswith(_MAGIC) or len(data) < len(_MAGIC) + 8:
        return None
    start = len(_MAGIC) + 8
    size = int.from_bytes(data[len(_MAGIC) : start], "little")
    try:
        header = json.loads(data[start : start + size])
        payload = data[start + size :]
        dtype = np.dtype(header["dtype"])
        shape = tuple(int(n) for n in header["shape"])
        digest = hashlib.blake2b(payload, digest_size=16).hexdigest()
    except (ValueError, KeyError, TypeError):
        return None
    if digest != header.get("blake2b") or len(payload) != dtype.itemsize * int(np.prod(shape)):
        return None
    return np.frombuffer(payload, dtype=dtype).reshape(shape).copy()
