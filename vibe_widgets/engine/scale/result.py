"""What a batch run reports: done, skipped and failed items, and time per movie-minute."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["EncodeManyResult"]


@dataclass
class EncodeManyResult:
    """Summary of an `encode_many` run.

    Attributes
    ----------
    out_dir : Path
        Where the outputs are.
    backend : str
        ``"local"`` or ``"ray"``.
    done, skipped : list of str
        Items encoded in this run, and items whose outputs already matched.
    failed : dict of str to str
        Item name -> error message (details in ``<name>.error.json``).
    outputs : dict of str to Path
        ``.npy`` of every done or skipped item.
    wall_seconds : float
        Run time, set-up of workers included.
    startup_seconds : float
        Ray: of ``wall_seconds``, the time to start the workers and load their models
        (0 for local, which loads its model before the first item).
    movie_seconds : float
        Seconds of movie encoded in this run (done items).
    modality_seconds : dict of str to float
        Extraction time per modality summed over done items (cache hits count as read time).
    workers : int
        Number of workers (1 for local).
    """

    out_dir: Path
    backend: str
    done: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    outputs: dict[str, Path] = field(default_factory=dict)
    wall_seconds: float = 0.0
    startup_seconds: float = 0.0
    movie_seconds: float = 0.0
    modality_seconds: dict[str, float] = field(default_factory=dict)
    workers: int = 1

    @property
    def seconds_per_movie_minute(self) -> float | None:
        """Wall seconds per minute of movie encoded in this run (None when nothing was)."""
        if self.movie_seconds <= 0:
            return None
        return self.wall_seconds / (self.movie_seconds / 60)

    @property
    def modality_seconds_per_movie_minute(self) -> dict[str, float]:
        """Extraction seconds per minute of movie, per modality (worker time, not wall)."""
        if self.movie_seconds <= 0:
            return {}
        return {k: v / (self.movie_seconds / 60) for k, v in self.modality_seconds.items()}

    def load(self, name: str) -> np.ndarray:
        """An item's responses: float32 array of shape (n_tr, n_outputs)."""
        if name not in self.outputs:
            raise KeyError(
                f"No output for {name!r}: "
                + (f"it failed ({self.failed[name]})" if name in self.failed else "unknown item")
                + f"; items with outputs: {sorted(self.outputs)}."
            )
        return np.load(self.outputs[name])

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary (written as ``encode-many-summary.json``)."""
        return {
            "out_dir": str(self.out_dir),
            "backend": self.backend,
            "workers": self.workers,
            "done": list(self.done),
            "skipped": list(self.skipped),
            "failed": dict(self.failed),
            "wall_seconds": self.wall_seconds,
            "startup_seconds": self.startup_seconds,
            "movie_seconds": self.movie_seconds,
            "seconds_per_movie_minute": self.seconds_per_movie_minute,
            "modality_seconds": dict(self.modality_seconds),
            "modality_seconds_per_movie_minute": self.modality_seconds_per_movie_minute,
        }

    def __str__(self) -> str:
        rows = [
            f"encode_many ({self.backend}, {self.workers} worker(s)) -> {self.out_dir}",
            f"  done {len(self.done)}, skipped {len(self.skipped)}, failed {len(self.failed)} "
            f"in {self.wall_seconds:.1f} s"
            + (f" ({self.startup_seconds:.1f} s starting workers)" if self.startup_seconds else ""),
        ]
        per_minute = self.seconds_per_movie_minute
        if per_minute is not None:
            rows.append(
                f"  {self.movie_seconds / 60:.2f} movie-minutes encoded: "
                f"{per_minute:.2f} s per movie-minute (wall)"
            )
            per_modality = ", ".join(
                f"{k} {v:.2f} s" for k, v in self.modality_seconds_per_movie_minute.items()
            )
            rows.append(f"  extraction per movie-minute: {per_modality}")
        rows.extend(f"  FAILED {name}: {message}" for name, message in self.failed.items())
        return "\n".join(rows)
