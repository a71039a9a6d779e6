"""The movies of a batch: video paths paired with their per-TR transcripts."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vibe_widgets.engine.features.transcripts import check_transcripts
from vibe_widgets.engine.transcript_files import TRANSCRIPT_SUFFIXES, read_transcript_file
from vibe_widgets.errors import InvalidParameterError, StimulusError

__all__ = [
    "TRANSCRIPT_SUFFIXES",
    "VIDEO_SUFFIXES",
    "EncodeItem",
    "collect_items",
    "read_transcript_file",
]

VIDEO_SUFFIXES = (".mp4", ".mkv", ".mov", ".avi", ".webm", ".m4v")
# Item names become output file names: keep them to one portable path component.
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]*$")


@dataclass(frozen=True)
class EncodeItem:
    """One movie of a batch.

    Attributes
    ----------
    name : str
        Output file stem, unique in the batch (default: the video's stem).
    video_path : Path
        The movie.
    transcripts : tuple of str, optional
        One string per TR; ``None`` when they could not be read (see ``problem``).
    transcript_path : Path, optional
        The file they were read from, if any.
    problem : str, optional
        Why the item cannot be encoded (e.g. no transcript file beside the video); such an
        item is reported as failed without stopping the others.
    """

    name: str
    video_path: Path
    transcripts: tuple[str, ...] | None
    transcript_path: Path | None = None
    problem: str | None = None


def _transcript_beside(video: Path) -> tuple[Path | None, str | None]:
    """The transcript file next to ``video`` (same stem), or why there is none."""
    found = [video.with_suffix(s) for s in TRANSCRIPT_SUFFIXES if video.with_suffix(s).is_file()]
    if len(found) == 1:
        return found[0], None
    if not found:
        return None, (
            f"No transcript beside '{video}': write '{video.with_suffix('.json').name}' or "
            f"'{video.with_suffix('.tsv').name}' (TranscriptEditor.save) next to it."
        )
    return None, (
        f"Two transcripts beside '{video}' ({', '.join(p.name for p in found)}): keep one."
    )


def _item(name: str | None, video: Any, transcripts: Any) -> EncodeItem:
    if not isinstance(video, (str, os.PathLike)):
        raise InvalidParameterError(
            f"An item's video must be a path, got {type(video).__name__} ({video!r})."
        )
    video = Path(video).expanduser()
    name = video.stem if name is None else name
    if transcripts is None:
        path, problem = _transcript_beside(video)
    elif isinstance(transcripts, (str, os.PathLike)):
        path, problem = Path(transcripts).expanduser(), None
    else:
        lines = check_transcripts(transcripts, name=f"item {name!r} transcripts")
        return EncodeItem(name, video, tuple(lines))
    if path is None:
        return EncodeItem(name, video, None, None, problem)
    try:
        lines = read_transcript_file(path)
    except StimulusError as error:
        return EncodeItem(name, video, None, path, str(error))
    return EncodeItem(name, video, tuple(lines), path)


def _from_folder(folder: Path) -> list[EncodeItem]:
    videos = sorted(p for p in folder.iterdir() if p.suffix.lower() in VIDEO_SUFFIXES)
    if not videos:
        raise InvalidParameterError(
            f"Folder '{folder}' holds no video ({', '.join(VIDEO_SUFFIXES)}): give a folder of "
            "movies with their transcripts beside them, or a list of (video, transcripts)."
        )
    return [_item(None, video, None) for video in videos]


def collect_items(items: Any) -> list[EncodeItem]:
    """Turn what `encode_many` accepts into checked `EncodeItem` objects.

    Parameters
    ----------
    items : path-like, or list
        A folder of videos, each with a transcript file of the same stem beside it
        (``clip.mp4`` + ``clip.json`` or ``clip.tsv``); or a list whose entries are a
        folder, a video path (transcript beside it), an `EncodeItem`, a pair
        ``(video, transcripts)`` with transcripts a list of str or a transcript file, or a
        dict ``{"video", "transcripts", "name"}`` (``transcripts`` and ``name`` optional).

    Returns
    -------
    list of EncodeItem
        In the given order (folders sorted by file name). Items whose transcripts are
        missing or unreadable carry a ``problem`` instead of raising.

    Raises
    ------
    InvalidParameterError
        For an entry of an unknown kind, an empty batch, an invalid or duplicate name.
    StimulusError
        For inline transcripts that are not a list of str.
    """
    if isinstance(items, (str, os.PathLike)):
        items = [items]
    if isinstance(items, Mapping) or not isinstance(items, Iterable):
        raise InvalidParameterError(
            f"items must be a folder or a list of items, got {type(items).__name__}."
        )
    out: list[EncodeItem] = []
    for entry in items:
        if isinstance(entry, EncodeItem):
            out.append(entry)
        elif isinstance(entry, (str, os.PathLike)):
            path = Path(entry).expanduser()
            out.extend(_from_folder(path) if path.is_dir() else [_item(None, path, None)])
        elif isinstance(entry, Mapping):
            unknown = set(entry) - {"video", "transcripts", "name"}
            if "video" not in entry or unknown:
                raise InvalidParameterError(
                    f"An item dict needs 'video' and may have 'transcripts' and 'name'; got keys "
                    f"{sorted(entry)}."
                )
            out.append(_item(entry.get("name"), entry["video"], entry.get("transcripts")))
        elif isinstance(entry, Sequence) and len(entry) == 2:
            out.append(_item(None, entry[0], entry[1]))
        else:
            raise InvalidParameterError(
                f"Cannot read item {entry!r}: give a video path, a (video, transcripts) pair, a "
                "dict {'video', 'transcripts', 'name'} or an EncodeItem."
            )
    if not out:
        raise InvalidParameterError("items is empty: nothing to encode.")
    seen: dict[str, Path] = {}
    for item in out:
        if not isinstance(item.name, str) or not _NAME.match(item.name):
            raise InvalidParameterError(
                f"Item name {item.name!r} (video '{item.video_path}') cannot name an output file: "
                "use letters, digits, '.', '_', '+' and '-', starting with a letter or digit."
            )
        if item.name in seen:
            raise InvalidParameterError(
                f"Two items are named {item.name!r} ('{seen[item.name]}' and '{item.video_path}'):"
                " give them distinct names (dict items take a 'name')."
            )
        seen[item.name] = item.video_path
    return out
