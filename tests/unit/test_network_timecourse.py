"""NetworkTimecourse: network means, validation, binary serialisation and the PNG export."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import pytest
from ipywidgets.widgets.widget import _remove_buffers

import vibe_widgets
from vibe_widgets.errors import InvalidParameterError
from vibe_widgets.widgets.network_timecourse import NETWORK_COLORS, NetworkTimecourse

N_TR = 30


@pytest.fixture(scope="module")
def responses() -> np.ndarray:
    return np.random.default_rng(0).normal(size=(N_TR, 1000)).astype(np.float32)


@pytest.fixture
def widget(responses: np.ndarray) -> NetworkTimecourse:
    return NetworkTimecourse(responses, tr=1.49, link_id="L")


def test_network_means_equal_a_manual_computation_with_the_roi_masks(widget, responses):
    meta = vibe_widgets.get_model_metadata(vibe_widgets.MODEL_ID)
    assert widget.networks == list(meta["networks"])
    expected = np.stack(
        [responses[:, meta["roi_masks"][net] == 1].mean(axis=1) for net in meta["networks"]]
    )
    assert widget.timecourses.shape == (7, N_TR)
    assert widget.timecourses.dtype == np.float32
    np.testing.assert_allclose(widget.timecourses, expected, rtol=1e-5, atol=1e-6)
    assert widget.compare is None


def test_traits_describe_the_plot(widget):
    assert widget.n_tr == N_TR
    assert widget.tr == 1.49
    assert widget.cursor == 0
    assert widget.link_id == "L"
    assert widget.y_label == "predicted response"
    assert widget.colors == [NETWORK_COLORS[n] for n in widget.networks]
    assert widget.colors[0] == "#781286"  # Vis, the conventional Yeo colour
    assert widget.colors[widget.networks.index("Limbic")] == "#A8C256"  # darkened for a line
    assert len(widget.parcel_names) == 1000
    assert widget.parcel_names[0].startswith("7Networks_LH_Vis")
    assert widget.hidden == []


def test_arrays_travel_as_float32_buffers_not_json(responses):
    w = NetworkTimecourse(responses, compare=responses * 2)
    state, buffer_paths, buffers = _remove_buffers(w.get_state())
    for name, shape in [
        ("timecourses", [7, N_TR]),
        ("compare", [7, N_TR]),
        ("responses", [N_TR, 1000]),
    ]:
        path = [name, "view"]
        assert path in buffer_paths
        sent = bytes(buffers[buffer_paths.index(path)])
        assert state[name]["dtype"] == "float32"
        assert state[name]["shape"] == shape
        assert len(sent) == 4 * shape[0] * shape[1]
    first = struct.unpack("<f", bytes(buffers[buffer_paths.index(["responses", "view"])])[:4])[0]
    assert first == pytest.approx(float(responses[0, 0]))
    np.testing.assert_allclose(w.compare, 2 * w.timecourses, rtol=1e-5, atol=1e-6)


def test_torch_tensors_are_accepted(responses):
    torch = pytest.importorskip("torch")
    w = NetworkTimecourse(torch.from_numpy(responses))
    np.testing.assert_array_equal(w.responses, responses)


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (np.zeros((30, 999)), r"shape \(n_tr, 1000\).*got shape \(30, 999\)"),
        (np.zeros(1000), r"got shape \(1000,\)"),
        (np.zeros((0, 1000)), r"got shape \(0, 1000\)"),
        (np.full((3, 1000), np.nan), r"\(3, 1000\) holds 3000 NaN/inf"),
        ("text", r"numeric array"),
    ],
)
def test_invalid_responses_are_refused_with_their_shape(bad, message):
    with pytest.raises(InvalidParameterError, match=message):
        NetworkTimecourse(bad)


def test_compare_of_another_shape_is_refused(responses):
    with pytest.raises(
        InvalidParameterError, match=r"same shape as responses \(30, 1000\).*\(20, 1000\)"
    ):
        NetworkTimecourse(responses, compare=responses[:20])


def test_cursor_parcels_and_hidden_are_validated(widget):
    with pytest.raises(InvalidParameterError, match=r"outside the TRs 0\.\.29"):
        widget.cursor = 30
    with pytest.raises(InvalidParameterError, match=r"0\.\.999, got \[1000\]"):
        widget.parcels = [3, 1000]
    with pytest.raises(InvalidParameterError, match="Visual"):
        widget.hidden = ["Visual"]
    widget.parcels = [3, 500]
    widget.hidden = ["Limbic"]
    assert (widget.parcels, widget.hidden) == ([3, 500], ["Limbic"])


def test_frontend_messages_update_cursor_and_hidden(widget):
    widget._handle_msg(
        {
            "content": {
                "data": {
                    "method": "update",
                    "state": {"cursor": 12, "hidden": ["Vis", "Cont"]},
                    "buffer_paths": [],
                }
            },
            "buffers": [],
        }
    )
    assert widget.cursor == 12
    assert widget.hidden == ["Vis", "Cont"]


def test_set_responses_updates_means_compare_and_clamps_the_cursor(widget, responses):
    widget.cursor = 25
    shorter = responses[:20] + 1.0
    widget.set_responses(shorter, compare=shorter * 0.5)
    assert widget.n_tr == 20
    assert widget.cursor == 19
    np.testing.assert_array_equal(widget.responses, shorter)
    meta = vibe_widgets.get_model_metadata(vibe_widgets.MODEL_ID)
    vis = shorter[:, meta["roi_masks"]["Vis"] == 1].mean(axis=1)
    np.testing.assert_allclose(widget.timecourses[0], vis, rtol=1e-5)
    np.testing.assert_allclose(widget.compare, widget.timecourses * 0.5, rtol=1e-5, atol=1e-6)
    widget.set_responses(responses)
    assert widget.compare is None
    assert widget.n_tr == N_TR
    with pytest.raises(InvalidParameterError, match="same shape"):
        widget.set_responses(responses, compare=responses[:10])


def test_repr_is_informative_without_an_address(responses):
    w = NetworkTimecourse(responses, compare=responses, cursor=3, parcels=[7])
    text = repr(w)
    assert text == (
        "NetworkTimecourse(n_tr=30, tr=1.49, cursor=3, networks=7, hidden=[], parcels=[7], "
        "compare=True)"
    )
    assert "0x" not in text


@pytest.mark.parametrize(("width", "height", "dpi"), [(900, 400, 100), (640, 320, 160)])
def test_to_png_writes_the_requested_pixel_size(responses, tmp_path: Path, width, height, dpi):
    w = NetworkTimecourse(responses, compare=responses * 0.9, parcels=[5], cursor=10)
    w.hidden = ["Limbic"]
    out = w.to_png(tmp_path / "plot.png", width=width, height=height, dpi=dpi)
    raw = out.read_bytes()
    assert raw[:8] == b"\x89PNG\r\n\x1a\n"
    # IHDR: width and height as big-endian uint32 right after the chunk header.
    assert struct.unpack(">II", raw[16:24]) == (width, height)
    import matplotlib.image

    pixels = matplotlib.image.imread(out)
    assert pixels.std() > 0.05  # lines were drawn, not a blank figure


def test_to_png_refuses_a_tiny_size(widget, tmp_path: Path):
    with pytest.raises(InvalidParameterError, match="10x10"):
        widget.to_png(tmp_path / "x.png", width=10, height=10)


def test_to_svg_writes_a_vector_plot_of_the_requested_size(responses, tmp_path: Path):
    w = NetworkTimecourse(responses, compare=responses * 0.5, cursor=4)
    w.hidden = ["Vis"]
    out = w.to_svg(tmp_path / "plot.svg", width=800, height=400, dpi=200)
    text = out.read_text()
    assert text.startswith("<?xml")
    assert 'width="288pt" height="144pt"' in text  # 800 x 400 px at 200 dpi
    with pytest.raises(InvalidParameterError, match=r"ending in \.svg"):
        w.to_svg(tmp_path / "plot.png")


def test_to_png_draws_the_widget_state(responses, tmp_path: Path):
    import matplotlib.image

    w = NetworkTimecourse(responses)
    shown = matplotlib.image.imread(w.to_png(tmp_path / "a.png", width=600, height=300))
    w.hidden = list(w.networks)
    hidden = matplotlib.image.imread(w.to_png(tmp_path / "b.png", width=600, height=300))
    chroma = lambda img: (img[..., :3].max(-1) - img[..., :3].min(-1) > 0.3).sum()  # noqa: E731
    assert chroma(shown) > 1000
    assert chroma(hidden) < 50  # no network lines left
