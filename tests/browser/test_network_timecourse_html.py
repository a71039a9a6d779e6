"""NetworkTimecourse in a static HTML export: draws, seeks, links, toggles and hovers offline."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from conftest import open_offline, seek_time
from playwright.sync_api import Browser, Page, expect

import vibe_widgets as vw
from vibe_widgets.widgets.network_timecourse import NetworkTimecourse

TR = 1.49

# Pixels of the canvas whose colour is within `tol` of (r, g, b): a network line's pixels.
COUNT_COLOR_JS = """
([r, g, b, tol]) => {
  const c = document.querySelector('.vw-tc-canvas');
  const px = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  let n = 0;
  for (let i = 0; i < px.length; i += 4) {
    if (px[i + 3] > 240 && Math.abs(px[i] - r) <= tol && Math.abs(px[i + 1] - g) <= tol
        && Math.abs(px[i + 2] - b) <= tol) n++;
  }
  return n;
}
"""

# True when the canvas differs from a blank canvas of the same size.
NOT_BLANK_JS = """
() => {
  const c = document.querySelector('.vw-tc-canvas');
  const blank = document.createElement('canvas');
  blank.width = c.width;
  blank.height = c.height;
  return c.toDataURL() !== blank.toDataURL();
}
"""


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    clip = vw.sample_clip()
    model = vw.get_encoding_model(vw.MODEL_ID, subject=1, model_variant="demo", device="cpu")
    responses = vw.encode(model, clip.transcripts, video_path=clip.video_path, show_progress=False)
    responses = responses.numpy()
    # A stand-in for an edited transcript: a smooth change the dashed lines and bands show.
    ramp = np.sin(np.linspace(0, np.pi, responses.shape[0], dtype=np.float32))[:, None]
    plot = NetworkTimecourse(
        responses,
        tr=clip.tr,
        compare=responses + 0.15 * ramp,
        parcels=[12],
        cursor=3,
        link_id="L",
    )
    player = vw.VideoPlayer(clip.video_path, link_id="L")
    return vw.export_html([plot, player], tmp_path_factory.mktemp("html") / "timecourse.html")


@pytest.fixture
def page(browser: Browser, exported: Path) -> Page:
    # devicePixelRatio 2: the canvas must draw at twice its CSS size to stay sharp.
    context = browser.new_context(device_scale_factor=2, viewport={"width": 900, "height": 900})
    offline = open_offline(
        context,
        exported,
        "document.querySelector('.vw-video')?.readyState >= 1 && "
        "document.querySelector('.vw-tc-canvas')?.dataset.plotWidth !== undefined",
    )
    page, blocked, errors = offline.page, offline.blocked, offline.errors
    yield page
    assert errors == []
    assert blocked == []
    context.close()


def tr_x(page: Page, tr: int) -> float:
    """Page x of TR `tr` on the plot, from the geometry the view reports on its canvas."""
    canvas = page.locator(".vw-tc-canvas")
    box = canvas.bounding_box()
    left = float(canvas.get_attribute("data-plot-left"))
    width = float(canvas.get_attribute("data-plot-width"))
    return box["x"] + left + tr / 29 * width


def plot_y(page: Page) -> float:
    box = page.locator(".vw-tc-canvas").bounding_box()
    return box["y"] + box["height"] / 2


def test_canvas_draws_at_device_resolution(page: Page, artifacts_dir: Path):
    assert page.evaluate(NOT_BLANK_JS)
    size = page.locator(".vw-tc-canvas").evaluate(
        "c => [c.width, c.height, c.clientWidth, c.clientHeight]"
    )
    assert size[0] == 2 * size[2]
    assert size[1] == 2 * size[3]
    root = page.locator(".vw-timecourse")
    # The view that renders first sets the link's cursor (the timecourse was exported at 3,
    # the player at 0); the other adopts it. Which one renders first is up to the page.
    page.wait_for_function(
        "document.querySelector('.vw-timecourse').dataset.cursor === "
        "document.querySelector('.vw-player').dataset.cursor"
    )
    assert root.get_attribute("data-cursor") in {"0", "3"}
    expect(page.locator(".vw-tc-item")).to_have_count(7)
    expect(page.locator(".vw-tc-parcel")).to_contain_text("7Networks_LH_Vis_13")
    page.mouse.move(tr_x(page, 12), plot_y(page))
    expect(page.locator(".vw-tc-tooltip")).to_be_visible()
    root.screenshot(path=str(artifacts_dir / "network_timecourse_html.png"))


def test_click_on_tr_20_seeks_the_linked_player(page: Page):
    page.mouse.click(tr_x(page, 20), plot_y(page))
    expect(page.locator(".vw-timecourse")).to_have_attribute("data-cursor", "20")
    expect(page.locator(".vw-player")).to_have_attribute("data-cursor", "20")
    page.wait_for_function(
        f"Math.abs(document.querySelector('.vw-video').currentTime - {seek_time(20)}) < 0.005"
    )


def test_dragging_moves_the_cursor_with_the_pointer(page: Page):
    page.mouse.move(tr_x(page, 5), plot_y(page))
    page.mouse.down()
    page.mouse.move(tr_x(page, 9), plot_y(page), steps=4)
    expect(page.locator(".vw-player")).to_have_attribute("data-cursor", "9")
    page.mouse.move(tr_x(page, 14), plot_y(page), steps=4)
    page.mouse.up()
    expect(page.locator(".vw-timecourse")).to_have_attribute("data-cursor", "14")
    expect(page.locator(".vw-player")).to_have_attribute("data-cursor", "14")


def test_scrubbing_the_player_moves_the_timecourse_cursor(page: Page):
    before = page.locator(".vw-tc-canvas").evaluate("c => c.toDataURL()")
    page.locator(".vw-scrub").fill("25")
    expect(page.locator(".vw-timecourse")).to_have_attribute("data-cursor", "25")
    # The cursor line was redrawn at its new place.
    page.wait_for_function(
        "before => document.querySelector('.vw-tc-canvas').toDataURL() !== before", arg=before
    )


def test_legend_toggle_hides_and_shows_a_network(page: Page):
    vis = [0x78, 0x12, 0x86, 12]
    assert page.evaluate(COUNT_COLOR_JS, vis) > 100
    item = page.locator(".vw-tc-item[data-network='Vis']")
    item.click()
    expect(page.locator(".vw-timecourse")).to_have_attribute("data-hidden", "Vis")
    expect(item).to_have_attribute("aria-pressed", "false")
    page.wait_for_function(f"({COUNT_COLOR_JS})({vis}) === 0")
    item.click()
    expect(page.locator(".vw-timecourse")).to_have_attribute("data-hidden", "")
    page.wait_for_function(f"({COUNT_COLOR_JS})({vis}) > 100")


def test_hover_shows_the_tr_time_and_values(page: Page):
    tooltip = page.locator(".vw-tc-tooltip")
    expect(tooltip).to_be_hidden()
    page.mouse.move(tr_x(page, 7), plot_y(page))
    expect(tooltip).to_be_visible()
    expect(tooltip).to_contain_text("TR 7 \u00b7 10.43 s")
    expect(tooltip).to_contain_text("Default:")
    expect(tooltip.locator(".vw-tc-tip-row")).to_have_count(8)  # 7 networks + 1 parcel
    page.locator(".vw-tc-item[data-network='Cont']").click()
    page.mouse.move(tr_x(page, 8), plot_y(page))
    expect(tooltip).to_contain_text("TR 8")
    expect(tooltip).not_to_contain_text("Cont:")
    page.mouse.move(5, 5)
    expect(tooltip).to_be_hidden()
