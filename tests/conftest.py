"""Shared test set-up: an isolated cache per test session, synthetic media helpers."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    # Proxies and features must never land in the developer's real cache during tests;
    # one cache per session keeps the sample clip's proxy reusable across tests.
    root = tmp_path_factory.getbasetemp() / "vibe-cache"
    monkeypatch.setenv("VIBE_WIDGETS_CACHE", str(root))
    return root
