"""The TR grid: how many TRs a movie has and where each one starts."""

from __future__ import annotations

import math

from vibe_widgets.errors import InvalidParameterError

__all__ = ["DEFAULT_TR", "check_tr", "count_trs", "tr_start"]

DEFAULT_TR = 1.49
# Durations that are exact multiples of the TR must not lose their last TR to float error.
_EPS = 1e-9


def check_tr(tr: float) -> float:
    """Return ``tr`` as a float, or raise if it is not a positive, finite number of seconds."""
    if isinstance(tr, bool) or not isinstance(tr, (int, float)):
        raise InvalidParameterError(
            f"tr must be a number of seconds (e.g. 1.49), got {type(tr).__name__} {tr!r}."
        )
    if not math.isfinite(tr) or tr <= 0:
        raise InvalidParameterError(f"tr must be positive and finite (e.g. 1.49), got {tr!r}.")
    return float(tr)


def count_trs(duration: float, tr: float = DEFAULT_TR) -> int:
    """Number of whole TRs in a clip: ``floor(duration / tr)``.

    Row i of every per-TR array covers the movie interval ``[i * tr, (i + 1) * tr)``;
    a trailing partial TR has no row.
    """
    tr = check_tr(tr)
    if not math.isfinite(duration) or duration < 0:
        raise InvalidParameterError(f"duration must be a finite number >= 0, got {duration!r}.")
    return math.floor(duration / tr + _EPS)


def tr_start(index: int, tr: float = DEFAULT_TR) -> float:
    """Movie time in seconds at which TR ``index`` starts."""
    return index * check_tr(tr)
