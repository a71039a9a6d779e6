"""A JupyterLab server and notebook driving for browser tests and browser benchmarks.

Plain functions (no pytest) so that bench/ can start the same JupyterLab as the tests.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

# Flags measured to work on these machines; the autoplay flag lets tests press play unmuted.
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--autoplay-policy=no-user-gesture-required",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _write_lab_settings(settings: Path) -> None:
    # Keep the news/update pop-up away: `--LabApp.news_url=None` alone is not enough.
    notes = settings / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings"
    notes.parent.mkdir(parents=True, exist_ok=True)
    notes.write_text(json.dumps({"fetchNews": "false", "checkForUpdates": False}))


class LabServer:
    """A running JupyterLab: its URL, token and the folder it serves."""

    def __init__(self, url: str, token: str, root: Path):
        self.url, self.token, self.root = url, token, root

    def notebook_url(self, name: str) -> str:
        return f"{self.url}/lab/tree/{name}?token={self.token}&reset"


@contextmanager
def running_lab(base: Path, env: dict[str, str] | None = None) -> Iterator[LabServer]:
    """JupyterLab on 127.0.0.1 with a token, serving ``base/root`` (never the repo).

    Settings, workspaces, runtime files and the vibe-widgets cache all live under ``base``.
    """
    root, settings = base / "root", base / "settings"
    root.mkdir(parents=True, exist_ok=True)
    _write_lab_settings(settings)
    port, token = _free_port(), uuid.uuid4().hex
    env = {
        **os.environ,
        "JUPYTERLAB_SETTINGS_DIR": str(settings),
        "JUPYTERLAB_WORKSPACES_DIR": str(base / "workspaces"),
        "JUPYTER_RUNTIME_DIR": str(base / "runtime"),
        "VIBE_WIDGETS_CACHE": str(base / "cache"),
        **(env or {}),
    }
    log_path = base / "lab.log"
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            [
                sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root",
                "--ip=127.0.0.1", f"--port={port}", f"--IdentityProvider.token={token}",
                f"--ServerApp.root_dir={root}", "--LabApp.news_url=None",
                "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
                "--LabApp.expose_app_in_browser=True",
            ],
            env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            url = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 60
            while True:
                try:
                    urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=2).read()
                    break
                except OSError:
                    if proc.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError(
                            f"JupyterLab did not start; log:\n{log_path.read_text()}"
                        ) from None
                    time.sleep(0.25)
            yield LabServer(url, token, root)
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()


def write_notebook(path: Path, cells: list[str]) -> Path:
    """A minimal nbformat-4 notebook with the given code cells."""
    nb = {
        "cells": [
            {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
             "source": source}
            for source in cells
        ],
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3",
                                    "language": "python"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }  # fmt: skip
    path.write_text(json.dumps(nb))
    return path


# Runs Python in the page's own kernel and returns what it printed.
KERNEL_EXEC_JS = """
async (code) => {
  const kernel = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;
  const future = kernel.requestExecute({ code });
  let out = "";
  future.onIOPub = (msg) => {
    if (msg.header.msg_type === "stream") out += msg.content.text;
    const c = msg.content;
    if (msg.header.msg_type === "error") out += "ERROR " + c.ename + ": " + c.evalue;
  };
  await future.done;
  return out;
}
"""


def kernel_run(page, code: str) -> str:
    """Run ``code`` in the notebook's kernel; return what it printed, failing on an error."""
    out = page.evaluate(KERNEL_EXEC_JS, code)
    assert "ERROR" not in out, out
    return out.strip()


def wait_kernel(page, code: str, expected: str, timeout: float = 10_000) -> None:
    """Poll the kernel until ``code`` prints ``expected``."""
    page.wait_for_function(
        "async ([code, expected]) => (await (" + KERNEL_EXEC_JS + ")(code)).trim() === expected",
        arg=[code, expected],
        timeout=timeout,
        polling=250,
    )


def open_lab_notebook(
    lab_server: LabServer,
    browser,
    name: str,
    cells: list[str],
    ready_selector: str,
    viewport: tuple[int, int] = (1200, 900),
    timeout: float = 60_000,
):
    """Write a notebook, open it in JupyterLab, run all cells, wait for ``ready_selector``.

    Returns ``(context, page)``; a traceback in the notebook raises RuntimeError with its
    text instead of a time-out.
    """
    write_notebook(lab_server.root / name, cells)
    context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]})
    page = context.new_page()
    page.goto(lab_server.notebook_url(name))
    page.wait_for_function(
        "window.jupyterapp && window.jupyterapp.shell.currentWidget"
        " && window.jupyterapp.shell.currentWidget.sessionContext.session"
        " && window.jupyterapp.shell.currentWidget.sessionContext.session.kernel"
        " && window.jupyterapp.shell.currentWidget.sessionContext.session.kernel.status"
        " === 'idle'",
        timeout=timeout,
    )
    page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
    stderr = "[data-mime-type='application/vnd.jupyter.stderr']"
    page.wait_for_selector(f"{ready_selector}, {stderr}", state="attached", timeout=timeout)
    if not page.locator(ready_selector).count():
        message = page.locator(stderr).first.inner_text()
        context.close()
        raise RuntimeError(f"the notebook cell failed:\n{message}")
    return context, page
