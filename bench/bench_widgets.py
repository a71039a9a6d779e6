"""Benchmark: cursor change to all linked views repainted, in headless Debian chromium.

A static page holds a TranscriptEditor, a GlassBrain (1000 parcels) and a NetworkTimecourse
on one link, fed synthetic responses of shape (n_tr, 1000). For every TR the page publishes
the cursor on the link bus. "work" is the main-thread time of the publish plus the views'
repaint callbacks in the next frame; "frames" is the wall time until the frame after the
repaint. The baseline is the same step with no cursor change, in the same page.
Prints median and p95. ``--quick`` uses 60 TRs (CI keeps it working).
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path

import numpy as np
from playwright.sync_api import sync_playwright

import vibe_widgets as vw

FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

MEASURE_JS = """
async ([linkId, nTr]) => {
  const bus = globalThis.__vibeWidgetsCursorBus.get(linkId);
  const frame = () => new Promise((resolve) => requestAnimationFrame((t) => resolve(t)));
  // rAF callbacks of one frame run in registration order: a marker registered before the
  // publish runs before the views' repaints, one registered after runs after them.
  const step = async (action) => {
    let first = 0;
    requestAnimationFrame(() => { first = performance.now(); });
    const start = performance.now();
    action();
    const sync = performance.now() - start;
    const now = () => performance.now();
    const last = await new Promise((resolve) => requestAnimationFrame(() => resolve(now())));
    await frame();
    return { work: sync + (last - first), wall: performance.now() - start };
  };
  await frame(); await frame();
  const baseline = [], scrub = [];
  for (let c = 0; c < nTr; c++) {
    baseline.push(await step(() => {}));
    scrub.push(await step(() => bus.publish(c, null)));
  }
  const cursors = [...document.querySelectorAll("[data-cursor]")].map((e) => e.dataset.cursor);
  return { baseline, scrub, cursors };
}
"""


def _stats(values: list[float]) -> tuple[float, float]:
    return float(np.median(values)), float(np.percentile(values, 95))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="60 TRs (CI)")
    parser.add_argument("--trs", type=int, default=600)
    parser.add_argument(
        "--views", default="editor,brain,timecourse", help="comma-separated subset to time"
    )
    args = parser.parse_args(argv)
    n_tr = 60 if args.quick else args.trs
    rng = np.random.default_rng(0)
    responses = rng.standard_normal((n_tr, 1000)).astype(np.float32)
    link_id = "bench"
    makers = {
        "editor": lambda: vw.TranscriptEditor([f"line {i}" for i in range(n_tr)], link_id=link_id),
        "brain": lambda: vw.GlassBrain(responses, link_id=link_id),
        "timecourse": lambda: vw.NetworkTimecourse(responses, link_id=link_id),
    }
    names = args.views.split(",")
    views = [makers[name]() for name in names]
    with tempfile.TemporaryDirectory() as tmp:
        page_path = vw.export_html(views, Path(tmp) / "bench.html")
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=shutil.which("chromium"), args=FLAGS)
            page = browser.new_page(viewport={"width": 1400, "height": 1200})
            page.goto(page_path.as_uri())
            page.wait_for_function(
                f"globalThis.__vibeWidgetsCursorBus?.get('{link_id}')?.size >= {len(views)}",
                timeout=60_000,
            )
            result = page.evaluate(MEASURE_JS, [link_id, n_tr])
            browser.close()
    assert set(result["cursors"]) == {str(n_tr - 1)}, result["cursors"]
    rows = {
        "no cursor change (baseline)": result["baseline"],
        "cursor change, all views repaint": result["scrub"],
    }
    print(f"Cursor -> {' + '.join(names)} repainted (1000 parcels), {n_tr} TRs")
    print(f"{'':<34}{'work ms':>9}{'p95':>8}{'frames ms':>11}{'p95':>8}")
    stats = {}
    for name, samples in rows.items():
        work = _stats([s["work"] for s in samples])
        wall = _stats([s["wall"] for s in samples])
        stats[name] = (work, wall)
        print(f"{name:<34}{work[0]:>9.2f}{work[1]:>8.2f}{wall[0]:>11.2f}{wall[1]:>8.2f}")
    (_, base_wall), (work, wall) = stats.values()
    print(
        f"repaint work per TR: median {work[0]:.2f} ms, p95 {work[1]:.2f} ms (budget 16 ms); "
        f"cursor-to-painted-frame {wall[0] / base_wall[0]:.2f}x the idle two-frame wait"
    )


if __name__ == "__main__":
    main()
