"""GlassBrain in a static HTML export: draws, follows a linked player, hovers, selects, filters."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from conftest import open_offline
from playwright.sync_api import BrowserContext, Page, expect

import vibe_widgets as vw
from vibe_widgets.engine.atlas import NETWORKS, load_atlas
from vibe_widgets.widgets._brain_outlines import outlines_json
from vibe_widgets.widgets.glass_brain import GlassBrain, auto_vmax, cold_hot_cmap

HEIGHT = 260  # the canvas height in js/glass_brain.js
DPR = 2


@pytest.fixture(scope="module")
def responses() -> np.ndarray:
    # Deterministic and different at every TR, so a new TR must repaint the dots.
    rng = np.random.default_rng(0)
    return rng.normal(size=(30, 1000)).astype(np.float32)


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory, responses: np.ndarray) -> Path:
    clip = vw.sample_clip()
    player = vw.VideoPlayer(clip.video_path, link_id="L")
    brain = GlassBrain(responses, tr=clip.tr, link_id="L")
    return vw.export_html([player, brain], tmp_path_factory.mktemp("html") / "brain.html")


@pytest.fixture(scope="module")
def browser_context_args(browser_context_args: dict) -> dict:
    # A HiDPI screen: the canvas must draw at device resolution.
    return {
        **browser_context_args,
        "device_scale_factor": DPR,
        "viewport": {"width": 1100, "height": 900},
    }


@pytest.fixture
def page(context: BrowserContext, exported: Path) -> Page:
    offline = open_offline(
        context,
        exported,
        "(() => { const r = document.querySelector('.vw-glass-brain');"
        " return r && r.dataset.paintedCursor === '0'; })()",
    )
    page, blocked, errors = offline.page, offline.blocked, offline.errors
    yield page
    assert errors == []
    assert blocked == []


def _isolated_parcel(view_axes: tuple[int, int]) -> int:
    """The parcel whose dot is farthest from every other dot in one projection."""
    pts = load_atlas().centroids[:, list(view_axes)]
    dist = np.linalg.norm(pts[:, None] - pts[None], axis=-1)
    np.fill_diagonal(dist, np.inf)
    return int(np.argmax(dist.min(axis=1)))


def _pixel(page: Page, parcel: int) -> tuple[float, float]:
    """Where the axial dot of a parcel should be, in CSS px from the canvas corner.

    Recomputes the layout of js/lib/brain_logic.js (layoutPanels, gap 12, pad 6)
    independently, so a wrong projection in the browser fails the hover test.
    """
    width = page.locator(".vw-gb-canvas").evaluate("c => c.clientWidth")
    outlines = outlines_json()
    bounds = [outlines[v]["bounds"] for v in ("sagittal", "coronal", "axial")]
    spans = [(b[1] - b[0], b[3] - b[2]) for b in bounds]
    scale = min(
        (width - 12 - 24) / sum(h for h, _ in spans), (HEIGHT - 12) / max(v for _, v in spans)
    )
    x = (
        (width - (sum(h for h, _ in spans) * scale + 24)) / 2
        + (spans[0][0] + spans[1][0]) * scale
        + 24
    )
    y = (HEIGHT - spans[2][1] * scale) / 2
    cx, cy, _ = load_atlas().centroids[parcel]
    return x + (cx - bounds[2][0]) * scale, y + (bounds[2][3] - cy) * scale


def _canvas_rgb(page: Page, x: float, y: float) -> list[int]:
    return page.locator(".vw-gb-canvas").evaluate(
        "(c, [x, y, d]) => Array.from(c.getContext('2d')"
        ".getImageData(Math.round(x * d), Math.round(y * d), 1, 1).data.slice(0, 3))",
        [x, y, DPR],
    )


def test_canvas_draws_outlines_and_dots_at_device_resolution(page: Page):
    canvas = page.locator(".vw-gb-canvas")
    css_w, dev_w = canvas.evaluate("c => [c.clientWidth, c.width]")
    assert dev_w == css_w * DPR
    counts = canvas.evaluate(
        """c => { const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let grey = 0, coloured = 0;
        for (let i = 0; i < d.length; i += 4) {
          const [r, g, b] = [d[i], d[i + 1], d[i + 2]];
          if (r === 255 && g === 255 && b === 255) continue;
          if (Math.abs(r - g) < 8 && Math.abs(g - b) < 8) grey++; else coloured++;
        }
        return [grey, coloured]; }"""
    )
    assert counts[0] > 2000  # outlines
    assert counts[1] > 20000  # 3 x 1000 coloured dots
    ticks = page.locator(".vw-gb-tick").all_text_contents()
    vmax = float(page.locator(".vw-glass-brain").get_attribute("data-vmax"))
    assert ticks[1] == "0"
    assert float(ticks[0]) == pytest.approx(-vmax, rel=0.01)
    assert float(ticks[2]) == pytest.approx(vmax, rel=0.01)


def test_browser_vmax_is_the_99th_percentile_python_uses(page: Page, responses: np.ndarray):
    vmax = float(page.locator(".vw-glass-brain").get_attribute("data-vmax"))
    assert vmax == pytest.approx(auto_vmax(responses), rel=1e-5)


def test_scrubbing_the_linked_player_recolours_the_dots(page: Page):
    canvas = page.locator(".vw-gb-canvas")
    before = canvas.evaluate("c => c.toDataURL()")
    page.locator(".vw-scrub").fill("20")
    root = page.locator(".vw-glass-brain")
    expect(root).to_have_attribute("data-cursor", "20")
    expect(root).to_have_attribute("data-painted-cursor", "20")
    expect(page.locator(".vw-gb-readout")).to_have_text("TR 20 of 0\u201329")
    assert canvas.evaluate("c => c.toDataURL()") != before


def test_dot_colour_matches_the_colour_map(page: Page, responses: np.ndarray):
    parcel = _isolated_parcel((0, 1))
    x, y = _pixel(page, parcel)
    vmax = auto_vmax(responses)
    expected = np.round(
        255 * np.array(cold_hot_cmap()(0.5 + responses[0, parcel] / (2 * vmax))[:3])
    )
    assert np.abs(np.array(_canvas_rgb(page, x, y)) - expected).max() <= 6


def test_hover_shows_the_parcel_and_click_selects_it(page: Page, artifacts_dir: Path):
    parcel = _isolated_parcel((0, 1))
    atlas = load_atlas()
    x, y = _pixel(page, parcel)
    canvas = page.locator(".vw-gb-canvas")
    canvas.hover(position={"x": x + 1, "y": y})
    tooltip = page.locator(".vw-gb-tooltip")
    expect(tooltip).to_be_visible()
    expect(tooltip).to_have_attribute("data-parcel", str(parcel))
    text = tooltip.text_content()
    assert atlas.labels[parcel] in text
    assert f"\u00b7 {atlas.networks[parcel]} \u00b7" in text
    root = page.locator(".vw-glass-brain")
    expect(root).to_have_attribute("data-selected", "-1")
    canvas.click(position={"x": x, "y": y})
    expect(root).to_have_attribute("data-selected", str(parcel))
    expect(page.locator(".vw-gb-selected")).to_contain_text(atlas.labels[parcel])
    expect(tooltip).to_be_visible()
    # The artifact shows the selection ring and the tooltip on the glass brain.
    page.locator(".vw-glass-brain").screenshot(path=str(artifacts_dir / "glass_brain_html.png"))
    # Far from every dot: the tooltip goes away and a click clears the selection.
    canvas.hover(position={"x": 3, "y": 3})
    expect(tooltip).to_be_hidden()
    canvas.click(position={"x": 3, "y": 3})
    expect(root).to_have_attribute("data-selected", "-1")


def test_network_filter_greys_out_other_networks(page: Page):
    parcel = _isolated_parcel((0, 1))
    network = str(load_atlas().networks[parcel])
    x, y = _pixel(page, parcel)
    r, g, b = _canvas_rgb(page, x, y)
    assert max(r, g, b) - min(r, g, b) > 60  # coloured while its network is shown
    box = page.locator(f".vw-gb-networks input[data-network='{network}']")
    expect(box).to_be_checked()
    box.uncheck()
    page.wait_for_function(
        "([x, y, d]) => { const c = document.querySelector('.vw-gb-canvas');"
        " const p = c.getContext('2d').getImageData(Math.round(x*d), Math.round(y*d), 1, 1).data;"
        " return Math.max(p[0], p[1], p[2]) - Math.min(p[0], p[1], p[2]) < 8; }",
        arg=[x, y, DPR],
    )
    r, g, b = _canvas_rgb(page, x, y)
    assert min(r, g, b) > 140  # faint grey on white (outlines may cross it)
    checked = page.locator(".vw-gb-networks input:checked")
    expect(checked).to_have_count(len(NETWORKS) - 1)
    box.check()
    page.wait_for_function(
        "([x, y, d]) => { const c = document.querySelector('.vw-gb-canvas');"
        " const p = c.getContext('2d').getImageData(Math.round(x*d), Math.round(y*d), 1, 1).data;"
        " return Math.max(p[0], p[1], p[2]) - Math.min(p[0], p[1], p[2]) > 60; }",
        arg=[x, y, DPR],
    )
