"""Helpers shared by the bench scripts: medians of repeated runs, fixed-width tables."""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

# The tests' helper writes real media files with PyAV; the benches reuse it.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))


def median_seconds(fn: Callable[[], object], repeats: int) -> float:
    """Median wall time of ``repeats`` calls of ``fn``."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def table(title: str, header: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    """Print a titled table: first column left-aligned, numbers right-aligned."""
    cells = [[_cell(v) for v in row] for row in rows]
    widths = [max(len(str(h)), *(len(r[i]) for r in cells)) for i, h in enumerate(header)]
    print(f"\n{title}")
    line = [str(header[0]).ljust(widths[0])]
    line += [str(h).rjust(w) for h, w in zip(header[1:], widths[1:], strict=True)]
    print("  ".join(line))
    for row in cells:
        out = [row[0].ljust(widths[0])]
        out += [c.rjust(w) for c, w in zip(row[1:], widths[1:], strict=True)]
        print("  ".join(out))


def _cell(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.3f}" if abs(value) < 100 else f"{value:.0f}"
    return str(value)
