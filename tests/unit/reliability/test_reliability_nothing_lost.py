"""Nothing lost: atomic transcript saves with a backup, recovery after a kernel restart,
and a feature cache that two processes can write at once without a bad or lost entry.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import vibe_widgets as vw
from vibe_widgets.engine.features.cache import FeatureCache
from vibe_widgets.widgets.transcript_editor import backup_path


def test_each_save_keeps_the_previous_one_as_bak(tmp_path: Path):
    path = tmp_path / "edits.json"
    editor = vw.TranscriptEditor(["one", "two"])
    editor.save(path)
    assert not backup_path(path).exists()  # nothing to back up the first time
    editor.transcripts = ["one", "TWO"]
    editor.save(path)
    assert backup_path(path) == tmp_path / "edits.json.bak"
    assert vw.TranscriptEditor.load(backup_path(path)).transcripts == ["one", "two"]
    assert vw.TranscriptEditor.load(path).transcripts == ["one", "TWO"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["edits.json", "edits.json.bak"]


def test_a_failed_save_leaves_both_files_as_they_were(tmp_path: Path, monkeypatch):
    path = tmp_path / "edits.tsv"
    editor = vw.TranscriptEditor(["a", "b"])
    editor.save(path)
    editor.transcripts = ["a", "c"]
    editor.save(path)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}

    def full_disk(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full_disk)
    editor.transcripts = ["x", "y"]
    with pytest.raises(OSError, match=r"cannot save transcripts to '.*edits\.tsv'.*No space"):
        editor.save(path)
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


def test_a_corrupt_save_points_to_its_backup(tmp_path: Path):
    path = tmp_path / "edits.json"
    editor = vw.TranscriptEditor(["a", "b"])
    editor.save(path)
    editor.save(path)
    path.write_text('{"transcripts": ["a", ')  # e.g. edited by hand and cut short
    with pytest.raises(vw.InvalidParameterError, match=r"previous save is kept in '.*\.bak'"):
        vw.TranscriptEditor.load(path)


KERNEL = """
import os, signal, sys
import vibe_widgets as vw
editor = vw.TranscriptEditor(["", "hello", ""])
editor.transcripts = ["", "hello world", "the end"]
editor.save(sys.argv[1])
editor.transcripts = ["unsaved", "edit", "lost"]
os.kill(os.getpid(), signal.SIGKILL)  # the kernel dies: no clean-up, no atexit
"""


def test_an_editing_session_comes_back_after_the_kernel_is_killed(tmp_path: Path):
    path = tmp_path / "session.json"
    done = subprocess.run([sys.executable, "-c", KERNEL, str(path)], timeout=300, check=False)
    assert done.returncode == -signal.SIGKILL
    restored = vw.TranscriptEditor.load(path)
    assert restored.transcripts == ["", "hello world", "the end"]
    assert restored.tr == 1.49
    assert not list(tmp_path.glob(".transcripts-*"))  # no temporary file left behind


def _writer(root: str, value: float, rounds: int, keys: list[str]) -> None:
    cache = FeatureCache(root)
    for i in range(rounds):
        for key in keys:
            cache.put(key, np.full((128, 512), value + i, np.float32), writer=value)


def test_two_writer_processes_never_leave_a_torn_or_lost_entry(tmp_path: Path):
    cache = FeatureCache(tmp_path)
    shared = [cache.key(m, "same-movie", "x", {}) for m in ("audio", "video")]
    own = {v: cache.key("text", f"edit-{v}", "x", {}) for v in (1000.0, 2000.0)}
    ctx = multiprocessing.get_context("spawn")
    procs = [
        ctx.Process(target=_writer, args=(str(tmp_path), v, 25, [*shared, own[v]]))
        for v in (1000.0, 2000.0)
    ]
    for p in procs:
        p.start()
    reads = 0
    seen_once: set[str] = set()
    while any(p.is_alive() for p in procs):
        for key in shared:
            got = cache.get(key)
            if got is None:
                # Once an entry exists it is replaced atomically: never missing again.
                assert key not in seen_once
                continue
            seen_once.add(key)
            reads += 1
            assert np.all(got == got[0, 0])  # one writer's array, never a mix
    for p in procs:
        p.join()
        assert p.exitcode == 0
    for value, key in own.items():
        assert float(cache.get(key)[0, 0]) == value + 24  # each writer's last put
    assert cache.get(shared[0])[0, 0] in (1024.0, 2024.0)
    assert not list(tmp_path.rglob(".tmp-*"))
    assert reads > 0


def test_a_corrupt_entry_is_recomputed_never_returned(tmp_path: Path):
    cache = FeatureCache(tmp_path)
    key = cache.key("audio", "movie", "ast", {})
    path = cache.put(key, np.ones((4, 3), np.float32))
    data = bytearray(path.read_bytes())
    data[-1] ^= 0xFF
    path.write_bytes(bytes(data))
    assert cache.get(key) is None
    assert not path.exists()


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores file permissions")
def test_a_read_only_cache_is_a_cache_error_naming_the_fix(tmp_path: Path):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        with pytest.raises(vw.CacheError, match=r"set VIBE_WIDGETS_CACHE to a writable folder"):
            FeatureCache(folder).put("audio-" + "0" * 32, np.zeros(3))
    finally:
        folder.chmod(0o700)
