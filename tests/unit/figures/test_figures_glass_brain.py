"""plot_glass_brain: baseline image, colours, missing values, selections, volume mode, errors."""

from __future__ import annotations

import re
import socket

import numpy as np
import pytest
from figure_helpers import TOLERANCE, compare_to_baseline, write_label_volume

from vibe_widgets.engine.atlas import load_atlas
from vibe_widgets.errors import InvalidParameterError
from vibe_widgets.figures import find_schaefer_image, plot_glass_brain
from vibe_widgets.figures.colors import MISSING_COLOR, cold_hot_cmap
from vibe_widgets.figures.volume import SCHAEFER_IMAGE, paint_parcels

SMALL = {"width": 520, "height": 182, "dpi": 44}


def _dots(fig) -> tuple[np.ndarray, np.ndarray]:
    """Offsets (n, 2) and RGBA face colours (n, 4) of the sagittal view's dots."""
    scatter = fig.axes[0].collections[0]
    return np.asarray(scatter.get_offsets()), np.asarray(scatter.get_facecolors())


def _is_missing(colors: np.ndarray) -> np.ndarray:
    return np.all(np.isclose(colors, MISSING_COLOR), axis=1)


def test_markers_match_the_baseline_image(responses, tmp_path):
    fig = plot_glass_brain(responses, 2, highlight=10, **SMALL)
    assert compare_to_baseline(fig, "glass_brain_tr2", tmp_path) is None


@pytest.mark.parametrize(
    "change",
    [
        {"tr_index": 3},  # the next TR
        {"vmax": 1.5},  # the colour limit (auto is about 1.3)
        {"networks": ["Default"]},  # the network filter
    ],
)
def test_a_changed_figure_fails_the_baseline_comparison(responses, tmp_path, change):
    args = {"tr_index": 2, "highlight": 10, **SMALL, **change}
    fig = plot_glass_brain(responses, args.pop("tr_index"), **args)
    message = compare_to_baseline(fig, "glass_brain_tr2", tmp_path)
    assert message is not None
    rms = float(re.search(r"RMS Value: ([\d.]+)", message).group(1))
    assert rms > 2 * TOLERANCE


def test_one_map_with_cmap_vmax_and_title():
    r = np.linspace(-0.4, 0.4, 1000).astype(np.float32)
    fig = plot_glass_brain(r, cmap="RdBu_r", vmax=0.5, title="Pearson r", **SMALL)
    assert fig._suptitle.get_text() == "Pearson r"
    bar = fig.axes[-1]
    assert [t.get_text() for t in bar.get_xticklabels()] == ["-0.5", "0", "0.5"]
    offsets, colors = _dots(fig)
    # Dots are sorted by |value|: the strongest parcel (index 0 or 999) is drawn last.
    centroids = load_atlas().centroids[:, [1, 2]]
    last = int(np.argmin(np.abs(centroids - offsets[-1]).sum(axis=1)))
    assert last in (0, 999)
    import matplotlib

    expected = matplotlib.colormaps["RdBu_r"]((r[last] + 0.5) / 1.0)
    np.testing.assert_allclose(colors[-1], expected, atol=1e-6)


def test_default_limits_are_symmetric_99th_percentile(responses):
    fig = plot_glass_brain(responses, 0, **SMALL)
    vmax = np.percentile(np.abs(responses), 99)
    ticks = fig.axes[-1].get_xticks()
    np.testing.assert_allclose([ticks[0], ticks[-1]], [-vmax, vmax], rtol=1e-5)
    assert fig._suptitle.get_text() == "TR 0 (0.00 s)"
    fig = plot_glass_brain(responses, -1, tr=2.0, colorbar=False, **SMALL)
    assert fig._suptitle.get_text() == "TR 5 (10.00 s)"
    assert len(fig.axes) == 3


FORMATS = [("png", b"\x89PNG"), ("svg", b"<?xml"), ("pdf", b"%PDF")]


