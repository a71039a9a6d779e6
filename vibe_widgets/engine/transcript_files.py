"""The transcript file formats `TranscriptEditor.save` writes (JSON, TSV): one reader, one writer.

The editor (save/load) and `encode_many` (a transcript beside each movie) both use these,
so a file one writes the other reads, and a bad file gets the same message in both.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from vibe_widgets.engine.timing import check_tr
from vibe_widgets.errors import InvalidParameterError, StimulusError, VibeError

__all__ = [
    "TRANSCRIPT_SUFFIXES",
    "TSV_HEADER",
    "TranscriptFile",
    "format_transcripts",
    "read_transcript_file",
    "read_transcripts",
    "transcript_format",
]

# Beside a movie, a transcript file shares its stem and has one of these extensions.
TRANSCRIPT_SUFFIXES = (".json", ".tsv")
TSV_HEADER = ["tr_index", "onset", "offset", "text"]
# TSV cells are one line without tabs: these characters are written as backslash escapes.
_TSV_ESCAPES = {"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"}
_TSV_UNESCAPES = {"\\": "\\", "t": "\t", "n": "\n", "r": "\r"}


@dataclass(frozen=True)
class TranscriptFile:
    """What a transcript file holds.

    Attributes
    ----------
    lines : list of str
        One string per TR, in order (length n_tr).
    tr : float or None
        The TR in seconds the file states (JSON ``tr``, TSV offset - onset); None when a
        JSON file leaves it out.
    """

    lines: list[str]
    tr: float | None


def _tsv_escape(text: str) -> str:
    return "".join(_TSV_ESCAPES.get(ch, ch) for ch in text)


def _tsv_unescape(text: str) -> str:
    out: list[str] = []
    chars = iter(text)
    for ch in chars:
        if ch == "\\":
            nxt = next(chars, "")
            # An unknown escape is kept literally, so hand-written files still load.
            out.append(_TSV_UNESCAPES.get(nxt, "\\" + nxt))
        else:
            out.append(ch)
    return "".join(out)


def transcript_format(path: str | os.PathLike[str]) -> str:
    """``"json"`` or ``"tsv"`` from the extension (``x.json.bak``, a save's backup, is JSON).

    Raises
    ------
    InvalidParameterError
        For any other extension.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".bak":
        suffix = Path(path.stem).suffix.lower()
    if suffix in TRANSCRIPT_SUFFIXES:
        return suffix[1:]
    raise InvalidParameterError(
        f"'{path}' has extension {suffix or '(none)'!r}; transcripts are saved and loaded as "
        ".json or .tsv (as TranscriptEditor.save writes them)."
    )


def _lines(value: object, what: str, error: type[VibeError]) -> list[str]:
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        raise error(f"{what} must be a list of str (one line per TR), got {type(value).__name__}.")
    lines = list(value)
    for i, line in enumerate(lines):
        if not isinstance(line, str):
            raise error(
                f"{what} must hold only str (use '' for a silent TR); item {i} is "
                f"{type(line).__name__} {line!r}."
            )
    return lines


def _tr(value: object, where: str, error: type[VibeError]) -> float:
    try:
        return check_tr(value)
    except InvalidParameterError as problem:
        raise error(f"{where}: {problem}") from None


def read_transcripts(
    path: str | os.PathLike[str], *, error: type[VibeError] = StimulusError
) -> TranscriptFile:
    """Read a transcript file: the lines and the TR it states.

    Parameters
    ----------
    path : path-like
        ``.json`` holding ``{"tr", "n_tr", "transcripts": [str, ...]}``, or ``.tsv`` with
        the header ``tr_index onset offset text``, one row per TR in order, and ``\\t``,
        ``\\n``, ``\\r``, ``\\\\`` escapes; or a save's backup (``<name>.json.bak``).
    error : type
        The VibeError subclass raised for an unreadable or malformed file
        (`TranscriptEditor.load` passes InvalidParameterError).

    Returns
    -------
    TranscriptFile

    Raises
    ------
    InvalidParameterError
        For an extension other than .json / .tsv.
    StimulusError (or ``error``)
        When the file cannot be read or is not in its format.
    """
    path = Path(path).expanduser()
    kind = transcript_format(path)
    try:
        raw = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as problem:
        raise error(f"cannot read transcripts from '{path}': {problem}") from problem
    if kind == "json":
        try:
            data = json.loads(raw)
        except json.JSONDecodeError as problem:
            raise error(f"'{path}' is not valid JSON: {problem}") from problem
        if not isinstance(data, dict) or "transcripts" not in data:
            raise error(
                f"'{path}' must hold an object with keys tr, n_tr and transcripts, as "
                "TranscriptEditor.save writes."
            )
        lines = _lines(data["transcripts"], f"'{path}' transcripts", error)
        n_tr = data.get("n_tr", len(lines))
        if n_tr != len(lines):
            raise error(f"'{path}' says n_tr={n_tr} but holds {len(lines)} transcripts.")
        tr = data.get("tr")
        return TranscriptFile(lines, None if tr is None else _tr(tr, f"'{path}'", error))
    # Only "\n" separates rows: str.splitlines would also split on U+2028 etc. inside text.
    rows = [row.removesuffix("\r") for row in raw.split("\n")]
    if rows and rows[-1] == "":
        rows.pop()
    if not rows or rows[0].split("\t") != TSV_HEADER:
        raise error(
            f"'{path}' must start with the header line {chr(9).join(TSV_HEADER)!r} (tab-separated)."
        )
    lines, tr = [], None
    for number, row in enumerate(rows[1:], start=2):
        cells = row.split("\t")
        try:
            if len(cells) != 4:
                raise ValueError(f"{len(cells)} tab-separated cells instead of 4")
            index, onset, offset = int(cells[0]), float(cells[1]), float(cells[2])
        except ValueError as problem:
            raise error(f"'{path}' line {number}: {problem}") from problem
        if index != len(lines):
            raise error(
                f"'{path}' line {number}: tr_index {index}, expected {len(lines)} "
                "(rows must list TRs 0, 1, 2, ... in order)."
            )
        if tr is None:
            tr = _tr(round(offset - onset, 9), f"'{path}' line {number}", error)
        lines.append(_tsv_unescape(cells[3]))
    return TranscriptFile(lines, tr)


def read_transcript_file(path: str | os.PathLike[str]) -> list[str]:
    """Per-TR transcripts from a file in the format `TranscriptEditor.save` writes.

    Parameters
    ----------
    path : path-like
        ``.json`` or ``.tsv`` (see `read_transcripts`).

    Returns
    -------
    list of str
        One string per TR, in order.

    Raises
    ------
    StimulusError
        When the file cannot be read or is not in either format.
    """
    try:
        return read_transcripts(path).lines
    except InvalidParameterError as problem:  # the extension: the batch treats it as content
        raise StimulusError(str(problem)) from None


def format_transcripts(lines: Sequence[str], tr: float, kind: str) -> str:
    """The text of a transcript file: ``kind`` is ``"json"`` or ``"tsv"``.

    Parameters
    ----------
    lines : sequence of str
        One per TR.
    tr : float
        Seconds per TR (JSON ``tr``; TSV onsets ``i * tr``).
    kind : {"json", "tsv"}

    Returns
    -------
    str
        UTF-8 text ending with a newline.
    """
    if kind == "json":
        payload = {"tr": tr, "n_tr": len(lines), "transcripts": list(lines)}
        return json.dumps(payload, ensure_ascii=False, indent=1) + "\n"
    rows = ["\t".join(TSV_HEADER)]
    for i, line in enumerate(lines):
        # Rounded so 3 * 1.49 prints as 4.47, not 4.470000000000001.
        onset, offset = round(i * tr, 9), round((i + 1) * tr, 9)
        rows.append(f"{i}\t{onset!r}\t{offset!r}\t{_tsv_escape(line)}")
    return "\n".join(rows) + "\n"
