"""TranscriptEditor: validation, undo, edited rows, save/load and browser messages."""

from __future__ import annotations

import json
import os
import pickle
import re
from pathlib import Path

import pytest

import vibe_widgets
from vibe_widgets.errors import InvalidParameterError
from vibe_widgets.widgets.transcript_editor import MAX_UNDO, TranscriptEditor

TRICKY = [
    "tab\there",
    "two\nlines\r\nand CR\r",
    "emoji 👋🏽 ok",
    "שלום עולם (RTL)",
    "back\\slash \\t",
]


@pytest.fixture
def lines() -> list[str]:
    return list(vibe_widgets.sample_clip().transcripts)


@pytest.fixture
def editor(lines: list[str]) -> TranscriptEditor:
    return TranscriptEditor(lines, link_id="L")


def test_traits_come_from_the_transcripts(editor: TranscriptEditor, lines: list[str]):
    assert editor.n_tr == 30
    assert editor.transcripts == lines
    assert editor.original == lines
    assert editor.tr == 1.49
    assert (editor.cursor, editor.link_id, editor.edited, editor.read_only) == (0, "L", [], False)
    assert not editor.can_undo
    assert repr(editor) == (
        "TranscriptEditor(n_tr=30, tr=1.49, cursor=0, edited=0, link_id='L', read_only=False)"
    )
    assert not re.search(r"0x[0-9a-f]+", repr(editor))
    state = editor.get_state()
    assert state["transcripts"] == lines
    assert state["_original"] == lines
    assert state["n_tr"] == 30


def test_original_cannot_be_changed_through_the_property(editor: TranscriptEditor):
    editor.original[0] = "hacked"
    assert editor.original[0] == ""


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ("one string", "list of str"),
        (["ok", None], "item 1 is NoneType"),
        ([], "empty"),
    ],
)
def test_constructor_rejects_bad_transcripts(bad, message):
    with pytest.raises(InvalidParameterError, match=message):
        TranscriptEditor(bad)


def test_constructor_validates_tr_and_cursor(lines):
    with pytest.raises(InvalidParameterError, match="tr must be positive"):
        TranscriptEditor(lines, tr=0)
    with pytest.raises(InvalidParameterError, match="cursor 30 is outside"):
        TranscriptEditor(lines, cursor=30)
    assert TranscriptEditor(lines, cursor=29, tr=2.0, read_only=True).cursor == 29


def test_setting_transcripts_keeps_the_count(editor: TranscriptEditor, lines):
    with pytest.raises(InvalidParameterError, match="29 lines but this editor has n_tr=30"):
        editor.transcripts = lines[:-1]
    with pytest.raises(InvalidParameterError, match=r"31 lines .* n_tr=30"):
        editor.transcripts = [*lines, "extra"]
    with pytest.raises(InvalidParameterError, match="item 3 is int"):
        editor.transcripts = [*lines[:3], 7, *lines[4:]]
    assert editor.transcripts == lines
    with pytest.raises(InvalidParameterError, match="n_tr is fixed"):
        editor.n_tr = 31
    assert editor.n_tr == 30


def test_edited_lists_rows_that_differ_from_the_original(editor: TranscriptEditor, lines):
    changed = list(lines)
    changed[2], changed[7] = "new words", "more"
    editor.transcripts = changed
    assert editor.edited == [2, 7]
    # `edited` is derived: a wrong value proposed (e.g. by a browser) is recomputed.
    editor.edited = [0, 1]
    assert editor.edited == [2, 7]
    changed[2] = lines[2]
    editor.transcripts = list(changed)
    assert editor.edited == [7]
    assert editor.original == lines


def test_undo_reverts_changes_in_order(editor: TranscriptEditor, lines):
    assert editor.undo() is False
    first = [*lines[:1], "first", *lines[2:]]
    second = [*lines[:1], "first", "second", *lines[3:]]
    editor.transcripts = first
    editor.transcripts = second
    assert editor.undo() is True
    assert editor.transcripts == first
    assert editor.undo() is True
    assert editor.transcripts == lines
    assert editor.edited == []
    assert editor.undo() is False
    assert editor.transcripts == lines


