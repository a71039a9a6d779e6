"""encode_many: many movies through one model, locally or on a Ray cluster, resumable."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import Any

from vibe_widgets.engine.encoder import EncodingModel
from vibe_widgets.engine.features.cache import FeatureCache
from vibe_widgets.engine.hub import resolve_variant
from vibe_widgets.engine.scale.items import collect_items
from vibe_widgets.engine.scale.progress import BatchProgress
from vibe_widgets.engine.scale.result import EncodeManyResult
from vibe_widgets.engine.scale.spec import ModelSpec, run_settings, settings_digest
from vibe_widgets.engine.scale.store import OutputStore
from vibe_widgets.engine.scale.work import Job, error_record, finish_job, prepare_job
from vibe_widgets.errors import InvalidParameterError, VibeError

__all__ = ["BACKENDS", "encode_many"]

BACKENDS = ("local", "ray")


class _Run:
    """Book-keeping shared by the backends: records outcomes, bars, events, the result."""

    def __init__(
        self,
        store: OutputStore,
        result: EncodeManyResult,
        progress: BatchProgress,
        on_event: Callable[[dict[str, Any]], None] | None,
    ) -> None:
        self.store, self.result, self.progress = store, result, progress
        self._on_event = on_event

    def event(self, event: str, name: str, **details: Any) -> None:
        if self._on_event is not None:
            self._on_event({"event": event, "item": name, **details})

    def skipped(self, job: Job) -> None:
        self.result.skipped.append(job.name)
        self.result.outputs[job.name] = self.store.array_path(job.name)
        self.progress.advance(job.n_tr, "skipped")
        self.event("skipped", job.name)

    def done(self, job: Job, meta: dict[str, Any]) -> None:
        self.result.done.append(job.name)
        self.result.outputs[job.name] = self.store.array_path(job.name)
        self.result.movie_seconds += job.duration
        for modality in ("audio", "text", "video"):
            seconds = meta["seconds"].get(modality, 0.0)
            self.result.modality_seconds[modality] = (
                self.result.modality_seconds.get(modality, 0.0) + seconds
            )
        self.progress.advance(job.n_tr, "done")
        self.event("done", job.name, worker=meta.get("worker"))

    def failed(
        self, name: str, video: Any, error: BaseException, stage: str, worker: str, n_tr: int = 0
    ) -> None:
        self.failed_record(name, error_record(name, video, error, stage, worker), n_tr)

    def failed_record(self, name: str, record: dict[str, Any], n_tr: int = 0) -> None:
        stage, worker = record["stage"], record["worker"]
        self.store.write_failure(name, record)
        self.result.failed[name] = f"{record['error_type']}: {record['message']}"
        self.progress.advance(n_tr, "failed")
        self.event("failed", name, stage=stage, worker=worker, error=record["message"])


def encode_many(
    model_spec: ModelSpec | dict[str, Any] | EncodingModel,
    items: Any,
    out_dir: str | os.PathLike[str],
    *,
    backend: str = "local",
    resume: bool = True,
    cache_dir: str | os.PathLike[str] | None = None,
    show_progress: bool = True,
    num_workers: int | None = None,
    video_workers: int | None = None,
    gpus_per_worker: float | None = None,
    max_retries: int = 1,
    ray_address: str | None = None,
    on_event: Callable[[dict[str, Any]], None] | None = None,
) -> EncodeManyResult:
    """Encode many movies, writing one response array per movie; resumable.

    Parameters
    ----------
    model_spec : ModelSpec, dict or EncodingModel
        The model: ``{"model_variant": "demo", "subject": 1}`` (any `ModelSpec` field), or
        a loaded `EncodingModel` (the local backend reuses it; Ray workers reload it from
        its variant).
    items : path-like or list
        A folder of videos with a transcript file (``.json`` / ``.tsv``, as
        `TranscriptEditor.save` writes) of the same stem beside each, or a list of items
        (see `collect_items`).
    out_dir : path-like
        Output folder: ``<name>.npy`` (float32, shape (n_tr, n_outputs)) and ``<name>.json``
        (variant, subject, TR, selection, package version, input digests, timings) per
        item; ``<name>.error.json`` for a failed item; ``encode-many-summary.json``.
    backend : {"local", "ray"}
        ``"local"``: sequential, one device. ``"ray"``: stateful actors on a Ray cluster
        (``pip install 'vibe-widgets[ray]'``), video on some workers and text + audio on
        others; see ``docs/scale.md``.
    resume : bool
        Skip items whose outputs exist for the same inputs and settings (False: redo all).
    cache_dir : path-like, optional
        Feature cache folder; with Ray it must be on a file system every worker sees.
        Default: the model's cache, else ``$VIBE_WIDGETS_CACHE/features``.
    show_progress : bool
        Two bars, movies and TRs (widgets in a notebook, text in a terminal).
    num_workers : int, optional
        Ray actors in all (default: the cluster's GPUs, else its CPUs).
    video_workers : int, optional
        How many of them extract video (default: all but one; the last does text, audio
        and the VIBE forward pass). With one worker it does everything.
    gpus_per_worker : float, optional
        GPUs per actor (default: 1 when the cluster has GPUs, else 0).
    max_retries : int
        Ray: times an item is retried when its worker dies (a replacement worker is started).
        An error raised by the item itself is not retried.
    ray_address : str, optional
        Cluster to join when Ray is not initialised yet (default: ``$RAY_ADDRESS``, else a
        new local cluster).
    on_event : callable, optional
        Called in this process with a dict ``{"event", "item", ...}`` for each submitted,
        retried, skipped, done or failed item: for custom progress or monitoring.

    Returns
    -------
    EncodeManyResult
        Done / skipped / failed items, output paths and time per movie-minute.

    Raises
    ------
    InvalidParameterError
        For a bad backend, option, item list or model spec (before any work starts).
    """
    started = time.perf_counter()
    if backend not in BACKENDS:
        raise InvalidParameterError(f"backend must be one of {list(BACKENDS)}, got {backend!r}.")
    for name, value in (("resume", resume), ("show_progress", show_progress)):
        if not isinstance(value, bool):
            raise InvalidParameterError(f"{name} must be True or False, got {value!r}.")
    if not isinstance(max_retries, int) or isinstance(max_retries, bool) or max_retries < 0:
        raise InvalidParameterError(f"max_retries must be an int >= 0, got {max_retries!r}.")
    # Ray-only options are checked for the local backend too: a typo should not pass
    # silently on a laptop and fail on the cluster.
    for name, value, low in (("num_workers", num_workers, 1), ("video_workers", video_workers, 0)):
        if value is not None and (
            not isinstance(value, int) or isinstance(value, bool) or value < low
        ):
            raise InvalidParameterError(
                f"{name} must be an int >= {low} or None (the default), got {value!r}."
            )
    if gpus_per_worker is not None and (
        isinstance(gpus_per_worker, bool)
        or not isinstance(gpus_per_worker, (int, float))
        or not 0 <= gpus_per_worker < float("inf")
    ):
        raise InvalidParameterError(
            f"gpus_per_worker must be a number >= 0 (e.g. 1 or 0.5) or None, got "
            f"{gpus_per_worker!r}."
        )
    if ray_address is not None and not isinstance(ray_address, str):
        raise InvalidParameterError(
            f"ray_address must be a string such as 'HOST:6379' or 'auto', got {ray_address!r}."
        )
    if on_event is not None and not callable(on_event):
        raise InvalidParameterError(
            f"on_event must be a function taking one dict, or None; got "
            f"{type(on_event).__name__}."
        )
    loaded = model_spec if isinstance(model_spec, EncodingModel) else None
    if loaded is not None and backend == "local" and cache_dir is not None:
        raise InvalidParameterError(
            "cache_dir cannot change the feature cache of a loaded EncodingModel: load it with "
            "feature_cache=FeatureCache(cache_dir), or pass a ModelSpec dict instead."
        )
    spec = ModelSpec.coerce(model_spec)
    item_list = collect_items(items)
    store = OutputStore(out_dir)
    variant = loaded.variant if loaded is not None else resolve_variant(spec.model_variant)
    settings = run_settings(spec, variant)
    digest = settings_digest(settings)
    if cache_dir is not None:
        cache = FeatureCache(cache_dir)
    elif loaded is not None and loaded.pipeline.cache is not None:
        cache = loaded.pipeline.cache
    else:
        cache = FeatureCache()

    result = EncodeManyResult(out_dir=store.root, backend=backend)
    jobs: list[Job] = []
    problems = []
    for item in item_list:
        try:
            jobs.append(prepare_job(item, settings["tr"]))
        except (VibeError, OSError) as error:
            problems.append((item, error))
    progress = BatchProgress(len(item_list), sum(j.n_tr for j in jobs), show_progress)
    run = _Run(store, result, progress, on_event)
    try:
        for item, error in problems:
            run.failed(item.name, item.video_path, error, "prepare", "driver")
        todo = []
        for job in jobs:
            if resume and store.is_done(job.name, job.input_digest, digest):
                run.skipped(job)
            else:
                todo.append(job)
        if todo and backend == "local":
            _run_local(loaded or spec.load(feature_cache=cache), todo, settings, digest, run)
        elif todo:
            from vibe_widgets.engine.scale.ray_backend import run_ray

            result.workers = run_ray(
                spec,
                todo,
                settings,
                digest,
                run,
                cache_root=cache.root,
                num_workers=num_workers,
                video_workers=video_workers,
                gpus_per_worker=gpus_per_worker,
                max_retries=max_retries,
                ray_address=ray_address,
            )
    finally:
        progress.close()
        result.wall_seconds = time.perf_counter() - started
        store.write_summary(result.to_dict())
    return result


def _run_local(
    model: EncodingModel, jobs: list[Job], settings: dict[str, Any], digest: str, run: _Run
) -> None:
    """One item after another on this process's device; one item's error stops only it."""
    for job in jobs:
        run.event("submitted", job.name, stage="encode", worker="local")
        try:
            meta = finish_job(model, job, run.store, settings, digest, worker="local")
        except Exception as error:  # recorded per item: the batch goes on
            run.failed(job.name, job.video_path, error, "encode", "local", job.n_tr)
        else:
            run.done(job, meta)
