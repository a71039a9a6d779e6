"""Content digests that key caches: the same bytes give the same key, wherever the file lives."""

from __future__ import annotations

import hashlib
from pathlib import Path

_CHUNK = 1 << 20


def file_digest(path: str | Path) -> str:
    """Hex BLAKE2b-128 digest of a file's bytes, read in 1 MiB chunks."""
    h = hashlib.blake2b(digest_size=16)
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            h.update(chunk)
    return h.hexdigest()


def text_digest(*parts: str) -> str:
    """Hex BLAKE2b-128 digest of strings, each length-prefixed so that boundaries count."""
    h = hashlib.blake2b(digest_size=16)
    for part in parts:
        data = part.encode("utf-8")
        h.update(len(data).to_bytes(8, "little"))
        h.update(data)
    return h.hexdigest()
