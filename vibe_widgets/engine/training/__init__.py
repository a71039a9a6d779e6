"""Fitting VIBE to fMRI: the published recipe (loss, masking, schedule, seeds) and evaluation."""

from __future__ import annotations

from vibe_widgets.engine.training.data import Run, load_runs
from vibe_widgets.engine.training.evaluate import EvaluationResult, evaluate
from vibe_widgets.engine.training.fit import FitResult, fit
from vibe_widgets.engine.training.loss import pearson_r, vibe_loss

__all__ = [
    "EvaluationResult",
    "FitResult",
    "Run",
    "evaluate",
    "fit",
    "load_runs",
    "pearson_r",
    "vibe_loss",
]
