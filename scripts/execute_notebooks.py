"""Execute the tutorial notebooks in place and keep their stored outputs small.

Usage: ``python scripts/execute_notebooks.py [notebooks/*.ipynb]``. Widget state (which
holds binary buffers such as the video proxy) is dropped from the notebook metadata so
git stores only the cells' text outputs; nbval compares those.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import nbformat
from nbclient import NotebookClient


def execute(path: Path) -> None:
    """Run one notebook top to bottom in its folder and save it without widget state.

    Each notebook gets a fresh feature cache, as under ``make test``: the tutorials print
    which features came from the cache, so their outputs must not depend on run order.
    """
    nb = nbformat.read(path, as_version=4)
    os.environ["VIBE_WIDGETS_CACHE"] = tempfile.mkdtemp(prefix="vibe-nb-cache-")
    NotebookClient(nb, timeout=600, kernel_name="python3", resources={
        "metadata": {"path": str(path.parent)}
    }).execute()  # fmt: skip
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
    nbformat.write(nb, path)
    print(f"executed {path}")


def main(paths: list[str]) -> int:
    """Execute the given notebooks (default: every notebook in notebooks/)."""
    targets = [Path(p) for p in paths] or sorted(Path("notebooks").glob("*.ipynb"))
    for path in targets:
        execute(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
