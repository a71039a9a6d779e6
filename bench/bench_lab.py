"""Benchmark in a real JupyterLab: response transfer, and edit-to-brain latency in the Explorer.

1. Transfer: the kernel sends new responses of shape (n_tr, 1000) float32 to a linked
   GlassBrain and NetworkTimecourse (``set_responses``); timed from the execute request to
   both views having decoded the new data and painted the next frame. The baseline is the
   round trip of an execute request that does nothing, in the same kernel and page.
2. Edit-to-brain: an Explorer (demo variant, debounce 0) on a synthetic movie with one
   transcript line per TR; a line at the start, middle and end is edited in the browser
   (click, Enter, type, Enter) and timed from the committing Enter to both views repainted
   with the re-encoded prediction. Audio and video features come from the cache, so this is
   the text pass, the model pass, the transfer and the repaint.

``--quick`` (CI keeps it working): 60 TRs of transfer and a 1-minute movie.
Default: 600 TRs and a 20-minute movie (805 TRs; the first encode takes a few minutes).
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from playwright.sync_api import sync_playwright

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "browser"))
sys.path.insert(0, str(REPO / "tests"))
from lab import CHROMIUM_FLAGS, kernel_run, open_lab_notebook, running_lab  # noqa: E402
from synthetic import write_video  # noqa: E402

TR = 1.49

# Runs `code` in the kernel; resolves when every view root has more data updates than before
# and one more frame has been painted. Returns [ms to reply, ms to painted].
TIMED_EXEC_JS = """
async ([code, selector]) => {
  const kernel = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;
  const roots = [...document.querySelectorAll(selector)];
  const before = roots.map((r) => +r.dataset.dataUpdates);
  const frame = () => new Promise((resolve) => requestAnimationFrame(resolve));
  const start = performance.now();
  const future = kernel.requestExecute({ code });
  let error = null;
  future.onIOPub = (msg) => {
    if (msg.header.msg_type === "error") error = msg.content.evalue;
  };
  let replied = null;
  future.done.then(() => { replied = performance.now() - start; });
  // With no views to wait for, "painted" is the reply.
  if (!roots.length) await future.done;
  while (!roots.every((r, i) => +r.dataset.dataUpdates > before[i])) {
    await frame();
    if (error) throw new Error(error);
  }
  if (roots.length) await frame();
  const painted = performance.now() - start;
  await future.done;
  if (error) throw new Error(error);
  return [replied, painted];
}
"""

# Milliseconds from the last Enter in the page until both views hold new data and painted.
EDIT_LATENCY_JS = """
async ([before]) => {
  const roots = [...document.querySelectorAll('.vw-glass-brain, .vw-timecourse')];
  const frame = () => new Promise((resolve) => requestAnimationFrame(resolve));
  const deadline = performance.now() + 600000;
  while (!roots.every((r, i) => +r.dataset.dataUpdates > before[i])) {
    if (performance.now() > deadline) throw new Error('no re-encode arrived');
    await frame();
  }
  await frame();
  return performance.now() - window.__lastEnter;
}
"""

RECORD_ENTER_JS = """
() => document.addEventListener('keydown', (e) => {
  if (e.key === 'Enter') window.__lastEnter = performance.now();
}, true)
"""


def _median_p95(values: list[float]) -> tuple[float, float]:
    return statistics.median(values), float(np.percentile(values, 95))


def bench_transfer(server, browser, n_tr: int, repeats: int) -> None:
    setup = (
        "import numpy as np, ipywidgets, vibe_widgets as vw\n"
        f"rng = np.random.default_rng(0)\n"
        f"R = [rng.standard_normal(({n_tr}, 1000)).astype(np.float32) for _ in range(2)]\n"
        "gb, tc = vw.GlassBrain(R[0]), vw.NetworkTimecourse(R[0])\n"
        "vw.link(gb, tc)\n"
        "ipywidgets.VBox([gb, tc])"
    )
    context, page = open_lab_notebook(
        server, browser, "transfer.ipynb", [setup], ".vw-timecourse", viewport=(1400, 1200)
    )
    page.wait_for_function("document.querySelectorAll('canvas').length >= 2")
    selector = ".vw-glass-brain, .vw-timecourse"
    baseline, transfer, replies = [], [], []
    for i in range(repeats):
        baseline.append(page.evaluate(TIMED_EXEC_JS, ["pass", ".none"])[1])
        code = f"gb.set_responses(R[{(i + 1) % 2}]); tc.set_responses(R[{(i + 1) % 2}])"
        replied, painted = page.evaluate(TIMED_EXEC_JS, [code, selector])
        transfer.append(painted)
        replies.append(replied)
    payload = float(kernel_run(page, "print(R[0].nbytes * 2 / 1e6)"))
    context.close()
    base, total = _median_p95(baseline), _median_p95(transfer)
    print(f"\nResponse transfer in JupyterLab: {n_tr} TRs x 1000 parcels, float32, to a")
    print(f"GlassBrain and a NetworkTimecourse ({payload:.1f} MB of responses), {repeats} runs")
    print(f"{'':<44}{'median ms':>10}{'p95 ms':>9}")
    print(f"{'empty execute round trip (baseline)':<44}{base[0]:>10.1f}{base[1]:>9.1f}")
    print(f"{'set_responses -> both views painted':<44}{total[0]:>10.1f}{total[1]:>9.1f}")
    print(
        f"transfer and decode beyond the round trip: {total[0] - base[0]:.1f} ms "
        f"({total[0] / base[0]:.1f}x the baseline; "
        f"{payload / max((total[0] - base[0]) / 1000, 1e-6):.0f} MB/s)"
    )


def bench_edit(server, browser, minutes: float) -> None:
    n_tr = int(minutes * 60 / TR)
    movie = server.root / "movie.mp4"
    started = time.perf_counter()
    write_video(movie, seconds=n_tr * TR + 0.5, fps=12, size=(160, 96))
    made = time.perf_counter() - started
    rng = np.random.default_rng(1)
    words = ["the", "storm", "city", "forest", "river", "light", "night", "voice", "door"]
    lines = [" ".join(rng.choice(words, size=6)) for _ in range(n_tr)]
    (server.root / "lines.json").write_text(json.dumps(lines))
    setup = (
        "import json, vibe_widgets as vw\n"
        "model = vw.get_encoding_model(vw.MODEL_ID, subject=1, model_variant='demo', "
        "device='cpu')\n"
        "lines = json.load(open('lines.json'))\n"
        "ex = vw.Explorer(model, 'movie.mp4', lines, show_progress=False, debounce=0)\n"
        "ex"
    )
    started = time.perf_counter()
    context, page = open_lab_notebook(
        server, browser, "edit.ipynb", [setup], ".vw-video", viewport=(1400, 1400),
        timeout=900_000,
    )  # fmt: skip
    page.wait_for_function(f"document.querySelectorAll('.vw-row').length === {n_tr}")
    first = time.perf_counter() - started
    page.evaluate(RECORD_ENTER_JS)
    print(f"\nEdit-to-brain latency in JupyterLab: Explorer, demo variant, {n_tr} TRs")
    print(f"({minutes:g} min synthetic movie written in {made:.1f} s; first encode {first:.0f} s)")
    print(f"{'edited line':<24}{'latency ms':>11}{'kernel re-encode':>18}")
    results = {}
    for label, index in (("start (TR 0)", 0), ("middle", n_tr // 2), ("end (last TR)", n_tr - 1)):
        samples, kernel_times = [], []
        for attempt in range(2):
            before = page.evaluate(
                "[...document.querySelectorAll('.vw-glass-brain, .vw-timecourse')]"
                ".map((r) => +r.dataset.dataUpdates)"
            )
            row = page.locator(f".vw-row[data-index='{index}']")
            row.scroll_into_view_if_needed()
            row.click()
            page.keyboard.press("Enter")
            page.keyboard.type(f"an edited line {label} {attempt}")
            page.keyboard.press("Enter")
            samples.append(page.evaluate(EDIT_LATENCY_JS, [before]))
            status = kernel_run(page, "print(ex.status.value)")
            kernel_times.append(status.rsplit(" in ", 1)[-1])
        results[label] = statistics.median(samples)
        print(f"{label:<24}{results[label]:>11.0f}{kernel_times[-1]:>18}")
    context.close()
    start, end = results["start (TR 0)"], results["end (last TR)"]
    print(f"an edit at the end costs {end / start:.2f}x an edit at the start")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="60 TRs, 1-minute movie (CI)")
    parser.add_argument("--trs", type=int, default=600, help="TRs for the transfer benchmark")
    parser.add_argument("--minutes", type=float, default=20.0, help="movie for the edit benchmark")
    parser.add_argument("--repeats", type=int, default=10)
    args = parser.parse_args(argv)
    n_tr, minutes, repeats = (60, 1.0, 3) if args.quick else (args.trs, args.minutes, args.repeats)
    with (
        tempfile.TemporaryDirectory() as tmp,
        running_lab(Path(tmp)) as server,
        sync_playwright() as p,
    ):
        browser = p.chromium.launch(executable_path=shutil.which("chromium"), args=CHROMIUM_FLAGS)
        bench_transfer(server, browser, n_tr, repeats)
        bench_edit(server, browser, minutes)
        browser.close()


if __name__ == "__main__":
    main()
