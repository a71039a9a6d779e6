"""Encoding at scale: many movies, locally or on a Ray cluster, resumable (`encode_many`)."""

from __future__ import annotations

from vibe_widgets.engine.scale.items import EncodeItem, collect_items, read_transcript_file
from vibe_widgets.engine.scale.result import EncodeManyResult
from vibe_widgets.engine.scale.run import BACKENDS, encode_many
from vibe_widgets.engine.scale.spec import ModelSpec
from vibe_widgets.engine.scale.store import OutputStore

__all__ = [
    "BACKENDS",
    "EncodeItem",
    "EncodeManyResult",
    "ModelSpec",
    "OutputStore",
    "collect_items",
    "encode_many",
    "read_transcript_file",
]
