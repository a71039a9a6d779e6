"""GlassBrain: outlines, traits, validation, binary serialisation and PNG export."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
from ipywidgets.widgets.widget import _remove_buffers

from vibe_widgets.engine.atlas import NETWORKS, load_atlas
from vibe_widgets.errors import InvalidParameterError
from vibe_widgets.widgets._brain_outlines import VIEWS, brain_outlines, outlines_json
from vibe_widgets.widgets.glass_brain import (
    COLD_HOT_STOPS,
    GlassBrain,
    auto_vmax,
    cold_hot_cmap,
)

JS_COLORMAP = Path(__file__).resolve().parents[2] / "js" / "lib" / "colormap.js"


@pytest.fixture(scope="module")
def responses() -> np.ndarray:
    rng = np.random.default_rng(1)
    return rng.normal(scale=0.5, size=(12, 1000)).astype(np.float32)


@pytest.fixture
def brain(responses: np.ndarray) -> GlassBrain:
    return GlassBrain(responses, tr=1.49, link_id="L", cursor=2)


# --- outlines -------------------------------------------------------------------------------


def test_outlines_have_three_views_with_plausible_mni_extents():
    outlines = brain_outlines()
    assert set(outlines) == {"sagittal", "coronal", "axial"}
    # MNI head extents (mm); the schematics' cerebellum reaches z ~ -72, frontal pole y ~ 77.
    limits = {0: (-75, 75), 1: (-110, 80), 2: (-75, 85)}
    min_span = {0: 130, 1: 170, 2: 140}
    for view, lines in outlines.items():
        assert len(lines) > 5
        stacked = np.concatenate(lines)
        assert stacked.shape[1] == 2
        for col, axis in enumerate(VIEWS[view][1]):
            lo, hi = limits[axis]
            assert lo <= stacked[:, col].min()
            assert stacked[:, col].max() <= hi
            # The outline spans the head along that axis, not a shrunken copy.
            assert stacked[:, col].max() - stacked[:, col].min() > min_span[axis]
    assert brain_outlines() is outlines  # cached


def test_centroids_fall_inside_every_outline():
    centroids = load_atlas().centroids
    for view, payload in outlines_json().items():
        h, v = VIEWS[view][1]
        hmin, hmax, vmin, vmax = payload["bounds"]
        assert ((centroids[:, h] >= hmin) & (centroids[:, h] <= hmax)).all()
        assert ((centroids[:, v] >= vmin) & (centroids[:, v] <= vmax)).all()


def test_sagittal_outline_has_the_cerebellum_low_at_the_back():
    # A flipped axis would put the lowest outline points (cerebellum) at the front (+y).
    stacked = np.concatenate(brain_outlines()["sagittal"])
    lowest = stacked[stacked[:, 1] < stacked[:, 1].min() + 5]
    assert lowest[:, 0].mean() < -20


def test_outlines_json_is_small_and_json_serialisable():
    payload = outlines_json()
    text = json.dumps(payload)
    assert len(text) < 100_000
    for view in payload.values():
        assert all(len(line) % 2 == 0 and len(line) >= 4 for line in view["lines"])


# --- colour map -------------------------------------------------------------------------------


def test_python_colour_map_has_the_same_stops_as_the_browser():
    source = JS_COLORMAP.read_text()
    js_stops = [
        (float(t), tuple(float(c) for c in rgb.split(",")))
        for t, rgb in re.findall(r"\[([\d.]+), \[([\d., ]+)\]\]", source)
    ]
    assert js_stops == [(t, tuple(c)) for t, c in COLD_HOT_STOPS]
    cmap = cold_hot_cmap()
    assert np.allclose(cmap(0.5)[:3], (0.05, 0, 0), atol=0.02)  # 256-entry table
    assert cmap(0.2)[2] > 0.9
    assert cmap(0.2)[0] < 0.1
    assert cmap(0.8)[0] == 1.0
    assert cmap(0.8)[2] < 0.1


# --- traits and serialisation ----------------------------------------------------------------


def test_default_vmax_is_the_99th_percentile_of_abs_responses(brain, responses):
    assert brain.vmax is None
    assert brain.effective_vmax == pytest.approx(np.percentile(np.abs(responses), 99), rel=1e-6)
    brain.vmax = 0.75
    assert brain.effective_vmax == 0.75
    assert auto_vmax(np.zeros((2, 1000))) == 1.0


def test_traits_after_construction(brain):
    assert brain.n_tr == 12
    assert brain.cursor == 2
    assert brain.link_id == "L"
    assert brain.tr == 1.49
    assert brain.selected_parcel == -1
    assert brain.networks_shown == list(NETWORKS)
    assert brain.networks == list(NETWORKS)
    assert len(brain.parcel_names) == 1000
    assert brain.parcel_names[0] == load_atlas().labels[0]
    assert NETWORKS[brain.network_index[0]] == load_atlas().networks[0]
    assert set(brain.outlines) == {"sagittal", "coronal", "axial"}
    assert re.fullmatch(
        r"GlassBrain\(n_tr=12, n_parcels=1000, tr=1\.49, cursor=2, vmax=auto \([\d.]+\), "
        r"selected=none, networks=7/7\)",
        repr(brain),
    )


def test_arrays_travel_as_binary_float32_buffers(brain, responses):
    state, buffer_paths, buffers = _remove_buffers(brain.get_state())
    for name in ("responses", "centroids", "network_index"):
        assert [name, "view"] in buffer_paths
    sent = buffers[buffer_paths.index(["responses", "view"])]
    assert state["responses"]["dtype"] == "float32"
    assert state["responses"]["shape"] == [12, 1000]
    assert np.array_equal(np.frombuffer(bytes(sent), np.float32).reshape(12, 1000), responses)
    cent = buffers[buffer_paths.index(["centroids", "view"])]
    assert np.allclose(
        np.frombuffer(bytes(cent), np.float32).reshape(1000, 3), load_atlas().centroids
    )
    # Only small JSON is left: the outlines and names, never the responses.
    assert len(json.dumps(state)) < 200_000


def test_accepts_torch_tensors_and_float64(responses):
    torch = pytest.importorskip("torch")
    brain = GlassBrain(torch.from_numpy(responses.astype(np.float64)))
    assert brain.responses.dtype == np.float32
    assert np.allclose(brain.responses, responses)


def test_networks_argument_sets_the_filter(responses):
    brain = GlassBrain(responses, networks=["Vis", "Default"])
    assert brain.networks_shown == ["Vis", "Default"]


@pytest.mark.parametrize(
    ("bad", "match"),
    [
        (np.zeros((10, 999)), r"shape \(n_tr, 1000\)"),
        (np.zeros(1000), r"shape \(n_tr, 1000\)"),
        (np.zeros((0, 1000)), r"n_tr >= 1"),
        (np.full((3, 1000), np.nan), r"finite: 3000 values"),
        (np.array([["a"] * 1000]), "real numbers"),
    ],
)
def test_invalid_responses_are_rejected(bad, match):
    with pytest.raises(InvalidParameterError, match=match):
        GlassBrain(bad)


def test_invalid_traits_are_rejected(brain):
    with pytest.raises(InvalidParameterError, match="cursor 12 is outside"):
        brain.cursor = 12
    with pytest.raises(InvalidParameterError, match="vmax must be a positive"):
        brain.vmax = 0.0
    with pytest.raises(InvalidParameterError, match="vmax must be a positive"):
        brain.vmax = float("inf")
    with pytest.raises(InvalidParameterError, match="selected_parcel"):
        brain.selected_parcel = 1000
    with pytest.raises(InvalidParameterError, match="unknown network"):
        brain.networks_shown = ["Vis", "Auditory"]
    with pytest.raises(InvalidParameterError, match="set_responses"):
        brain.responses = np.zeros((5, 1000), np.float32)
    with pytest.raises(InvalidParameterError, match="tr must"):
        GlassBrain(np.zeros((2, 1000)), tr=-1)


def test_set_responses_changes_the_tr_count_and_keeps_the_cursor_inside(brain):
    brain.cursor = 11
    brain.set_responses(np.ones((4, 1000)))
    assert brain.n_tr == 4
    assert brain.cursor == 3
    assert brain.responses.shape == (4, 1000)
    with pytest.raises(InvalidParameterError):
        brain.set_responses(np.ones((4, 10)))
    assert brain.n_tr == 4


def test_selection_and_filter_from_a_frontend_message(brain):
    seen = []
    brain.observe(lambda change: seen.append(change["new"]), "selected_parcel")
    brain._handle_msg(
        {
            "content": {
                "data": {
                    "method": "update",
                    "state": {"selected_parcel": 123, "networks_shown": ["Vis"], "cursor": 7},
                    "buffer_paths": [],
                }
            },
            "buffers": [],
        }
    )
    assert brain.selected_parcel == 123
    assert seen == [123]
    assert brain.selected_name == load_atlas().labels[123]
    assert brain.networks_shown == ["Vis"]
    assert brain.cursor == 7


# --- PNG export ------------------------------------------------------------------------------


def test_to_png_writes_an_image_of_the_requested_size(brain, tmp_path):
    from matplotlib.image import imread

    brain.selected_parcel = 10
    out = brain.to_png(tmp_path / "sub" / "brain.png", tr_index=5, width=900, height=320, dpi=100)
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    image = imread(out)
    assert image.shape[:2] == (320, 900)
    rgb = image[..., :3]
    # Coloured dots (not just grey outlines on white) were drawn.
    chroma = rgb.max(axis=-1) - rgb.min(axis=-1)
    assert (chroma > 0.5).sum() > 2000
    with pytest.raises(InvalidParameterError, match="tr_index 12"):
        brain.to_png(tmp_path / "x.png", tr_index=12)


def test_to_png_differs_between_trs(brain, tmp_path):
    a = brain.to_png(tmp_path / "a.png", tr_index=0).read_bytes()
    b = brain.to_png(tmp_path / "b.png", tr_index=1).read_bytes()
    assert a != b


def test_to_svg_and_to_png_draw_the_widget_state_at_any_size(brain, tmp_path):
    import struct

    brain.networks_shown = ["Vis"]
    png = brain.to_png(tmp_path / "b.png", width=640, height=240, dpi=150)
    assert struct.unpack(">II", png.read_bytes()[16:24]) == (640, 240)
    svg = brain.to_svg(tmp_path / "b.svg", tr_index=3, width=640, height=240, dpi=150)
    text = svg.read_text()
    assert text.startswith("<?xml")
    # 640 x 240 px at 150 dpi is 307.2 x 115.2 pt.
    assert 'width="307.2pt" height="115.2pt"' in text
    with pytest.raises(InvalidParameterError, match=r"ending in \.svg"):
        brain.to_svg(tmp_path / "b.png")
    with pytest.raises(InvalidParameterError, match=r"ending in \.png"):
        brain.to_png(tmp_path / "b.svg")


def test_to_png_uses_the_widget_filter_and_limit(brain, tmp_path):
    from matplotlib.image import imread

    brain.vmax = 100.0  # every response is near zero: dark dots
    dark = imread(brain.to_png(tmp_path / "dark.png", width=600, height=210))
    brain.vmax = 0.05  # every response saturates: bright dots
    bright = imread(brain.to_png(tmp_path / "bright.png", width=600, height=210))
    assert bright[..., :3].mean() > dark[..., :3].mean() + 0.01
    def colourful(image):
        return int(((image[..., :3].max(axis=-1) - image[..., :3].min(axis=-1)) > 0.5).sum())

    brain.networks_shown = []
    grey = imread(brain.to_png(tmp_path / "grey.png", width=600, height=210))
    brain.vmax = None
    brain.networks_shown = list(NETWORKS)
    shown = imread(brain.to_png(tmp_path / "shown.png", width=600, height=210))
    assert colourful(grey) < 1500  # the colour bar only
    assert colourful(shown) > colourful(grey) + 3000
