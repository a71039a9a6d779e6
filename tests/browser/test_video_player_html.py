"""VideoPlayer in a static HTML export: renders, plays and links from file:// with no network."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import open_offline, seek_time
from playwright.sync_api import BrowserContext, Page, expect

import vibe_widgets as vw

TR = 1.49


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    clip = vw.sample_clip()
    # Two players on one link id: scrubbing either must move the other, in the browser alone.
    first = vw.VideoPlayer(clip.video_path, cursor=4, link_id="shared")
    second = vw.VideoPlayer(clip.video_path, link_id="shared")
    return vw.export_html([first, second], tmp_path_factory.mktemp("html") / "players.html")


@pytest.fixture
def offline_page(context: BrowserContext, exported: Path) -> tuple[Page, list[str]]:
    offline = open_offline(
        context,
        exported,
        "document.querySelectorAll('.vw-video').length === 2 && "
        "[...document.querySelectorAll('.vw-video')].every(v => v.readyState >= 1)",
    )
    page, blocked, errors = offline.page, offline.blocked, offline.errors
    yield page, blocked
    assert errors == []


def test_export_renders_offline_with_no_network_request(offline_page, artifacts_dir: Path):
    page, blocked = offline_page
    assert blocked == []
    videos = page.locator(".vw-video")
    assert videos.nth(0).evaluate("v => v.duration") == pytest.approx(45.25, abs=0.1)
    # The exported state keeps the cursor the kernel had.
    expect(page.locator(".vw-readout").nth(0)).to_contain_text("TR 4 of")
    page.locator(".vw-player").nth(0).screenshot(path=str(artifacts_dir / "video_player_html.png"))


def test_scrubbing_one_player_moves_its_linked_twin(offline_page):
    page, _ = offline_page
    page.locator(".vw-scrub").nth(0).fill("20")
    page.wait_for_function(
        "[...document.querySelectorAll('.vw-player')].every(p => p.dataset.cursor === '20')"
    )
    second_time = page.locator(".vw-video").nth(1).evaluate("v => v.currentTime")
    assert second_time == pytest.approx(seek_time(20), abs=0.005)


def test_playing_moves_the_cursor_without_a_kernel(offline_page):
    page, _ = offline_page
    page.locator(".vw-next").nth(1).click()  # TR 4 -> 5 on the second player (linked: both)
    page.wait_for_function("document.querySelectorAll('.vw-player')[0].dataset.cursor === '5'")
    page.locator(".vw-video").nth(0).evaluate("v => v.play()")
    page.wait_for_function(
        "Number(document.querySelectorAll('.vw-player')[0].dataset.cursor) >= 6", timeout=10_000
    )
    page.locator(".vw-video").nth(0).evaluate("v => v.pause()")


def test_keyboard_steps_one_tr(offline_page):
    page, _ = offline_page
    player = page.locator(".vw-player").nth(0)
    player.focus()
    start = int(player.get_attribute("data-cursor"))
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowLeft")
    expect(player).to_have_attribute("data-cursor", str(start + 1))
