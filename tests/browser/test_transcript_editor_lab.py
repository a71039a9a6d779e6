"""TranscriptEditor in a real JupyterLab: edits reach the kernel and kernel changes re-render."""

from __future__ import annotations

import re

import pytest
from conftest import KERNEL_EXEC_JS, open_lab_notebook, wait_kernel
from conftest import kernel_run as kernel
from playwright.sync_api import Page, expect

EDITED = re.compile(r"\bvw-edited\b")


def row_text(page: Page, index: int):
    return page.locator(f".vw-row[data-index='{index}'] .vw-text")


@pytest.fixture(scope="module")
def lab_page(lab_server, browser) -> Page:
    context, page = open_lab_notebook(
        lab_server,
        browser,
        "editor.ipynb",
        [
            "import vibe_widgets as vw\n"
            "from vibe_widgets.widgets.transcript_editor import TranscriptEditor\n"
            "t = TranscriptEditor(vw.sample_clip().transcripts)\nt"
        ],
        ".vw-row",
    )
    yield page
    context.close()


def test_a_browser_edit_reaches_the_kernel(lab_page: Page):
    lab_page.locator(".vw-row[data-index='6']").click()
    lab_page.keyboard.press("Enter")
    lab_page.keyboard.type("edited in the browser")
    lab_page.keyboard.press("Enter")
    wait_kernel(
        lab_page, "print(t.transcripts[6], t.edited, t.cursor)", "edited in the browser [6] 6"
    )


def test_setting_transcripts_in_the_kernel_rerenders(lab_page: Page):
    kernel(lab_page, "x = list(t.transcripts); x[9] = 'set from <b>Python</b>'; t.transcripts = x")
    expect(row_text(lab_page, 9)).to_have_text("set from <b>Python</b>")
    expect(lab_page.locator(".vw-row[data-index='9']")).to_have_class(EDITED)
    expect(lab_page.locator(".vw-row")).to_have_count(30)
    # A wrong count is refused in Python and the view keeps its 30 rows.
    out = lab_page.evaluate(KERNEL_EXEC_JS, "t.transcripts = ['only one']")
    assert "InvalidParameterError" in out
    assert "1 lines but this editor has n_tr=30" in out
    expect(lab_page.locator(".vw-row")).to_have_count(30)


def test_undo_in_python_and_in_the_browser_stay_in_step(lab_page: Page):
    kernel(lab_page, "assert t.undo()")
    expect(row_text(lab_page, 9)).not_to_have_text("set from <b>Python</b>")
    # The browser's undo now reverts the browser edit of row 6, in the kernel too.
    lab_page.locator(".vw-undo").click()
    wait_kernel(lab_page, "print(t.edited, t.can_undo)", "[] False")
    expect(lab_page.locator(".vw-undo")).to_be_disabled()
