"""engine.features.cache: keys, hits, misses, corruption, atomic and concurrent writes."""

from __future__ import annotations

import multiprocessing
import os
from pathlib import Path

import numpy as np
import pytest

from vibe_widgets.engine.features.cache import FeatureCache, extractor_fingerprint
from vibe_widgets.errors import CacheError, InvalidParameterError


@pytest.fixture
def cache(tmp_path: Path) -> FeatureCache:
    return FeatureCache(tmp_path / "features")


def test_round_trip_keeps_values_shape_and_dtype(cache: FeatureCache):
    array = np.random.default_rng(0).standard_normal((7, 5)).astype(np.float32)
    key = cache.key("text", "abc", "Qwen/Qwen2.5-14B", {"tr": 1.49, "layers": 4})
    assert cache.get(key) is None
    cache.put(key, array, n_tr=7)
    got = cache.get(key)
    assert got.dtype == np.float32
    np.testing.assert_array_equal(got, array)


def test_every_ingredient_changes_the_key(cache: FeatureCache):
    base = ("audio", "digest", "ast", {"tr": 1.49})
    keys = {
        cache.key(*base),
        cache.key("video", *base[1:]),
        cache.key("audio", "other", "ast", {"tr": 1.49}),
        cache.key("audio", "digest", "other-ast", {"tr": 1.49}),
        cache.key("audio", "digest", "ast", {"tr": 2.0}),
    }
    assert len(keys) == 5
    # Settings order does not matter.
    assert cache.key("audio", "d", "x", {"a": 1, "b": 2}) == cache.key(
        "audio", "d", "x", {"b": 2, "a": 1}
    )


@pytest.mark.parametrize(
    "damage",
    [
        lambda b: b[: len(b) // 2],  # truncated
        lambda b: b[:-1] + bytes([b[-1] ^ 0xFF]),  # one flipped byte in the data
        lambda b: b"not a cache entry",  # overwritten
        lambda b: b"",  # emptied
    ],
    ids=["truncated", "bit-flip", "overwritten", "empty"],
)
def test_corrupt_entries_are_misses_and_removed(cache: FeatureCache, damage):
    key = cache.key("video", "d", "vjepa", {})
    path = cache.put(key, np.arange(12, dtype=np.float32).reshape(3, 4))
    path.write_bytes(damage(path.read_bytes()))
    assert cache.get(key) is None
    assert not path.exists()


def test_report_and_clear(cache: FeatureCache):
    for i, modality in enumerate(["audio", "text", "text"]):
        cache.put(cache.key(modality, str(i), "x", {}), np.zeros((2, 3), np.float32))
    report = cache.report()
    assert report.entries == {"audio": 1, "text": 2, "video": 0}
    assert report.bytes["text"] > 2 * 24
    assert "text" in str(report)
    assert cache.clear("text") == 2
    assert cache.report().entries["text"] == 0
    assert cache.clear() == 1
    with pytest.raises(InvalidParameterError, match="modality"):
        cache.clear("smell")


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores folder permissions")
def test_read_only_folder_raises_cache_error(tmp_path: Path):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    with pytest.raises(CacheError, match="Cannot write"):
        FeatureCache(folder).put("text-x", np.zeros(2, np.float32))


def test_unwritable_location_raises_cache_error(tmp_path: Path):
    # A regular file where the cache folder should be: fails for root too.
    blocker = tmp_path / "file"
    blocker.write_text("x")
    cache = FeatureCache(blocker)
    with pytest.raises(CacheError, match="VIBE_WIDGETS_CACHE"):
        cache.put(cache.key("text", "d", "x", {}), np.zeros(2, np.float32))


def _writer(root: str, key: str, value: float, rounds: int) -> None:
    cache = FeatureCache(root)
    for _ in range(rounds):
        cache.put(key, np.full((64, 256), value, np.float32))


def test_concurrent_writers_from_two_processes_never_leave_a_bad_entry(tmp_path: Path):
    cache = FeatureCache(tmp_path)
    key = cache.key("audio", "same-input", "ast", {})
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(str(tmp_path), key, v, 40)) for v in (1.0, 2.0)]
    for p in procs:
        p.start()
    seen = set()
    while any(p.is_alive() for p in procs):
        got = cache.get(key)
        if got is not None:
            seen.add(float(got[0, 0]))
            assert np.all(got == got[0, 0])  # never a mix of both writers
    for p in procs:
        p.join()
        assert p.exitcode == 0
    assert float(cache.get(key)[0, 0]) in (1.0, 2.0)
    assert not list(tmp_path.rglob(".tmp-*"))


def test_fingerprint_of_a_folder_changes_when_its_weights_change(tmp_path: Path):
    folder = tmp_path / "model"
    folder.mkdir()
    (folder / "model.safetensors").write_bytes(b"a")
    before = extractor_fingerprint(folder)
    (folder / "model.safetensors").write_bytes(b"ab")
    assert extractor_fingerprint(folder) != before
    assert extractor_fingerprint("Qwen/Qwen2.5-14B") == "Qwen/Qwen2.5-14B"