@pytest.mark.parametrize(("suffix", "magic"), FORMATS)
def test_saves_png_svg_pdf_and_creates_the_folder(responses, tmp_path, suffix, magic):
    out = tmp_path / "new" / "deeper" / f"brain.{suffix.upper()}"
    plot_glass_brain(responses, 1, out_path=out, width=500, height=200, dpi=100)
    assert out.read_bytes().startswith(magic)
    if suffix == "png":
        import struct

        assert struct.unpack(">II", out.read_bytes()[16:24]) == (500, 200)


def test_nan_and_inf_are_drawn_missing_with_a_warning(responses):
    bad = responses.copy()
    bad[1, [3, 50, 700]] = [np.nan, np.inf, -np.inf]
    with pytest.warns(RuntimeWarning, match=r"3 NaN/inf values \(first at TR 1, parcel 3\)"):
        fig = plot_glass_brain(bad, 1, **SMALL)
    _, colors = _dots(fig)
    assert _is_missing(colors).sum() == 3
    assert _is_missing(colors[:3]).all()  # missing parcels are drawn underneath


def test_network_filter_colours_only_those_networks(responses):
    fig = plot_glass_brain(responses, 0, networks=["Vis", "Limbic"], **SMALL)
    _, colors = _dots(fig)
    networks = load_atlas().networks
    n_shown = int(np.isin(networks, ["Vis", "Limbic"]).sum())
    assert (~_is_missing(colors)).sum() == n_shown
    with pytest.raises(InvalidParameterError, match="Visual"):
        plot_glass_brain(responses, 0, networks=["Visual"])


def test_a_selection_subset_is_re_embedded_into_the_1000_parcels(responses):
    indices = np.flatnonzero(load_atlas().networks == "Default")
    fig = plot_glass_brain(responses[:, indices], 0, parcel_indices=indices, **SMALL)
    offsets, colors = _dots(fig)
    coloured = offsets[~_is_missing(colors)]
    expected = load_atlas().centroids[indices][:, [1, 2]]
    assert len(coloured) == len(indices)
    np.testing.assert_allclose(np.sort(coloured, axis=0), np.sort(expected, axis=0))
    # The colour of a selected parcel is its own column's value.
    cmap = cold_hot_cmap()
    vmax = np.percentile(np.abs(responses[:, indices]), 99)
    first = expected[0]
    row = int(np.argmin(np.abs(offsets - first).sum(axis=1)))
    np.testing.assert_allclose(colors[row], cmap((responses[0, indices[0]] + vmax) / (2 * vmax)))
    with pytest.raises(InvalidParameterError, match="names 1000 parcels"):
        plot_glass_brain(responses[:, :10], 0, parcel_indices=np.ones(1000, bool))


