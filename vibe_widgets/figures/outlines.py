"""nilearn's glass-brain outlines as polylines in MNI millimetres, one set per view."""

from __future__ import annotations

import functools
import json
from pathlib import Path

import numpy as np

__all__ = ["VIEWS", "brain_outlines", "outlines_json"]

# view name -> (nilearn schematic file, MNI axes on (horizontal, vertical), affine params).
# The affine parameters are nilearn's own (plotting/glass_brain.py, hand-tuned to the MNI
# template): matplotlib's Affine2D.from_values(a, b, c, d, e, f) maps the schematic's
# (px, py) to (a*px + c*py + e, b*px + d*py + f) in mm, with py already pointing up.
VIEWS: dict[str, tuple[str, tuple[int, int], tuple[float, ...]]] = {
    "sagittal": ("side", (1, 2), (0.38, 0, 0, 0.38, -108, -70)),
    "coronal": ("back", (0, 2), (0.39, 0, 0, 0.39, -73, -73)),
    "axial": ("top", (0, 1), (0.36, 0, 0, 0.37, -71, -107)),
}

# Points sampled along each cubic/quadratic Bezier segment: enough for smooth outlines at
# widget sizes, few enough that all three views stay a few tens of kB of JSON.
_BEZIER_SAMPLES = 8


def _schematics_dir() -> Path:
    import nilearn.plotting

    return Path(nilearn.plotting.__file__).resolve().parent / "glass_brain_files"


def _bezier(pts: np.ndarray, n: int) -> np.ndarray:
    """Points along a Bezier curve of any degree (de Casteljau), shape (n, 2)."""
    t = np.linspace(0.0, 1.0, n)[:, None, None]
    ctrl = np.broadcast_to(pts, (n, *pts.shape)).copy()
    while ctrl.shape[1] > 1:
        ctrl = (1 - t) * ctrl[:, :-1] + t * ctrl[:, 1:]
    return ctrl[:, 0]


def _polylines(content: dict, params: tuple[float, ...]) -> list[np.ndarray]:
    a, b, c, d, e, f = params
    matrix = np.array([[a, c], [b, d]])
    offset = np.array([e, f])
    lines: list[list[np.ndarray]] = []
    for path in content["paths"]:
        current: list[np.ndarray] = []
        for item in path["items"]:
            pts = np.asarray(item["pts"], dtype=np.float64)
            seg = _bezier(pts, _BEZIER_SAMPLES) if item["type"] == "bezier" else pts
            # Consecutive items that touch form one polyline (fewer strokes to draw).
            if current and np.allclose(current[-1][-1], seg[0], atol=1e-6):
                current.append(seg[1:])
            else:
                if current:
                    lines.append(current)
                current = [seg]
        if current:
            lines.append(current)
    return [np.concatenate(parts) @ matrix.T + offset for parts in lines]


@functools.lru_cache(maxsize=1)
def brain_outlines() -> dict[str, tuple[np.ndarray, ...]]:
    """The glass-brain outlines of the three views, in MNI mm.

    Returns
    -------
    dict
        ``{"sagittal" | "coronal" | "axial": (polyline, ...)}``; each polyline is a
        read-only array of shape (n_points, 2) holding (horizontal, vertical) MNI mm:
        sagittal (y, z), coronal (x, z), axial (x, y).
    """
    folder = _schematics_dir()
    out: dict[str, tuple[np.ndarray, ...]] = {}
    for view, (name, _, params) in VIEWS.items():
        content = json.loads((folder / f"brain_schematics_{name}.json").read_text())
        lines = _polylines(content, params)
        for line in lines:
            line.flags.writeable = False
        out[view] = tuple(lines)
    return out


@functools.lru_cache(maxsize=1)
def outlines_json() -> dict[str, dict]:
    """The outlines as a small JSON-able trait value.

    Returns
    -------
    dict
        ``{view: {"axes": [h, v], "bounds": [hmin, hmax, vmin, vmax], "lines": [[h0, v0,
        h1, v1, ...], ...]}}`` with mm rounded to 0.1 (far below a pixel).
    """
    out = {}
    for view, lines in brain_outlines().items():
        stacked = np.concatenate(lines)
        lo, hi = stacked.min(axis=0), stacked.max(axis=0)
        out[view] = {
            "axes": list(VIEWS[view][1]),
            "bounds": [round(float(v), 1) for v in (lo[0], hi[0], lo[1], hi[1])],
            "lines": [np.round(line, 1).ravel().tolist() for line in lines],
        }
    return out
