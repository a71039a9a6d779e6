"""Benchmark: frames per second of the glass-brain animation against per-TR nilearn renders.

Run ``python bench/bench_figures.py`` (30 TRs, 3 repeats) or ``--quick`` (4 TRs, 1 repeat,
for CI). All frames are 960 x 336 px at 80 dpi (the animation's default size).

Rows:

- ``nilearn plot_glass_brain``: the baseline. Per TR, the parcel values are painted into a
  synthetic label volume (each of the 1000 Schaefer centroids as a 3 x 3 x 3 voxel cube on
  the 2 mm MNI grid, built here with nibabel: the real Schaefer NIfTI is not shipped) and
  ``nilearn.plotting.plot_glass_brain`` draws a new figure, rasterised with Agg.
- ``full redraw``: our figure, drawn from scratch per TR (what plot_glass_brain does).
- ``blit (render only)``: `GlassBrainFrames` as the animation uses it: the static parts are
  drawn once, each frame recolours the dots and blits.
- ``animation .gif`` / ``.mp4``: `generate_glass_brain_animation` end to end, writing included.

Frames per second are medians over repeats; ratio = fps / baseline fps in the same run.
Timings on a shared machine are noisy.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

WIDTH, HEIGHT, DPI = 960, 336, 80


def _label_image():
    import nibabel

    from vibe_widgets.engine.atlas import load_atlas

    affine = np.array([[-2.0, 0, 0, 90], [0, 2.0, 0, -126], [0, 0, 2.0, -72], [0, 0, 0, 1]])
    labels = np.zeros((91, 109, 91), dtype=np.int16)
    homogeneous = np.c_[load_atlas().centroids, np.ones(1000)]
    ijk = np.rint(np.linalg.solve(affine, homogeneous.T).T[:, :3]).astype(int)
    for k, (i, j, m) in enumerate(ijk):
        labels[i - 1 : i + 2, j - 1 : j + 2, m - 1 : m + 2] = k + 1
    return nibabel.Nifti1Image(labels, affine)


def _nilearn_frames(responses: np.ndarray, vmax: float, image) -> None:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from nilearn import plotting

    from vibe_widgets.figures.colors import cold_hot_cmap
    from vibe_widgets.figures.volume import paint_parcels

    cmap = cold_hot_cmap()
    for index, values in enumerate(responses):
        fig = Figure(figsize=(WIDTH / DPI, HEIGHT / DPI), dpi=DPI)
        canvas = FigureCanvasAgg(fig)
        plotting.plot_glass_brain(
            paint_parcels(values, image), figure=fig, display_mode="ortho", plot_abs=False,
            cmap=cmap, vmin=-vmax, vmax=vmax, colorbar=True, title=f"TR {index}",
            threshold=1e-6 * vmax,
        )
        canvas.draw()
        np.asarray(canvas.buffer_rgba())[..., :3].copy()


def _full_redraw(responses: np.ndarray, vmax: float) -> None:
    from vibe_widgets.figures import plot_glass_brain

    for index in range(len(responses)):
        fig = plot_glass_brain(responses, index, vmax=vmax, width=WIDTH, height=HEIGHT, dpi=DPI)
        fig.canvas.draw()
        np.asarray(fig.canvas.buffer_rgba())[..., :3].copy()


def _blit(responses: np.ndarray, vmax: float) -> None:
    from vibe_widgets.figures.colors import cold_hot_cmap
    from vibe_widgets.figures.glass_brain import GlassBrainFrames

    frames = GlassBrainFrames(
        drawn=np.ones(1000, bool), cmap=cold_hot_cmap(), vmin=-vmax, vmax=vmax,
        width=WIDTH, height=HEIGHT, dpi=DPI, animated=True,
    )
    for index, values in enumerate(responses):
        frames.set_values(values, f"TR {index}")
        frames.render()


def _animation(responses: np.ndarray, vmax: float, path: Path) -> None:
    from vibe_widgets.figures import generate_glass_brain_animation

    generate_glass_brain_animation(
        responses, path, vmax=vmax, width=WIDTH, height=HEIGHT, dpi=DPI, show_progress=False
    )


def _fps(run, n_frames: int, repeats: int) -> float:
    rates = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        rates.append(n_frames / (time.perf_counter() - start))
    return statistics.median(rates)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="4 TRs, 1 repeat (CI)")
    parser.add_argument("--trs", type=int, default=30, help="frames per run")
    parser.add_argument("--repeats", type=int, default=3, help="timed runs per row")
    args = parser.parse_args(argv)
    n_tr, repeats = (4, 1) if args.quick else (args.trs, args.repeats)

    import matplotlib

    rng = np.random.default_rng(0)
    responses = rng.normal(scale=0.5, size=(n_tr, 1000)).astype(np.float32)
    vmax = float(np.percentile(np.abs(responses), 99))
    image = _label_image()
    warnings.filterwarnings("ignore", module="nilearn")
    folder = Path(tempfile.mkdtemp(prefix="bench_figures_"))
    # One untimed pass of each warms imports, the atlas and font caches.
    _nilearn_frames(responses[:1], vmax, image)
    _blit(responses[:1], vmax)
    _animation(responses[:1], vmax, folder / "warm.gif")

    rows = [
        ("nilearn plot_glass_brain", lambda: _nilearn_frames(responses, vmax, image)),
        ("full redraw (ours)", lambda: _full_redraw(responses, vmax)),
        ("blit (render only)", lambda: _blit(responses, vmax)),
        ("animation .gif", lambda: _animation(responses, vmax, folder / "a.gif")),
        ("animation .mp4", lambda: _animation(responses, vmax, folder / "a.mp4")),
    ]
    print(f"frames      : {n_tr} TRs of random responses, {WIDTH} x {HEIGHT} px at {DPI} dpi")
    print(f"repeats     : {repeats} (median reported)")
    print(f"matplotlib  : {matplotlib.__version__}, Agg; python {sys.version.split()[0]}")
    print()
    print(f"{'row':<26} {'frames/s':>9} {'ms/frame':>9} {'ratio':>7}")
    baseline = None
    for name, run in rows:
        fps = _fps(run, n_tr, repeats)
        baseline = baseline or fps
        print(f"{name:<26} {fps:>9.2f} {1000 / fps:>9.1f} {fps / baseline:>6.1f}x")


if __name__ == "__main__":
    main()
