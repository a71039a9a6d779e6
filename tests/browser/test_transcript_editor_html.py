"""TranscriptEditor in a static HTML export: rows, editing, undo and a linked VideoPlayer."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import open_offline, seek_time
from playwright.sync_api import BrowserContext, Page, expect

import vibe_widgets as vw
from vibe_widgets.widgets.transcript_editor import TranscriptEditor

TR = 1.49
XSS_ROW = 3
CURRENT = re.compile(r"\bvw-current\b")
EDITED = re.compile(r"\bvw-edited\b")
XSS = '<img src=x onerror="window.__xss=1">'


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    clip = vw.sample_clip()
    lines = list(clip.transcripts)
    lines[XSS_ROW] = XSS
    editor = TranscriptEditor(lines, tr=clip.tr, link_id="L")
    player = vw.VideoPlayer(clip.video_path, link_id="L")
    return vw.export_html([editor, player], tmp_path_factory.mktemp("html") / "editor.html")


@pytest.fixture
def page(context: BrowserContext, exported: Path) -> Page:
    offline = open_offline(
        context,
        exported,
        "document.querySelectorAll('.vw-transcript .vw-row').length === 30 && "
        "document.querySelector('.vw-video') && "
        "document.querySelector('.vw-video').readyState >= 1",
    )
    page, blocked, errors = offline.page, offline.blocked, offline.errors
    yield page
    assert errors == []
    assert blocked == []


def row(page: Page, index: int):
    return page.locator(f".vw-row[data-index='{index}']")


def test_rows_render_with_times_and_the_current_row(page: Page, artifacts_dir: Path):
    rows = page.locator(".vw-transcript .vw-row")
    expect(rows).to_have_count(30)
    clip = vw.sample_clip()
    expect(row(page, 1).locator(".vw-text")).to_have_text(clip.transcripts[1])
    expect(row(page, 1).locator(".vw-time")).to_have_text("0:01.5")
    expect(row(page, 29).locator(".vw-time")).to_have_text("0:43.2")
    expect(row(page, 0)).to_have_class(CURRENT)
    expect(page.locator(".vw-transcript-status")).to_have_text("30 TRs · TR 0 · 0 edited")
    expect(page.locator(".vw-undo")).to_be_disabled()
    # Move somewhere in the middle and edit a row so the screenshot shows every state.
    row(page, 5).click()
    page.keyboard.press("Enter")
    page.keyboard.type("toward the tall green trees")
    page.keyboard.press("Enter")
    page.keyboard.press("ArrowDown")
    page.locator(".vw-transcript").screenshot(
        path=str(artifacts_dir / "transcript_editor_html.png")
    )


def test_text_is_shown_as_text_never_as_html(page: Page):
    expect(row(page, XSS_ROW).locator(".vw-text")).to_have_text(XSS)
    assert page.locator(".vw-transcript img").count() == 0
    page.wait_for_timeout(200)
    assert page.evaluate("window.__xss") is None


def test_clicking_a_row_seeks_the_linked_player(page: Page):
    row(page, 7).click()
    expect(row(page, 7)).to_have_class(CURRENT)
    expect(page.locator(".vw-player")).to_have_attribute("data-cursor", "7")
    page.wait_for_function(
        f"Math.abs(document.querySelector('.vw-video').currentTime - {seek_time(7)}) < 0.005"
    )
    assert page.locator(".vw-video").evaluate("v => v.currentTime") == pytest.approx(
        seek_time(7), abs=0.005
    )
    assert page.locator(".vw-row.vw-current").count() == 1


def test_scrubbing_the_player_highlights_and_shows_the_row(page: Page):
    page.locator(".vw-scrub").fill("25")
    expect(row(page, 25)).to_have_class(CURRENT)
    expect(page.locator(".vw-transcript")).to_have_attribute("data-cursor", "25")
    assert page.locator(".vw-row.vw-current").count() == 1
    # Kept in view: the row lies inside the scrolled list's visible box.
    inside = page.evaluate(
        """() => {
        const list = document.querySelector('.vw-rows').getBoundingClientRect();
        const r = document.querySelector('.vw-row[data-index="25"]').getBoundingClientRect();
        return r.top >= list.top - 1 && r.bottom <= list.bottom + 1;
        }"""
    )
    assert inside


def test_arrow_keys_move_the_cursor_and_the_player(page: Page):
    row(page, 2).click()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowUp")
    expect(row(page, 3)).to_have_class(CURRENT)
    expect(page.locator(".vw-player")).to_have_attribute("data-cursor", "3")


def test_enter_type_enter_commits_an_edit(page: Page):
    row(page, 10).click()
    page.keyboard.press("Enter")
    edit = page.locator(".vw-edit")
    expect(edit).to_be_focused()
    page.keyboard.type("a corrected line")
    page.keyboard.press("Enter")
    expect(edit).to_have_count(0)
    # The rows are rebuilt from the model after the commit, so this text came from the model.
    expect(row(page, 10).locator(".vw-text")).to_have_text("a corrected line")
    expect(row(page, 10)).to_have_class(EDITED)
    expect(row(page, 10).locator(".vw-mark")).to_have_text("●")
    expect(page.locator(".vw-transcript-status")).to_contain_text("1 edited")
    expect(page.locator(".vw-transcript .vw-row")).to_have_count(30)


def test_escape_cancels_an_edit(page: Page):
    before = row(page, 12).locator(".vw-text").text_content()
    row(page, 12).click()
    page.keyboard.press("Enter")
    page.keyboard.type("thrown away")
    page.keyboard.press("Escape")
    expect(page.locator(".vw-edit")).to_have_count(0)
    expect(row(page, 12).locator(".vw-text")).to_have_text(before)
    expect(page.locator(".vw-transcript-status")).to_contain_text("0 edited")
    expect(page.locator(".vw-transcript")).to_be_focused()


def test_pasted_newlines_become_spaces(page: Page):
    row(page, 4).click()
    page.keyboard.press("Enter")
    page.locator(".vw-edit").evaluate(
        """input => {
        const data = new DataTransfer();
        data.setData('text/plain', 'one\\ntwo\\r\\nthree');
        const init = { clipboardData: data, bubbles: true, cancelable: true };
        input.dispatchEvent(new ClipboardEvent('paste', init));
        }"""
    )
    page.keyboard.press("Enter")
    expect(row(page, 4).locator(".vw-text")).to_have_text("one two three")
    expect(page.locator(".vw-transcript .vw-row")).to_have_count(30)


def test_undo_button_and_ctrl_z_restore_the_text(page: Page):
    original = row(page, 8).locator(".vw-text").text_content()
    row(page, 8).click()
    for text in ("first", "second"):
        page.keyboard.press("Enter")
        page.keyboard.press("Control+A")
        page.keyboard.type(text)
        page.keyboard.press("Enter")
    expect(row(page, 8).locator(".vw-text")).to_have_text("second")
    page.locator(".vw-undo").click()
    expect(row(page, 8).locator(".vw-text")).to_have_text("first")
    page.locator(".vw-transcript").focus()
    page.keyboard.press("Control+z")
    expect(row(page, 8).locator(".vw-text")).to_have_text(original)
    expect(row(page, 8)).not_to_have_class(EDITED)
    expect(page.locator(".vw-undo")).to_be_disabled()
    expect(page.locator(".vw-transcript-status")).to_contain_text("0 edited")


def test_read_only_editor_moves_but_does_not_edit(context: BrowserContext, tmp_path: Path):
    lines = list(vw.sample_clip().transcripts)
    path = TranscriptEditor(lines, read_only=True).to_html(tmp_path / "read_only.html")
    page = context.new_page()
    page.goto(path.as_uri())
    page.wait_for_function("document.querySelectorAll('.vw-row').length === 30", timeout=30_000)
    row(page, 2).click()
    page.keyboard.press("Enter")
    page.keyboard.press("ArrowDown")
    expect(page.locator(".vw-edit")).to_have_count(0)
    expect(row(page, 3)).to_have_class(CURRENT)
    expect(row(page, 2).locator(".vw-text")).to_have_text(lines[2])
    expect(page.locator(".vw-undo")).to_be_disabled()
    expect(page.locator(".vw-transcript-hint")).to_contain_text("Read only")


def test_an_open_edit_survives_the_linked_player_moving(page: Page):
    row(page, 5).click()
    page.keyboard.press("Enter")
    page.keyboard.type("still typing")
    # Moved without taking the focus, as the linked video does while it plays.
    page.locator(".vw-scrub").evaluate(
        "s => { s.value = '20'; s.dispatchEvent(new Event('input')); }"
    )
    expect(row(page, 20)).to_have_class(CURRENT)
    edit = page.locator(".vw-edit")
    expect(edit).to_have_value("still typing")
    edit.press("Enter")
    expect(row(page, 5).locator(".vw-text")).to_have_text("still typing")
    expect(row(page, 20).locator(".vw-text")).to_have_text(vw.sample_clip().transcripts[20])
