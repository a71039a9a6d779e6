"""Reliability fixtures: offline by default; the demo model and the sample clip per module."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import vibe_widgets as vw


@pytest.fixture(autouse=True)
def _offline_hub(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # No test here may reach the network or the user's Hugging Face cache.
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hf-hub"))


@pytest.fixture(scope="module")
def clip() -> vw.data.SampleClip:
    return vw.sample_clip()


@pytest.fixture(scope="module")
def demo_model(tmp_path_factory: pytest.TempPathFactory) -> Iterator[vw.EncodingModel]:
    """The offline demo variant for subject 1 on the CPU (generated on first use)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HF_HUB_OFFLINE", "1")
        mp.setenv("VIBE_WIDGETS_CACHE", str(tmp_path_factory.getbasetemp() / "vibe-cache"))
        yield vw.get_encoding_model(vw.MODEL_ID, subject=1, model_variant="demo", device="cpu")
