"""The Explorer in a real JupyterLab: linked scrubbing, seeking, live re-encode after an edit."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import kernel_run, open_lab_notebook, seek_time, wait_kernel
from playwright.sync_api import Page, expect

TR = 1.49

SETUP = (
    "import vibe_widgets as vw\n"
    "clip = vw.sample_clip()\n"
    "model = vw.get_encoding_model(vw.MODEL_ID, subject=1, model_variant='demo', device='cpu')\n"
    "ex = vw.Explorer(model, clip.video_path, clip.transcripts, show_progress=False)\n"
    "ex"
)


@pytest.fixture(scope="module")
def lab_page(lab_server, browser) -> Page:
    context, page = open_lab_notebook(
        lab_server, browser, "explorer.ipynb", [SETUP], ".vw-video", viewport=(1400, 1400),
        timeout=120_000,
    )  # fmt: skip
    page.wait_for_function(
        "document.querySelector('.vw-video').readyState >= 2"
        " && document.querySelectorAll('.vw-row').length === 30"
        " && document.querySelectorAll('canvas').length >= 2",
        timeout=30_000,
    )
    yield page
    context.close()


def test_scrubbing_the_video_moves_every_view_and_the_kernel(lab_page: Page):
    lab_page.locator(".vw-scrub").fill("11")
    lab_page.wait_for_function(
        "[...document.querySelectorAll('[data-cursor]')].length >= 4 && "
        "[...document.querySelectorAll('[data-cursor]')].every(e => e.dataset.cursor === '11')"
    )
    expect(lab_page.locator(".vw-row[data-index='11']")).to_have_class(
        re.compile(r"\bvw-current\b")
    )
    wait_kernel(
        lab_page,
        "print(ex.player.cursor, ex.editor.cursor, ex.brain.cursor, ex.timecourse.cursor)",
        "11 11 11 11",
    )


def test_clicking_a_transcript_row_seeks_the_video(lab_page: Page):
    lab_page.locator(".vw-row[data-index='20']").click()
    lab_page.wait_for_function("document.querySelector('.vw-player').dataset.cursor === '20'")
    current = lab_page.evaluate("document.querySelector('.vw-video').currentTime")
    assert current == pytest.approx(seek_time(20), abs=0.005)


def test_an_edit_in_the_browser_reencodes_and_the_timecourse_changes(
    lab_page: Page, artifacts_dir: Path
):
    updates = lab_page.evaluate(
        "[...document.querySelectorAll('[data-data-updates]')].map(e => +e.dataset.dataUpdates)"
    )
    assert len(updates) == 2  # the glass brain and the timecourse
    before = kernel_run(lab_page, "print(ex.responses[5, :3].tolist())")
    expect(lab_page.locator(".vw-tc-note")).to_have_count(0)
    lab_page.locator(".vw-row[data-index='5']").click()
    lab_page.keyboard.press("Enter")
    lab_page.keyboard.type("Thunder and lightning over the burning city")
    lab_page.keyboard.press("Enter")
    # The kernel re-encodes (after the debounce) and sends new responses to both views.
    expect(lab_page.locator(".vw-tc-note")).to_have_count(1, timeout=30_000)
    lab_page.wait_for_function(
        "(before) => { const now = [...document.querySelectorAll('[data-data-updates]')]"
        ".map(e => +e.dataset.dataUpdates); return now.length === 2 && "
        "now.every((n, i) => n > before[i]); }",
        arg=updates,
    )
    assert kernel_run(lab_page, "print(ex.transcripts[5])") == (
        "Thunder and lightning over the burning city"
    )
    assert kernel_run(lab_page, "print(ex.status.value.startswith('re-encoded'))") == "True"
    assert kernel_run(lab_page, "print(ex.responses[5, :3].tolist())") != before
    assert kernel_run(lab_page, "print(ex.timecourse.compare is not None)") == "True"
    lab_page.screenshot(path=str(artifacts_dir / "explorer_lab_after_edit.png"), full_page=True)