def test_undo_stack_keeps_the_last_hundred_states(editor: TranscriptEditor, lines):
    for k in range(MAX_UNDO + 20):
        editor.transcripts = [f"v{k}", *lines[1:]]
    undone = 0
    while editor.undo():
        undone += 1
    assert undone == MAX_UNDO == 100
    # The oldest states (the original and v0..v18) fell off the stack.
    assert editor.transcripts[0] == "v19"


def test_browser_message_updates_transcripts_and_edited(editor: TranscriptEditor, lines):
    changed = [*lines[:4], "typed in the browser", *lines[5:]]
    msg = {
        "content": {
            "data": {
                "method": "update",
                "state": {"transcripts": changed, "edited": [4], "cursor": 4},
                "buffer_paths": [],
            }
        },
        "buffers": [],
    }
    editor._handle_msg(msg)
    assert editor.transcripts == changed
    assert editor.edited == [4]
    assert editor.cursor == 4
    # A browser edit is undoable from Python too.
    assert editor.undo()
    assert editor.transcripts == lines


def test_browser_undo_pops_the_python_stack(editor: TranscriptEditor, lines):
    changed = [*lines[:4], "x", *lines[5:]]
    editor.transcripts = changed
    # The browser's undo sends the previous list back: that is an undo, not a new change.
    editor._handle_msg(
        {
            "content": {
                "data": {"method": "update", "state": {"transcripts": lines}, "buffer_paths": []}
            },
            "buffers": [],
        }
    )
    assert editor.transcripts == lines
    assert editor.edited == []
    assert editor.cursor == 0
    assert not editor.can_undo


def test_browser_message_with_wrong_count_is_rejected(
    editor: TranscriptEditor, lines, caplog: pytest.LogCaptureFixture
):
    msg = {
        "content": {
            "data": {
                "method": "update",
                "state": {"edited": [30], "transcripts": [*lines, "extra row"], "cursor": 5},
                "buffer_paths": [],
            }
        },
        "buffers": [],
    }
    # ipywidgets logs (does not raise) errors from front-end messages.
    editor._handle_msg(msg)
    assert "31 lines but this editor has n_tr=30" in caplog.text
    assert editor.transcripts == lines
    assert editor.edited == []
    assert editor.cursor == 0
    assert not editor.can_undo


@pytest.mark.parametrize("suffix", [".json", ".tsv"])
def test_save_load_round_trip(tmp_path: Path, lines, suffix):
    text = list(lines)
    text[1 : 1 + len(TRICKY)] = TRICKY
    editor = TranscriptEditor(text, tr=2.0)
    path = editor.save(tmp_path / f"t{suffix}")
    assert path == tmp_path / f"t{suffix}"
    loaded = TranscriptEditor.load(path)
    assert loaded.transcripts == text
    assert loaded.tr == 2.0
    assert loaded.n_tr == 30
    # The instance form replaces the lines of an existing editor (undoably).
    target = TranscriptEditor(lines)
    assert target.load(path) is target
    assert target.transcripts == text
    assert target.edited == [1, 2, 3, 4, 5]
    assert target.undo()
    assert target.transcripts == lines


def test_json_layout(tmp_path: Path, lines):
    data = json.loads(TranscriptEditor(lines).save(tmp_path / "t.json").read_text("utf-8"))
    assert data == {"tr": 1.49, "n_tr": 30, "transcripts": lines}


