"""encode_many on a local Ray cluster of 2 CPU workers with the demo variant.

Sized for CI: one cluster per session (conftest), three clips of 3-5 TRs, and one pair of
runs shared by the tests: the first on two workers with a worker killed twice, the rerun
on one worker (the path where a worker does every stage).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from synthetic import write_video

import vibe_widgets as vw
from vibe_widgets.engine.features.cache import FeatureCache
from vibe_widgets.engine.scale import encode_many, read_transcript_file
from vibe_widgets.errors import InvalidParameterError

SPEC = {"model_variant": "demo", "subject": 1}
TR = 1.49
SECONDS = {"a": 4.5, "b": 6.0, "c": 7.5}


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("clips")
    for name, seconds in SECONDS.items():
        write_video(folder / f"{name}.mp4", seconds=seconds, size=(64, 48), fps=12)
        lines = [f"{name} says {i}" if i % 4 else "" for i in range(int(seconds / TR))]
        vw.TranscriptEditor(lines, tr=TR).save(folder / f"{name}.json")
    return folder


def _hammer(root: str, worker: int, rounds: int) -> dict:
    """Write and read one shared key (and a private one) as fast as possible."""
    cache = FeatureCache(root)
    shared_key = cache.key("video", "same-movie", "extractor", {"n_tr": 100})
    my_key = cache.key("text", f"transcript-{worker}", "extractor", {"n_tr": 50})
    shared = np.arange(20_000, dtype=np.float32).reshape(100, 200)
    mine = np.full((50, 10), worker, dtype=np.float32)
    seen = {"shared_ok": 0, "mine_ok": 0, "bad": 0}
    for _ in range(rounds):
        cache.put(shared_key, shared, writer=worker)
        cache.put(my_key, mine)
        got = cache.get(shared_key)
        if got is not None and np.array_equal(got, shared):
            seen["shared_ok"] += 1
        else:
            seen["bad"] += 1
        if np.array_equal(cache.get(my_key), mine):
            seen["mine_ok"] += 1
    return seen


def test_concurrent_cache_writers_never_expose_a_partial_entry(ray_cluster, tmp_path):
    rounds = 100
    ref = ray_cluster.remote(num_cpus=1)(_hammer).remote(str(tmp_path), 1, rounds)
    # This process rewrites and reads the same key until the Ray worker is done, so every
    # one of the worker's rounds runs against writes from here (one worker process to
    # start, not two, and an overlap that does not depend on when each one started).
    here = {"shared_ok": 0, "mine_ok": 0, "bad": 0}
    while not ray_cluster.wait([ref], timeout=0)[0]:
        for key, count in _hammer(str(tmp_path), 0, 1).items():
            here[key] += count
    # Every read after a write, while the other process rewrote the same key, returned
    # the whole array: never None, never a torn or corrupt entry.
    assert ray_cluster.get(ref) == {"shared_ok": rounds, "mine_ok": rounds, "bad": 0}
    assert here["shared_ok"] > 0
    assert here == {"shared_ok": here["shared_ok"], "mine_ok": here["shared_ok"], "bad": 0}
    assert not list(tmp_path.rglob(".tmp-*"))
    assert FeatureCache(tmp_path).report().entries == {"audio": 0, "text": 2, "video": 1}


@pytest.fixture(scope="module")
def runs(ray_cluster, clips, tmp_path_factory) -> SimpleNamespace:
    """Two runs into one folder: the first with its video worker killed twice on item c,
    the rerun with a single worker."""
    out = tmp_path_factory.mktemp("ray-out")
    events: list[dict] = []
    kills: list[str] = []

    def kill_video_worker_on_c(event: dict) -> None:
        events.append(event)
        # Kill the worker that just received c's video stage, twice: the first death is
        # retried on a fresh worker, the second exhausts max_retries=1.
        if event["event"] == "submitted" and event["item"] == "c" and event["stage"] == "video":
            kills.append(event["worker"])
            ray_cluster.kill(ray_cluster.get_actor(event["worker"]))

    first = encode_many(
        SPEC, clips, out, backend="ray", show_progress=False, max_retries=1,
        on_event=kill_video_worker_on_c,
    )  # fmt: skip
    stamps = {n: (out / f"{n}.npy").stat().st_mtime_ns for n in first.done}
    record = json.loads((out / "c.error.json").read_text())
    c_files = sorted(p.name for p in out.glob("c.*"))
    second = encode_many(
        SPEC, clips, out, backend="ray", num_workers=1, show_progress=False, on_event=events.append
    )
    return SimpleNamespace(
        out=out, first=first, second=second, events=events, kills=kills, stamps=stamps,
        record=record, c_files=c_files,
    )  # fmt: skip


def test_killed_worker_item_is_retried_then_recorded_failed(runs):
    first = runs.first
    assert first.workers == 2
    assert len(runs.kills) == 2
    assert runs.kills[0] != runs.kills[1]  # the retry ran on a replacement worker
    assert [e["item"] for e in runs.events if e["event"] == "retry"] == ["c"]
    assert list(first.failed) == ["c"]
    assert "worker died 2 time(s)" in first.failed["c"]
    assert sorted(first.done) == ["a", "b"]
    # The failure is recorded for the rerun; no output under c's name was left behind.
    assert runs.record["stage"] == "video"
    assert runs.record["error_type"] == "RuntimeError"
    assert runs.c_files == ["c.error.json"]


def test_rerun_encodes_the_killed_item_and_skips_finished_ones(runs):
    second, out = runs.second, runs.out
    assert second.done == ["c"]
    assert sorted(second.skipped) == ["a", "b"]
    # One worker did c whole: no separate extraction stages, and it had both cores.
    assert second.workers == 1
    c_events = [e for e in runs.events if e["item"] == "c" and e["event"] == "submitted"]
    assert [e["stage"] for e in c_events][-1] == "finish"
    assert "-all-" in c_events[-1]["worker"]
    # Finished items were not recomputed: their files are the first run's.
    assert {n: (out / f"{n}.npy").stat().st_mtime_ns for n in runs.stamps} == runs.stamps
    assert not (out / "c.error.json").exists()


@pytest.fixture
def restore_threads() -> Iterator[None]:
    threads = torch.get_num_threads()
    yield
    torch.set_num_threads(threads)


@pytest.mark.usefixtures("restore_threads")
def test_ray_outputs_equal_sequential_encode(runs, clips, tmp_path):
    reference = vw.get_encoding_model(
        vw.MODEL_ID, subject=1, model_variant="demo", device="cpu",
        feature_cache=FeatureCache(tmp_path / "fresh"),
    )  # fmt: skip
    shared = vw.get_encoding_model(vw.MODEL_ID, subject=1, model_variant="demo", device="cpu")
    threads = {}
    for name in SECONDS:
        meta = json.loads((runs.out / f"{name}.json").read_text())
        threads[name] = meta["threads"]
        # Float sums are only bit-identical across processes at the same thread count.
        torch.set_num_threads(meta["threads"])
        lines = read_transcript_file(clips / f"{name}.json")
        video = clips / f"{name}.mp4"
        expected = vw.encode(reference, lines, video, show_progress=False).numpy()
        # Features extracted in other processes agree to float32 rounding only: BLAS sums
        # may differ in the last bit between processes (seen: 1.8e-7 on one text row).
        np.testing.assert_allclose(runs.second.load(name), expected, rtol=1e-5, atol=1e-5)
        # From the same features, the workers' forward pass equals this one bit for bit.
        cached = shared.extract_features(lines, video, show_progress=False)
        assert cached.cached == {"audio": True, "text": True, "video": True}
        np.testing.assert_array_equal(
            runs.second.load(name), shared.encode_features(cached.features).numpy()
        )
        assert meta["backend"] == "ray"
    for name in ("a", "b"):
        meta = json.loads((runs.out / f"{name}.json").read_text())
        # The forward pass found every modality in the shared cache, put there by stages
        # on both workers.
        assert meta["features_cached"] == {"audio": True, "text": True, "video": True}
    # Each worker ran with its share of the 2 CPUs as torch threads.
    assert threads == {"a": 1, "b": 1, "c": 2}
    submitted = [e for e in runs.events if e["event"] == "submitted" and e["stage"] != "finish"]
    workers = {stage: {e["worker"] for e in submitted if e["stage"] == stage} for stage in
               ("video", "text", "audio")}  # fmt: skip
    # Video only on the video worker, text only on the text + audio worker; audio goes to
    # whichever is idle (which one depends on timing: not asserted).
    assert workers["video"]
    assert all("-video-" in w for w in workers["video"])
    assert workers["text"]
    assert all("-textaudio-" in w for w in workers["text"])
    assert workers["audio"]


def test_more_workers_than_the_cluster_holds_is_refused(ray_cluster, clips, tmp_path):
    with pytest.raises(InvalidParameterError, match="has 2 CPUs and 0 GPUs"):
        encode_many(SPEC, clips, tmp_path / "out", backend="ray", num_workers=3)
    with pytest.raises(InvalidParameterError, match="video_workers must be"):
        encode_many(SPEC, clips, tmp_path / "out", backend="ray", num_workers=2, video_workers=2)
