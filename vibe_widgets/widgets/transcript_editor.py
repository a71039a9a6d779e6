"""TranscriptEditor: one editable line of transcript per TR, synced to a TR cursor."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import traitlets

from vibe_widgets.engine.paths import make_shareable
from vibe_widgets.engine.timing import DEFAULT_TR, check_tr
from vibe_widgets.engine.transcript_files import (
    format_transcripts,
    read_transcripts,
    transcript_format,
)
from vibe_widgets.errors import InvalidParameterError
from vibe_widgets.widgets._base import BundledWidget, as_trait_error

__all__ = ["TranscriptEditor"]

# Older states kept for undo(); a long editing session must not grow without bound.
MAX_UNDO = 100


def _check_lines(value: Any, n_tr: int | None, what: str = "transcripts") -> list[str]:
    """``value`` as a list of str, of length ``n_tr`` when given; else InvalidParameterError."""
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        raise InvalidParameterError(
            f"{what} must be a list of str (one line per TR), got {type(value).__name__}."
        )
    lines = list(value)
    bad = [i for i, line in enumerate(lines) if not isinstance(line, str)]
    if bad:
        i = bad[0]
        raise InvalidParameterError(
            f"{what} must hold only str (use '' for a silent TR); item {i} is "
            f"{type(lines[i]).__name__} {lines[i]!r}."
        )
    if n_tr is not None and len(lines) != n_tr:
        raise InvalidParameterError(
            f"{what} has {len(lines)} lines but this editor has n_tr={n_tr} TRs; the count "
            "cannot change: edit lines in place (use '' for a TR without speech)."
        )
    return lines


def backup_path(path: str | os.PathLike) -> Path:
    """Where :meth:`TranscriptEditor.save` keeps the previous content of ``path``."""
    path = Path(path).expanduser()
    return path.with_name(path.name + ".bak")


def _atomic_write(out: Path, data: bytes, *, backup: bool) -> None:
    """Write ``data`` to ``out`` so that a crash leaves the old or the new file, never half."""
    out.parent.mkdir(parents=True, exist_ok=True)
    if backup and out.is_file():
        # Copied (through its own atomic rename), not moved: ``out`` never goes missing.
        _atomic_write(backup_path(out), out.read_bytes(), backup=False)
    fd, tmp = tempfile.mkstemp(suffix=out.suffix, dir=out.parent, prefix=".transcripts-")
    make_shareable(fd)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, out)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    _fsync_dir(out.parent)


def _fsync_dir(folder: Path) -> None:
    # Makes the rename itself durable; some file systems (and Windows) cannot open folders.
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


class _HybridMethod:
    """A method that receives the class when called on it and the instance otherwise."""

    def __init__(self, func):
        self.func = func
        self.__doc__ = func.__doc__

    def __get__(self, obj, cls):
        target = cls if obj is None else obj
        return self.func.__get__(target, cls)


class TranscriptEditor(BundledWidget):
    """Read and correct a movie's transcript, one editable line per TR.

    Each row shows the TR's start time ("m:ss.s") and its text; the current TR is
    highlighted and kept in view. Click a row to move the cursor (linked views follow);
    Up/Down move it, Enter edits the current row, Enter commits, Escape cancels;
    Ctrl+Z or the undo button reverts the last edit. The number of lines never changes:
    pasted newlines become spaces.

    Parameters
    ----------
    transcripts : sequence of str, length n_tr
        One line per TR ('' for a TR without speech); fixes ``n_tr``.
    tr : float
        Repetition time in seconds.
    cursor : int
        Initial TR index.
    link_id : str
        Views with the same non-empty ``link_id`` share one cursor in the browser.
    read_only : bool
        Show the transcript without allowing edits.

    Attributes
    ----------
    n_tr : int
        Number of TRs (lines); fixed at construction.
    original : list of str, length n_tr
        The lines given to the constructor.
    edited : list of int
        TR indices whose line differs from ``original``, ascending.
    """

    _bundle = "transcript_editor"

    # Items are checked by _valid_transcripts, whose message names the bad item.
    transcripts = traitlets.List().tag(sync=True)
    _original = traitlets.List(traitlets.Unicode()).tag(sync=True)
    tr = traitlets.Float(DEFAULT_TR).tag(sync=True)
    n_tr = traitlets.Int(0).tag(sync=True)
    cursor = traitlets.Int(0).tag(sync=True)
    link_id = traitlets.Unicode("").tag(sync=True)
    edited = traitlets.List(traitlets.Int()).tag(sync=True)
    read_only = traitlets.Bool(False).tag(sync=True)

    def __init__(
        self,
        transcripts: Sequence[str],
        *,
        tr: float = DEFAULT_TR,
        cursor: int = 0,
        link_id: str = "",
        read_only: bool = False,
    ) -> None:
        lines = _check_lines(transcripts, None)
        if not lines:
            raise InvalidParameterError(
                "transcripts is empty: the editor needs one line per TR (at least one TR)."
            )
        self._history: list[list[str]] = []
        self._ready = False
        super().__init__(
            n_tr=len(lines),
            _original=list(lines),
            transcripts=list(lines),
            tr=check_tr(tr),
            cursor=cursor,
            link_id=link_id,
            read_only=read_only,
        )
        self._ready = True
        # Construction is not an edit: nothing to undo yet.
        self._history.clear()

    @property
    def original(self) -> list[str]:
        """The constructor's lines (a copy: the original is never modified)."""
        return list(self._original)

    @property
    def can_undo(self) -> bool:
        """Whether :meth:`undo` has an earlier state to go back to."""
        return bool(self._history)

    @traitlets.validate("transcripts")
    @as_trait_error
    def _valid_transcripts(self, proposal: traitlets.Bunch) -> list[str]:
        return _check_lines(proposal["value"], self.n_tr)

    @traitlets.validate("n_tr")
    @as_trait_error
    def _valid_n_tr(self, proposal: traitlets.Bunch) -> int:
        if getattr(self, "_ready", False) and proposal["value"] != len(self.transcripts):
            raise InvalidParameterError(
                f"n_tr is fixed by the transcripts ({len(self.transcripts)} lines); "
                f"cannot set it to {proposal['value']!r}."
            )
        return proposal["value"]

    @traitlets.validate("tr")
    @as_trait_error
    def _valid_tr(self, proposal: traitlets.Bunch) -> float:
        return check_tr(proposal["value"])

    @traitlets.validate("cursor")
    @as_trait_error
    def _valid_cursor(self, proposal: traitlets.Bunch) -> int:
        value = proposal["value"]
        if not 0 <= value < max(self.n_tr, 1):
            raise InvalidParameterError(
                f"cursor {value} is outside the transcript's TRs 0..{self.n_tr - 1} "
                f"({self.n_tr} lines)."
            )
        return value

    @traitlets.validate("edited")
    def _valid_edited(self, proposal: traitlets.Bunch) -> list[int]:
        # Derived state: whatever is proposed (e.g. by the browser), it is recomputed.
        return self._diff()

    def _diff(self) -> list[int]:
        # Not strict: while a browser message is validated, a rejected list of the wrong
        # length may briefly be in place; its own validator reports it and rolls back.
        pairs = zip(self._original, self.transcripts, strict=False)
        return [i for i, (before, now) in enumerate(pairs) if before != now]

    @traitlets.observe("transcripts")
    def _on_transcripts(self, change: traitlets.Bunch) -> None:
        # At construction the old value is traitlets' Undefined, not a list.
        old = list(change["old"]) if isinstance(change["old"], list) else []
        new = list(change["new"])
        # Going back to the state before the last change is an undo (also when the browser
        # undoes), so the Python and browser stacks stay in step.
        if self._history and new == self._history[-1]:
            self._history.pop()
        elif old and old != new:
            self._history.append(old)
            del self._history[:-MAX_UNDO]
        self.edited = self._diff()

    def undo(self) -> bool:
        """Revert the last change of ``transcripts``.

        Returns
        -------
        bool
            True if a change was reverted, False if there was nothing to undo.
        """
        if not self._history:
            return False
        self.transcripts = list(self._history[-1])
        return True

    def save(self, path: str | os.PathLike) -> Path:
        """Write the transcripts to ``path``: JSON (``.json``) or TSV (``.tsv``).

        JSON holds ``{"tr", "n_tr", "transcripts"}``; TSV has the header
        ``tr_index onset offset text`` with TR times in seconds, and tabs, newlines and
        backslashes in the text written as ``\\t``, ``\\n``, ``\\\\``.

        Nothing is lost: the text goes to a temporary file in the same folder, is flushed to
        disk (fsync) and renamed over ``path`` in one step, so a crash or a full disk leaves
        either the old file or the new one, never half of one. When ``path`` already exists,
        its previous content is first kept as ``<path>.bak`` (e.g. ``edits.json.bak``), so
        one step back is always on disk. After a kernel restart, recover the last save with
        ``TranscriptEditor.load(path)`` (or ``editor.load(path)`` into an open editor).

        Returns
        -------
        Path
            The written file.

        Raises
        ------
        InvalidParameterError
            For an extension other than .json or .tsv.
        OSError
            When the folder cannot be written (the previous file is then left as it was).
        """
        out = Path(path).expanduser()
        text = format_transcripts(self.transcripts, self.tr, transcript_format(out))
        try:
            _atomic_write(out, text.encode("utf-8"), backup=True)
        except OSError as error:
            # The same OSError subclass (PermissionError, ...), with a message that names the
            # file the user gave rather than the temporary one.
            raise type(error)(
                f"cannot save transcripts to '{out}' ({error}); the previous file, if any, is "
                "unchanged. Choose a writable folder, or free disk space."
            ) from error
        return out

    @_HybridMethod
    def load(self_or_cls, path: str | os.PathLike, **kwargs: Any) -> TranscriptEditor:
        """Read transcripts saved by :meth:`save` (``.json`` or ``.tsv``, or its ``.bak``).

        This is how an editing session comes back after a kernel restart: the last
        :meth:`save` is on disk, complete (saves are atomic), with the save before it in
        ``<path>.bak``.

        On the class, ``TranscriptEditor.load(path, **kwargs)`` returns a new editor (TR
        from the file unless ``tr=`` is given). On an editor, ``editor.load(path)``
        replaces its lines (an undoable change; ``tr`` is kept) after checking that the
        file has exactly ``n_tr`` lines; on any error the editor is left unchanged.

        Returns
        -------
        TranscriptEditor
            The new editor, or the editor itself.
        """
        try:
            read = read_transcripts(path, error=InvalidParameterError)
            tr, lines = read.tr, read.lines
        except InvalidParameterError as error:
            backup = backup_path(path)
            if Path(path).suffix.lower() != ".bak" and backup.is_file():
                raise InvalidParameterError(
                    f"{error} The previous save is kept in '{backup}': load that file instead."
                ) from error
            raise
        if isinstance(self_or_cls, type):
            if tr is not None:
                kwargs.setdefault("tr", tr)
            return self_or_cls(lines, **kwargs)
        if kwargs:
            raise InvalidParameterError(
                f"editor.load(path) takes no options, got {sorted(kwargs)}; use "
                "TranscriptEditor.load(path, ...) for a new editor."
            )
        editor = self_or_cls
        if len(lines) != editor.n_tr:
            raise InvalidParameterError(
                f"'{Path(path)}' holds {len(lines)} transcripts but this editor has "
                f"n_tr={editor.n_tr}; nothing was changed."
            )
        editor.transcripts = lines
        return editor

    def __repr__(self) -> str:
        return (
            f"TranscriptEditor(n_tr={self.n_tr}, tr={self.tr}, cursor={self.cursor}, "
            f"edited={len(self.edited)}, link_id={self.link_id!r}, read_only={self.read_only})"
        )

    def _html_title(self) -> str:
        return "vibe-widgets: transcript"
