"""plot_network_timecourses: baseline image, plotted data, comparison, transcripts, errors."""

from __future__ import annotations

import re

import numpy as np
import pytest
from figure_helpers import TOLERANCE, compare_to_baseline

from vibe_widgets.engine.atlas import NETWORKS, load_atlas
from vibe_widgets.errors import InvalidParameterError
from vibe_widgets.figures import plot_network_timecourses
from vibe_widgets.figures.colors import NETWORK_COLORS
from vibe_widgets.figures.timecourses import network_means

SMALL = {"width": 480, "height": 260, "dpi": 60}
WORDS = ["", "The sun is bright", "Waves roll", "", "A gull $circles$", "home"]


def _network_lines(fig) -> dict[tuple[str, str], np.ndarray]:
    ax = fig.axes[0]
    out = {}
    for line in ax.get_lines():
        xs = np.asarray(line.get_xdata())
        if xs.size > 2:
            out[(line.get_color().lower(), line.get_linestyle())] = np.asarray(line.get_ydata())
    return out


def test_matches_the_baseline_image(responses, tmp_path):
    fig = plot_network_timecourses(
        responses, compare=responses * 0.5, transcripts=WORDS, cursor=2, **SMALL
    )
    assert compare_to_baseline(fig, "timecourses_compare", tmp_path) is None


def test_a_changed_plot_fails_the_baseline_comparison(responses, tmp_path):
    fig = plot_network_timecourses(
        responses, compare=responses * 0.6, transcripts=WORDS, cursor=2, **SMALL
    )
    message = compare_to_baseline(fig, "timecourses_compare", tmp_path)
    assert message is not None
    assert float(re.search(r"RMS Value: ([\d.]+)", message).group(1)) > 2 * TOLERANCE


def test_lines_are_the_network_means_at_tr_times(responses):
    fig = plot_network_timecourses(responses, tr=2.0, compare=-responses, **SMALL)
    lines = _network_lines(fig)
    means = network_means(responses)
    for i, net in enumerate(NETWORKS):
        color = NETWORK_COLORS[net].lower()
        np.testing.assert_allclose(lines[(color, "-")], means[i], rtol=1e-6)
        np.testing.assert_allclose(lines[(color, "--")], -means[i], rtol=1e-6)
    ax = fig.axes[0]
    x = ax.get_lines()[0].get_xdata()
    np.testing.assert_allclose(x, np.arange(6) * 2.0)
    assert len(ax.collections) == 7  # one shaded difference per network
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == [*NETWORKS, "compare"]


def test_network_filter_parcels_cursor_and_transcripts(responses):
    fig = plot_network_timecourses(
        responses, networks=["Vis"], parcels=[5], cursor=3, transcripts=WORDS, **SMALL
    )
    ax, strip = fig.axes
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == [load_atlas().labels[5], "Vis"]
    cursor = [line for line in ax.get_lines() if len(line.get_xdata()) == 2]
    assert any(np.allclose(line.get_xdata(), 3 * 1.49) for line in cursor)
    texts = {t.get_text(): t.get_position()[0] for t in strip.texts}
    # Each line sits in the middle of its TR; "$" is shown as typed, not as mathtext.
    assert texts["The sun is bright"] == pytest.approx(1.5 * 1.49)
    assert texts["A gull $circles$"] == pytest.approx(4.5 * 1.49)
    assert len(texts) == 4  # empty TRs get no text


def test_selection_subset_means_cover_the_selected_parcels(responses):
    indices = np.arange(0, 1000, 3)
    fig = plot_network_timecourses(responses[:, indices], parcel_indices=indices, **SMALL)
    lines = _network_lines(fig)
    vis = np.flatnonzero(load_atlas().networks == "Vis")
    expected = responses[:, np.intersect1d(vis, indices)].mean(axis=1)
    np.testing.assert_allclose(lines[(NETWORK_COLORS["Vis"].lower(), "-")], expected, rtol=1e-5)


def test_nan_values_are_left_out_of_the_means_with_a_warning(responses):
    bad = responses.copy()
    bad[:, 0] = np.nan
    with pytest.warns(RuntimeWarning, match="6 NaN/inf"):
        fig = plot_network_timecourses(bad, **SMALL)
    vis = np.flatnonzero(load_atlas().networks == "Vis")
    expected = responses[:, vis[vis != 0]].mean(axis=1)
    np.testing.assert_allclose(
        _network_lines(fig)[(NETWORK_COLORS["Vis"].lower(), "-")], expected, rtol=1e-5
    )


FORMATS = [("png", b"\x89PNG"), ("svg", b"<?xml"), ("pdf", b"%PDF")]


@pytest.mark.parametrize(("suffix", "magic"), FORMATS)
def test_saves_each_format_in_a_new_folder(responses, tmp_path, suffix, magic):
    out = tmp_path / "a" / f"t.{suffix}"
    plot_network_timecourses(responses, out_path=out, **SMALL)
    assert out.read_bytes().startswith(magic)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"compare": np.zeros((5, 1000))}, r"same shape as responses \(6, 1000\)"),
        ({"transcripts": ["a"] * 5}, r"one string per TR \(6\), got 5"),
        ({"transcripts": "one string"}, "list of 6 strings"),
        ({"cursor": 6}, r"cursor 6 is outside the TRs 0\.\.5"),
        ({"networks": ["Visual"]}, "Visual"),
        ({"parcels": [1000]}, r"0\.\.999, got \[1000\]"),
        ({"compare_means": np.zeros((7, 5))}, r"\(7, n_tr=6\)"),
        ({"out_path": "t.gif"}, r"unknown extension '\.gif'"),
    ],
)
def test_bad_input_is_refused(responses, kwargs, match, tmp_path):
    if "out_path" in kwargs:
        kwargs["out_path"] = tmp_path / kwargs["out_path"]
    with pytest.raises(InvalidParameterError, match=match):
        plot_network_timecourses(responses, **kwargs)


def test_one_map_is_refused_for_timecourses():
    with pytest.raises(InvalidParameterError, match=r"shape \(n_tr, 1000\) .*got \(1000,\)"):
        plot_network_timecourses(np.zeros(1000))