@pytest.mark.parametrize(
    ("bad", "kwargs", "match"),
    [
        (np.zeros((4, 999)), {}, r"shape \(n_tr, 1000\) or \(1000,\).*\(4, 999\).*parcel_indices"),
        (np.zeros((1000, 4)), {}, r"transposed: pass responses\.T"),
        (np.zeros((2, 3, 1000)), {}, r"\(2, 3, 1000\)"),
        (np.array([["a"] * 1000]), {}, "real numbers"),
        (np.zeros((2, 1000), dtype=complex), {}, "complex"),
        (np.zeros((3, 1000)), {"tr_index": 3}, r"tr_index 3 is outside the responses' TRs 0\.\.2"),
        (np.zeros((3, 1000)), {"tr_index": 1.5}, "tr_index must be an int"),
        (np.zeros((3, 1000)), {"out_path": "x.jpg"}, r"unknown extension '\.jpg'.*\.png, \.svg"),
        (np.zeros((3, 1000)), {"mode": "surface"}, "mode must be one of"),
        (np.ones((3, 1000)), {"vmin": 2.0, "vmax": 1.0}, "vmin must be below vmax"),
        (np.zeros((3, 1000)), {"width": 10}, r"width must be an int >= 50"),
        (np.zeros((3, 1000)), {"cmap": "nope"}, "Unknown colour map 'nope'"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(bad, kwargs, match, tmp_path):
    if "out_path" in kwargs:
        kwargs["out_path"] = tmp_path / kwargs["out_path"]
    with pytest.raises(InvalidParameterError, match=match):
        plot_glass_brain(bad, **kwargs)


def test_torch_tensors_are_accepted(responses):
    torch = pytest.importorskip("torch")
    fig = plot_glass_brain(torch.from_numpy(responses), 1, **SMALL)
    _, colors = _dots(fig)
    assert not _is_missing(colors).any()


# --- volume mode --------------------------------------------------------------------------------


def test_paint_parcels_puts_each_value_in_its_voxels(label_volume):
    import nibabel

    values = np.arange(1000, dtype=np.float32) / 100 - 5
    values[7] = np.nan
    painted = paint_parcels(values, label_volume)
    labels = np.asarray(nibabel.load(str(label_volume)).dataobj)
    data = painted.get_fdata()
    np.testing.assert_allclose(data[labels == 43], values[42])
    assert (data[labels == 8] == 0).all()  # NaN: missing, like the background
    assert (data[labels == 0] == 0).all()
    np.testing.assert_array_equal(painted.affine, nibabel.load(str(label_volume)).affine)


def test_volume_mode_draws_nilearns_glass_brain_from_an_image(responses, label_volume, tmp_path):
    out = tmp_path / "volume.png"
    fig = plot_glass_brain(
        responses, 1, mode="volume", atlas_image=label_volume, out_path=out, **SMALL
    )
    assert out.exists()
    # nilearn's three projections plus its colour bar, in our figure.
    assert len(fig.axes) >= 4
    from matplotlib.image import imread

    rgb = imread(out)[..., :3]
    assert ((rgb.max(axis=-1) - rgb.min(axis=-1)) > 0.5).sum() > 1000  # coloured voxels


def test_volume_mode_finds_the_atlas_in_nilearns_data_folder(monkeypatch, tmp_path, responses):
    monkeypatch.setenv("NILEARN_DATA", str(tmp_path))
    with pytest.raises(InvalidParameterError) as caught:
        plot_glass_brain(responses, 0, mode="volume")
    message = str(caught.value)
    assert str(tmp_path / "schaefer_2018" / SCHAEFER_IMAGE) in message
    assert "fetch_atlas_schaefer_2018" in message
    assert "mode='markers'" in message
    folder = tmp_path / "schaefer_2018"
    folder.mkdir()
    write_label_volume(folder / SCHAEFER_IMAGE)
    assert find_schaefer_image() == folder / SCHAEFER_IMAGE
    fig = plot_glass_brain(responses, 0, mode="volume", **SMALL)
    assert len(fig.axes) >= 4


def test_volume_mode_names_a_wrong_path(tmp_path, responses):
    with pytest.raises(InvalidParameterError, match=re.escape(str(tmp_path / "none.nii.gz"))):
        plot_glass_brain(responses, 0, mode="volume", atlas_image=tmp_path / "none.nii.gz")


# --- offline -------------------------------------------------------------------------------------


def test_figures_need_no_network(monkeypatch, responses, tmp_path, label_volume):
    def refuse(*args, **kwargs):
        raise OSError("network access during a figure test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    plot_glass_brain(responses, 0, out_path=tmp_path / "a.png", **SMALL)
    plot_glass_brain(responses, 0, mode="volume", atlas_image=label_volume, **SMALL)
    from vibe_widgets.figures import generate_glass_brain_animation, plot_network_timecourses

    plot_network_timecourses(responses, out_path=tmp_path / "t.svg", width=400, height=200)
    generate_glass_brain_animation(responses[:2], tmp_path / "a.gif", show_progress=False)
