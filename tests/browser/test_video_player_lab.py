"""VideoPlayer in a real JupyterLab, driven by Debian chromium."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import KERNEL_EXEC_JS, open_lab_notebook, seek_time
from conftest import kernel_run as kernel
from playwright.sync_api import Page, expect

TR = 1.49


def video_time(page: Page) -> float:
    return page.evaluate("document.querySelector('.vw-video').currentTime")


@pytest.fixture(scope="module")
def lab_page(lab_server, browser) -> Page:
    context, page = open_lab_notebook(
        lab_server,
        browser,
        "player.ipynb",
        [
            "import vibe_widgets as vw\np = vw.VideoPlayer(vw.sample_clip().video_path)\np",
            "p2 = vw.VideoPlayer(vw.sample_clip().video_path)\np2",
        ],
        ".vw-video",
    )
    page.wait_for_function(
        "[...document.querySelectorAll('.vw-video')].length === 2 && "
        "[...document.querySelectorAll('.vw-video')].every(v => v.readyState >= 2)",
        timeout=30_000,
    )
    yield page
    context.close()


def test_player_renders_the_sample_clip(lab_page: Page, artifacts_dir: Path):
    duration = lab_page.evaluate("document.querySelector('.vw-video').duration")
    assert duration == pytest.approx(45.25, abs=0.1)
    expect(lab_page.locator(".vw-readout").first).to_contain_text("TR 0 of 0\u201329")
    lab_page.locator(".vw-player").first.screenshot(
        path=str(artifacts_dir / "video_player_lab.png")
    )


def test_scrubbing_in_the_browser_moves_the_kernel_cursor(lab_page: Page):
    slider = lab_page.locator(".vw-scrub").first
    slider.fill("17")
    lab_page.wait_for_function("document.querySelector('.vw-player').dataset.cursor === '17'")
    assert video_time(lab_page) == pytest.approx(17 * TR, abs=0.01)
    lab_page.wait_for_function(
        "async () => (await (" + KERNEL_EXEC_JS + ")('print(p.cursor)')).trim() === '17'",
        timeout=10_000,
    )


def test_setting_the_cursor_in_the_kernel_seeks_the_video(lab_page: Page):
    kernel(lab_page, "p.cursor = 25")
    lab_page.wait_for_function(
        f"Math.abs(document.querySelector('.vw-video').currentTime - {seek_time(25)}) < 0.005",
        timeout=10_000,
    )
    expect(lab_page.locator(".vw-readout").first).to_contain_text("TR 25 of")


def test_playing_advances_the_cursor_in_the_kernel(lab_page: Page):
    kernel(lab_page, "p.cursor = 2")
    lab_page.wait_for_function(f"document.querySelector('.vw-video').currentTime < {3 * TR}")
    kernel(lab_page, "p.playing = True")
    # 3.5 s of playback from TR 2 reaches TR 4: the kernel must see it without any help.
    lab_page.wait_for_function(
        "async () => Number((await (" + KERNEL_EXEC_JS + ")('print(p.cursor)')).trim()) >= 4",
        timeout=15_000,
        polling=250,
    )
    kernel(lab_page, "p.playing = False")
    lab_page.wait_for_function("document.querySelector('.vw-video').paused")
    assert kernel(lab_page, "print(p.playing)") == "False"


def test_views_link_and_unlink_from_python(lab_page: Page):
    players = lab_page.locator(".vw-player")
    kernel(lab_page, "p.cursor = 3\np2.cursor = 9")
    kernel(lab_page, "link_id = vw.link(p, p2)")
    lab_page.locator(".vw-scrub").first.fill("14")
    expect(players.nth(1)).to_have_attribute("data-cursor", "14")
    lab_page.wait_for_function(
        "async () => (await (" + KERNEL_EXEC_JS + ")('print(p2.cursor)')).trim() === '14'",
        timeout=10_000,
    )
    kernel(lab_page, "vw.unlink(p2)")
    lab_page.locator(".vw-scrub").first.fill("21")
    expect(players.first).to_have_attribute("data-cursor", "21")
    lab_page.wait_for_timeout(500)
    expect(players.nth(1)).to_have_attribute("data-cursor", "14")
