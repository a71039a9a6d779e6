"""Seeded fuzz of the media layer on mutated copies of the shipped sample clip.

Each case is the sample clip with one to three byte-level mutations (bit flips, random
overwrites, zeroed, deleted or duplicated ranges, truncation), half of them aimed at the
MP4 index at the front of the file, where sizes and counts live. A worker process decodes
every case with probe, count_frames, decode_audio and iter_frame_windows; the parent
watches it, so a crash or a hang is caught, and reads its peak memory after each case.

Every operation must end in a valid result or a clean MediaError. CI runs 30 cases; set
``VIBE_FUZZ_CASES`` (and ``VIBE_FUZZ_SEED``) for longer runs.
"""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import vibe_widgets as vw

CASES = int(os.environ.get("VIBE_FUZZ_CASES", "30"))
SEED = int(os.environ.get("VIBE_FUZZ_SEED", "20250709"))
CASE_TIMEOUT_S = 60.0  # a hang guard, far above the ~0.5 s a case takes
MAX_RSS_GROWTH_MB = 1024.0  # the clean clip decodes in ~100 MB above the imports
WORKER = Path(__file__).with_name("fuzz_worker.py")
SAMPLE = Path(vw.sample_clip().video_path).read_bytes()
INDEX_END = SAMPLE.find(b"mdat")  # the sample is "fast start": moov before mdat


def mutate(data: bytes, rng: np.random.Generator) -> tuple[bytes, list[str]]:
    """One to three random mutations of ``data``, and their description for a report."""
    buf = bytearray(data)
    done = []
    for _ in range(int(rng.integers(1, 4))):
        kind = str(
            rng.choice(["flip", "overwrite", "zero", "delete", "duplicate", "truncate"])
        )
        # Half the mutations hit the index, where a bad size or count does the most harm.
        end = INDEX_END if rng.random() < 0.5 else len(buf)
        at = int(rng.integers(0, max(1, min(end, len(buf)))))
        size = int(rng.integers(1, 4097))
        if kind == "flip":
            for pos in rng.integers(0, max(1, min(end, len(buf))), int(rng.integers(1, 33))):
                buf[int(pos)] ^= 1 << int(rng.integers(0, 8))
        elif kind == "overwrite":
            buf[at : at + size] = rng.integers(0, 256, len(buf[at : at + size]), np.uint8).tobytes()
        elif kind == "zero":
            buf[at : at + size] = bytes(len(buf[at : at + size]))
        elif kind == "delete":
            del buf[at : at + size]
        elif kind == "duplicate":
            buf[at:at] = buf[at : at + size]
        else:
            del buf[at:]
        done.append(f"{kind}@{at}+{size}")
    return bytes(buf), done


class Worker:
    """The fuzz worker process, restarted after a crash or a hang."""

    def __init__(self) -> None:
        self.proc: subprocess.Popen[str] | None = None
        self.baseline_mb = 0.0

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, str(WORKER)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env={**os.environ, "PYTHONFAULTHANDLER": "1"},
        )
        assert json.loads(self._line(120.0) or "{}").get("ready"), "fuzz worker did not start"

    def _line(self, timeout: float) -> str | None:
        assert self.proc is not None
        ready, _, _ = select.select([self.proc.stdout], [], [], timeout)
        return self.proc.stdout.readline() if ready else None

    def ask(self, path: Path) -> dict[str, object]:
        if self.proc is None or self.proc.poll() is not None:
            self.start()
        assert self.proc is not None
        self.proc.stdin.write(f"{path}\n")
        self.proc.stdin.flush()
        line = self._line(CASE_TIMEOUT_S)
        if line is None:
            self.stop()
            return {"fatal": f"hang: no answer within {CASE_TIMEOUT_S} s"}
        if not line:
            code = self.proc.wait()
            self.proc = None
            return {"fatal": f"crash: worker exited with code {code}"}
        return json.loads(line)

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            self.proc = None


@pytest.fixture
def worker():
    w = Worker()
    yield w
    w.stop()


def test_mutated_sample_clips_decode_or_fail_cleanly(worker: Worker, tmp_path: Path):
    # The clean clip first: the baseline for memory, and proof that the harness says "ok".
    clean = tmp_path / "clean.mp4"
    clean.write_bytes(SAMPLE)
    first = worker.ask(clean)
    assert {k: first[k] for k in ("probe", "count", "audio", "frames")} == dict.fromkeys(
        ("probe", "count", "audio", "frames"), "ok"
    )
    baseline = float(first["max_rss_mb"])

    rng = np.random.default_rng(SEED)
    findings, tally = [], {"ok": 0, "MediaError": 0}
    started = time.perf_counter()
    for case in range(CASES):
        data, mutations = mutate(SAMPLE, rng)
        path = tmp_path / f"case-{case:04d}.mp4"
        path.write_bytes(data)
        verdict = worker.ask(path)
        where = f"case {case} (seed {SEED}, {', '.join(mutations)})"
        if "fatal" in verdict:
            findings.append(f"{where}: {verdict['fatal']}")
            continue
        for op in ("probe", "count", "audio", "frames"):
            outcome = str(verdict[op])
            if outcome in tally:
                tally[outcome] += 1
            else:
                findings.append(f"{where}: {op} raised {outcome}\n{verdict[op + '_traceback']}")
        grown = float(verdict["max_rss_mb"]) - baseline
        if grown > MAX_RSS_GROWTH_MB:
            findings.append(f"{where}: peak memory grew by {grown:.0f} MB")
        path.unlink()
    elapsed = time.perf_counter() - started
    print(
        f"\nfuzz: {CASES} cases x 4 operations in {elapsed:.1f} s: {tally['ok']} valid, "
        f"{tally['MediaError']} MediaError, {len(findings)} findings"
    )
    assert findings == []
    assert tally["MediaError"] > 0  # the mutations do break files: the fuzz has teeth
