"""Fuzz worker: decodes the media files named on stdin, one JSON verdict per line on stdout.

Run by test_reliability_fuzz.py in its own process, so that a crash (segfault, abort) or a
hang in FFmpeg is seen by the parent instead of taking the test run down with it.
"""

from __future__ import annotations

import json
import resource
import sys
import traceback

import numpy as np

from vibe_widgets.engine import media
from vibe_widgets.errors import MediaError


def _frame_windows(path: str) -> int:
    n = media.count_frames(path)
    # Three short windows over the declared length; frames past the decodable end are
    # clamped, so a lying header cannot make this wait for frames that never come.
    starts = np.linspace(0, max(n - 2, 0), 3).astype(np.int64)
    windows = np.stack([starts, starts + 1], axis=1)
    return sum(1 for _ in media.iter_frame_windows(path, windows, (32, 32)))


OPERATIONS = {
    "probe": lambda p: media.probe(p).duration,
    "count": media.count_frames,
    "audio": lambda p: int(media.decode_audio(p, missing_audio="silence").size),
    "frames": _frame_windows,
}


def run(path: str) -> dict[str, object]:
    verdict: dict[str, object] = {}
    for name, operation in OPERATIONS.items():
        try:
            operation(path)
            verdict[name] = "ok"
        except MediaError:
            verdict[name] = "MediaError"
        except Exception as error:  # anything else is a finding: report it whole
            verdict[name] = f"{type(error).__module__}.{type(error).__name__}: {error}"
            verdict[name + "_traceback"] = traceback.format_exc()
    verdict["max_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return verdict


def main() -> None:
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        print(json.dumps(run(line.strip())), flush=True)


if __name__ == "__main__":
    main()