def test_tsv_layout_has_tr_times_and_one_line_per_tr(tmp_path: Path, lines):
    text = [*TRICKY, *lines[len(TRICKY) :]]
    raw = TranscriptEditor(text).save(tmp_path / "t.tsv").read_text("utf-8")
    rows = raw.split("\n")
    assert rows[0] == "tr_index\tonset\toffset\ttext"
    assert rows[-1] == ""
    assert len(rows) == 32
    assert all(len(row.split("\t")) == 4 for row in rows[1:-1])
    assert rows[1] == "0\t0.0\t1.49\ttab\\there"
    assert rows[2] == "1\t1.49\t2.98\ttwo\\nlines\\r\\nand CR\\r"
    assert rows[4].split("\t")[:3] == ["3", "4.47", "5.96"]


def test_load_with_wrong_count_leaves_the_editor_unchanged(tmp_path: Path, lines):
    short = TranscriptEditor(lines[:20])
    json_path, tsv_path = short.save(tmp_path / "s.json"), short.save(tmp_path / "s.tsv")
    editor = TranscriptEditor(lines)
    editor.transcripts = ["changed", *lines[1:]]
    before = list(editor.transcripts)
    for path in (json_path, tsv_path):
        with pytest.raises(InvalidParameterError, match=r"s\.\w+' holds 20 .* n_tr=30"):
            editor.load(path)
        assert editor.transcripts == before
        assert editor.edited == [0]
    assert editor.undo()
    assert editor.transcripts == lines


def test_load_rejects_bad_files(tmp_path: Path, lines):
    editor = TranscriptEditor(lines)
    bad_json = tmp_path / "bad.json"
    bad_json.write_text('{"tr": 1.49, "n_tr": 31, "transcripts": ["a"]}')
    with pytest.raises(InvalidParameterError, match="n_tr=31 but holds 1"):
        TranscriptEditor.load(bad_json)
    bad_tsv = tmp_path / "bad.tsv"
    bad_tsv.write_text("tr_index\tonset\toffset\ttext\n0\t0\t1.49\ta\n2\t2.98\t4.47\tb\n")
    with pytest.raises(InvalidParameterError, match="tr_index 2, expected 1"):
        editor.load(bad_tsv)
    no_header = tmp_path / "plain.tsv"
    no_header.write_text("hello\n")
    with pytest.raises(InvalidParameterError, match="header"):
        editor.load(no_header)
    with pytest.raises(InvalidParameterError, match=r"'\.txt'"):
        editor.load(tmp_path / "t.txt")
    with pytest.raises(InvalidParameterError, match="cannot read"):
        editor.load(tmp_path / "missing.json")
    assert editor.transcripts == lines


def test_save_is_atomic(tmp_path: Path, lines, monkeypatch: pytest.MonkeyPatch):
    path = tmp_path / "t.json"
    TranscriptEditor(lines).save(path)
    good = path.read_bytes()

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    editor = TranscriptEditor(["completely", "different"] + [""] * 28)
    with pytest.raises(OSError, match="disk full"):
        editor.save(path)
    assert path.read_bytes() == good
    # No temporary file is left behind.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.json"]


def test_save_rejects_unknown_extension(tmp_path: Path, lines):
    with pytest.raises(InvalidParameterError, match=r"\.json or \.tsv"):
        TranscriptEditor(lines).save(tmp_path / "t.csv")
    assert list(tmp_path.iterdir()) == []


def test_errors_read_and_pickle_as_invalid_parameter_error(editor: TranscriptEditor):
    with pytest.raises(InvalidParameterError) as info:
        editor.cursor = 30
    assert type(info.value).__name__ == "InvalidParameterError"
    assert type(info.value).__module__ == "vibe_widgets.errors"
    again = pickle.loads(pickle.dumps(info.value))
    assert type(again) is InvalidParameterError
    assert str(again) == str(info.value)


def test_saved_transcripts_get_the_usual_file_mode(tmp_path):
    editor = TranscriptEditor(["a", "b"])
    old = os.umask(0o022)
    try:
        path = editor.save(tmp_path / "lines.json")
    finally:
        os.umask(old)
    assert path.stat().st_mode & 0o777 == 0o644
