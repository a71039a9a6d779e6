"""Fixtures of the figure tests (helpers live in figure_helpers.py)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from figure_helpers import smooth_responses, write_label_volume


@pytest.fixture(scope="session")
def responses() -> np.ndarray:
    return smooth_responses()


@pytest.fixture(scope="session")
def label_volume(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_label_volume(tmp_path_factory.mktemp("atlas") / "labels.nii.gz")
