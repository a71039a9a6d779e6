"""Package data: the bundled sample clip (and, later, the demo variant)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

__all__ = ["SampleClip", "sample_clip"]

DATA_DIR = Path(__file__).resolve().parent


@dataclass(frozen=True)
class SampleClip:
    """The bundled sample movie and its per-TR transcript.

    Attributes
    ----------
    video_path : Path
        H.264/AAC MP4 made by ``scripts/make_sample_clip.py`` (CC0-1.0).
    transcripts : list of str
        One string per TR (``""`` for a TR without speech), length ``n_tr``.
    tr : float
        Repetition time in seconds.
    duration : float
        Video duration in seconds.
    """

    video_path: Path
    transcripts: list[str]
    tr: float
    duration: float

    @property
    def n_tr(self) -> int:
        """Number of TRs."""
        return len(self.transcripts)


def sample_clip() -> SampleClip:
    """The bundled sample clip: a short narrated movie whose speech sits on the TR grid.

    Returns
    -------
    SampleClip
        ``video_path`` (the 45.25 s MP4), ``transcripts`` (list of 30 str, one per TR),
        ``tr`` (1.49 s) and ``duration`` (s).
    """
    folder = DATA_DIR / "sample"
    meta = json.loads((folder / "transcript.json").read_text(encoding="utf-8"))
    return SampleClip(
        video_path=folder / "sample.mp4",
        transcripts=list(meta["transcripts"]),
        tr=float(meta["tr"]),
        duration=float(meta["duration"]),
    )
