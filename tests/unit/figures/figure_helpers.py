"""Helpers of the figure tests: smooth synthetic responses, a label volume, baseline checks."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from vibe_widgets.engine.atlas import load_atlas

BASELINE_DIR = Path(__file__).resolve().parent / "baseline"
# RMS difference (0-255 scale) allowed between a figure and its baseline: antialiasing noise
# from another FreeType or matplotlib build stays below it, a changed figure does not.
TOLERANCE = 2.0


def smooth_responses(n_tr: int = 6) -> np.ndarray:
    """Responses that vary smoothly over the brain and over time, shape (n_tr, 1000).

    Smooth maps keep baseline PNGs small and make a wrong axis or flipped sign visible.
    """
    xyz = load_atlas().centroids / 70.0
    t = np.arange(n_tr)[:, None] * 0.7
    return (
        np.sin(2.0 * xyz[:, 0] + t) * np.cos(1.5 * xyz[:, 1] - 0.5 * t) + 0.5 * xyz[:, 2]
    ).astype(np.float32)


def write_label_volume(path: Path) -> Path:
    """A small Schaefer-like label volume: parcel k+1 painted as a 3x3x3 voxel cube at its
    centroid on the 2 mm MNI grid (shape 91 x 109 x 91), written with nibabel."""
    import nibabel

    affine = np.array(
        [[-2.0, 0, 0, 90], [0, 2.0, 0, -126], [0, 0, 2.0, -72], [0, 0, 0, 1]], dtype=np.float64
    )
    labels = np.zeros((91, 109, 91), dtype=np.int16)
    homogeneous = np.c_[load_atlas().centroids, np.ones(1000)]
    ijk = np.rint(np.linalg.solve(affine, homogeneous.T).T[:, :3]).astype(int)
    for k, (i, j, m) in enumerate(ijk):
        labels[i - 1 : i + 2, j - 1 : j + 2, m - 1 : m + 2] = k + 1
    nibabel.save(nibabel.Nifti1Image(labels, affine), str(path))
    return path


def compare_to_baseline(figure, name: str, tmp_path: Path) -> str | None:
    """Save ``figure`` as PNG and compare it with ``baseline/<name>.png`` (RMS tolerance).

    Returns None when they match, else matplotlib's message. With VIBE_UPDATE_BASELINES=1
    the baseline is (re)written instead, and the test fails so that it cannot pass silently.
    """
    from matplotlib.testing.compare import compare_images

    actual = tmp_path / f"{name}.png"
    figure.savefig(actual, format="png", dpi=figure.dpi, facecolor="white")
    expected = BASELINE_DIR / f"{name}.png"
    if os.environ.get("VIBE_UPDATE_BASELINES") == "1":
        from PIL import Image

        # Same pixels, smaller file: Pillow's zlib search beats matplotlib's default.
        Image.open(actual).save(expected, optimize=True)
        pytest.fail(f"baseline {expected} rewritten; rerun without VIBE_UPDATE_BASELINES")
    assert expected.exists(), f"missing baseline {expected}; run with VIBE_UPDATE_BASELINES=1"
    return compare_images(str(expected), str(actual), tol=TOLERANCE)
