"""Validation of per-TR transcripts, shared by the text extractor and the pipeline."""

from __future__ import annotations

from typing import Any

from vibe_widgets.errors import StimulusError

__all__ = ["check_transcripts"]


def check_transcripts(value: Any, name: str = "stimulus") -> list[str]:
    """Return the transcripts as a list of str, or raise naming the first bad item.

    Empty strings are allowed (a TR without words); any Unicode text is allowed.
    """
    if isinstance(value, str) or not isinstance(value, (list, tuple)):
        raise StimulusError(
            f"{name} must be a list of str, one transcript string per TR, got "
            f"{type(value).__name__}. Wrap a single string in a list only for a one-TR clip."
        )
    for i, item in enumerate(value):
        if not isinstance(item, str):
            raise StimulusError(
                f"{name}[{i}] is {type(item).__name__} ({item!r}), not str: every TR needs a "
                'string (use "" for a TR without words).'
            )
    return list(value)
