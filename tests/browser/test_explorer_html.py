"""The Explorer exported to offline HTML: all four views render and follow one cursor."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import open_offline, seek_time
from playwright.sync_api import BrowserContext, Page, expect

import vibe_widgets as vw
from vibe_widgets.widgets.explorer import Explorer

TR = 1.49


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    clip = vw.sample_clip()
    model = vw.get_encoding_model(vw.MODEL_ID, subject=1, model_variant="demo", device="cpu")
    explorer = Explorer(model, clip.video_path, clip.transcripts, show_progress=False)
    return explorer.to_html(tmp_path_factory.mktemp("explorer") / "explorer.html")


@pytest.fixture
def page(context: BrowserContext, exported: Path) -> Page:
    offline = open_offline(
        context,
        exported,
        "document.querySelector('.vw-video') && document.querySelector('.vw-video').readyState >= 1"
        " && document.querySelectorAll('canvas').length >= 2",
    )
    offline.page.set_viewport_size({"width": 1400, "height": 1300})
    return offline.page


def test_scrubbing_the_video_moves_every_view(page: Page, artifacts_dir: Path):
    page.locator(".vw-scrub").fill("12")
    for selector in (".vw-player", "[data-cursor]"):
        expect(page.locator(selector).first).to_have_attribute("data-cursor", "12")
    cursors = page.evaluate(
        "[...document.querySelectorAll('[data-cursor]')].map(e => e.dataset.cursor)"
    )
    assert len(cursors) >= 4
    assert set(cursors) == {"12"}
    expect(page.get_by_text("Model: demo: fitted to simulated responses")).to_be_visible()
    # The seek has finished and its frame is decoded, so the picture shows TR 12, not the
    # frame from before the seek (the screenshot once showed TR 0 at TR 12).
    page.wait_for_function(
        "t => { const v = document.querySelector('.vw-video');"
        " return !v.seeking && v.readyState >= 2 && Math.abs(v.currentTime - t) < 0.005; }",
        arg=seek_time(12),
    )
    page.screenshot(path=str(artifacts_dir / "explorer_html.png"), full_page=True)
