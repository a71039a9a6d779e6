"""The packaged Schaefer-1000 atlas: labels in order, networks, hemispheres, centroids, colours."""

from __future__ import annotations

from importlib import resources

import numpy as np
import pytest

from vibe_widgets.engine.atlas import N_PARCELS, NETWORKS, load_atlas

# Parcels per network and hemisphere, from the atlas README.
COUNTS = {
    "Vis": (81, 81),
    "SomMot": (91, 103),
    "DorsAttn": (61, 61),
    "SalVentAttn": (55, 66),
    "Limbic": (29, 31),
    "Cont": (57, 72),
    "Default": (126, 86),
}


def test_labels_are_in_column_order() -> None:
    atlas = load_atlas()
    assert len(atlas.labels) == N_PARCELS == 1000
    assert atlas.labels[0] == "7Networks_LH_Vis_1"
    assert atlas.labels[499].startswith("7Networks_LH_")
    assert atlas.labels[500] == "7Networks_RH_Vis_1"
    assert atlas.labels[-1] == "7Networks_RH_Cont_pCun_4"
    assert len(set(atlas.labels)) == 1000


def test_networks_and_hemispheres_per_parcel() -> None:
    atlas = load_atlas()
    assert NETWORKS == ("Vis", "SomMot", "DorsAttn", "SalVentAttn", "Limbic", "Cont", "Default")
    for net, (lh, rh) in COUNTS.items():
        in_net = atlas.networks == net
        left = int((in_net & (atlas.hemispheres == "LH")).sum())
        right = int((in_net & (atlas.hemispheres == "RH")).sum())
        assert (left, right) == (lh, rh)
    assert (atlas.hemispheres[:500] == "LH").all()
    assert (atlas.hemispheres[500:] == "RH").all()
    assert all(f"_{net}_" in label for net, label in zip(atlas.networks, atlas.labels, strict=True))


def test_centroids_and_colours() -> None:
    atlas = load_atlas()
    assert atlas.centroids.shape == (1000, 3)
    assert atlas.centroids.dtype == np.float64
    np.testing.assert_array_equal(atlas.centroids[0], [-36, -36, -24])
    # Left-hemisphere centroids have x <= 0 (R axis; medial ones touch 0), right ones x > 0.
    assert (atlas.centroids[:500, 0] <= 0).all()
    assert (atlas.centroids[500:, 0] > 0).all()
    assert atlas.colors.shape == (1000, 3)
    assert atlas.colors.dtype == np.uint8
    np.testing.assert_array_equal(atlas.colors[0], [120, 14, 127])


def test_roi_masks_partition_the_parcels() -> None:
    masks = load_atlas().roi_masks()
    assert list(masks) == list(NETWORKS)
    assert {k: int(v.sum()) for k, v in masks.items()} == {k: sum(v) for k, v in COUNTS.items()}
    assert all(v.dtype == np.int64 and v.shape == (1000,) for v in masks.values())
    np.testing.assert_array_equal(sum(masks.values()), np.ones(1000, dtype=np.int64))


def test_shared_atlas_arrays_are_read_only() -> None:
    atlas = load_atlas()
    assert load_atlas() is atlas
    for array in (atlas.networks, atlas.hemispheres, atlas.centroids, atlas.colors):
        with pytest.raises(ValueError, match="read-only"):
            array[0] = array[1]


def test_tables_ship_as_package_data_with_licence() -> None:
    folder = resources.files("vibe_widgets").joinpath("data", "atlas")
    names = {p.name for p in folder.iterdir()}
    assert {
        "README.md",
        "Schaefer2018_1000Parcels_7Networks_order.txt",
        "Schaefer2018_1000Parcels_7Networks_order_FSLMNI152_2mm.Centroid_RAS.csv",
    } <= names
    readme = folder.joinpath("README.md").read_text("utf-8")
    assert "MIT" in readme
    assert "d1454a611f7de10a3b36665e6fbb3fb6c770d140" in readme
