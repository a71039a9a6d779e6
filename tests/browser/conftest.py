"""Browser-test fixtures: Debian chromium through Playwright, a JupyterLab server, artifacts."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from lab import (
    CHROMIUM_FLAGS,
    KERNEL_EXEC_JS,
    LabServer,
    kernel_run,
    open_lab_notebook,
    running_lab,
    wait_kernel,
    write_notebook,
)

__all__ = [
    "KERNEL_EXEC_JS",
    "OfflinePage",
    "kernel_run",
    "open_lab_notebook",
    "open_offline",
    "wait_kernel",
    "write_notebook",
]

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "artifacts" / "screenshots"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    executable = shutil.which("chromium")
    if executable is None:
        pytest.fail(
            "Debian chromium is not installed: run `make test` (it installs it with apt) "
            "or `apt-get install -y chromium`."
        )
    return {**browser_type_launch_args, "executable_path": executable, "args": CHROMIUM_FLAGS}


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def lab_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabServer]:
    """JupyterLab on 127.0.0.1 with a token, serving a temporary folder (never the repo)."""
    try:
        with running_lab(tmp_path_factory.mktemp("lab")) as server:
            yield server
    except RuntimeError as error:
        pytest.fail(str(error))


class OfflinePage:
    """A page opened from file:// with every other request blocked (and recorded)."""

    def __init__(self, page, blocked: list[str], errors: list[str]):
        self.page, self.blocked, self.errors = page, blocked, errors


def seek_time(tr_index: int, tr: float = 1.49, fps: float | None = None) -> float:
    """Where the player seeks for a TR: the first sample-clip frame that starts inside it.

    Mirrors ``cursorToTime`` in js/lib/cursor.js (checked there by vitest); the browser
    tests compare the video's ``currentTime`` against it.
    """
    import math

    import vibe_widgets as vw
    from vibe_widgets.engine.media import probe

    fps = fps or probe(vw.sample_clip().video_path).fps
    return math.ceil(tr_index * tr * fps - 1e-6) / fps + 0.001


def open_offline(context, path: Path, ready_js: str, timeout: float = 30_000) -> OfflinePage:
    """Open an exported HTML page with no network and wait until ``ready_js`` is true.

    Requests other than file:, blob: and data: are aborted and listed in ``.blocked``;
    uncaught page errors are listed in ``.errors``.
    """
    blocked: list[str] = []

    def guard(route):
        url = route.request.url
        if url.startswith(("file:", "blob:", "data:")):
            route.continue_()
        else:
            blocked.append(url)
            route.abort()

    context.route("**/*", guard)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(path.as_uri())
    page.wait_for_function(ready_js, timeout=timeout)
    return OfflinePage(page, blocked, errors)
