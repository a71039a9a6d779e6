"""Shared test set-up: an isolated cache per test session, full float32 on CUDA."""

from __future__ import annotations

import pytest
import torch


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    # Proxies and features must never land in the developer's real cache during tests;
    # one cache per session keeps the sample clip's proxy reusable across tests.
    root = tmp_path_factory.getbasetemp() / "vibe-cache"
    monkeypatch.setenv("VIBE_WIDGETS_CACHE", str(root))
    return root


@pytest.fixture
def no_tf32():
    """float32 on CUDA in full precision for the test: TF32 rounds matmul and cuDNN
    convolution inputs to 10 mantissa bits (~1e-3 relative); without it the GPU differs from
    the CPU by summation order only. (Plain save/restore: pytest's monkeypatch cannot undo
    torch's computed backend attributes.)"""
    saved = torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32
    torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = False
    yield
    torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32 = saved
