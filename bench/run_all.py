"""Run every ``bench/bench_*.py`` in turn, passing ``--quick`` through; fail if any fails.

``python bench/run_all.py`` (``make bench``) prints each script's tables; ``--quick`` is
what CI runs to keep the scripts working (it checks they run, not their numbers).
``--only decoding,reencode`` runs a subset.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (CI)")
    parser.add_argument("--only", default="", help="comma-separated names, e.g. decoding")
    args = parser.parse_args(argv)
    scripts = sorted(HERE.glob("bench_*.py"))
    if args.only:
        wanted = {f"bench_{name.strip()}.py" for name in args.only.split(",")}
        unknown = wanted - {s.name for s in scripts}
        if unknown:
            parser.error(f"no such bench: {sorted(unknown)}; have {[s.name for s in scripts]}")
        scripts = [s for s in scripts if s.name in wanted]
    failed = []
    for script in scripts:
        print(f"\n===== {script.name}{' --quick' if args.quick else ''} =====", flush=True)
        started = time.perf_counter()
        done = subprocess.run([sys.executable, str(script), *(["--quick"] if args.quick else [])])
        seconds = time.perf_counter() - started
        print(f"----- {script.name}: exit {done.returncode}, {seconds:.1f} s", flush=True)
        if done.returncode:
            failed.append(script.name)
    if failed:
        print(f"\nFAILED: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
