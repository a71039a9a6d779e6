"""Ray backend of encode_many: stateful workers, one stage at a time to an idle one, retries."""

from __future__ import annotations

import os
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch

from vibe_widgets.engine.features.cache import FeatureCache
from vibe_widgets.engine.scale.spec import ModelSpec
from vibe_widgets.engine.scale.store import OutputStore
from vibe_widgets.engine.scale.work import Job, error_record, extract_modalities, finish_job
from vibe_widgets.errors import InvalidParameterError, ModelLoadError

if TYPE_CHECKING:
    from vibe_widgets.engine.scale.run import _Run

__all__ = ["PREFERENCES", "EncodeWorker", "import_ray", "run_ray"]

# Set in the driver, needed identically on the workers: caches and offline switches.
FORWARDED_ENV = (
    "VIBE_WIDGETS_CACHE",
    "HF_HOME",
    "HF_HUB_CACHE",
    "HF_HUB_OFFLINE",
    "TRANSFORMERS_OFFLINE",
)


def import_ray() -> Any:
    """The ray module, or an error saying how to install it."""
    try:
        import ray
    except ImportError as error:
        raise InvalidParameterError(
            "backend='ray' needs Ray: pip install 'vibe-widgets[ray]' (or 'ray>=2.9'), or use "
            "backend='local'."
        ) from error
    return ray


class EncodeWorker:
    """One worker process: loads the model once and keeps it for every item it gets.

    Extractors load on first use, so a video worker loads the video model (and AST when it
    helps with audio) and a text + audio worker those two (plus the VIBE network, small
    next to them), never the video model.
    Errors of an item come back as a record, so the worker survives them.
    """

    def __init__(
        self,
        spec: ModelSpec,
        cache_root: str,
        name: str,
        env: dict[str, str] | None = None,
        threads: int | None = None,
    ) -> None:
        # Set here rather than through a Ray runtime_env, which costs seconds per worker
        # start; the engine reads these variables at call time, so setting them now works.
        os.environ.update(env or {})
        if threads is not None:
            # The worker's share of the node's cores: torch would otherwise size its pool
            # from OMP_NUM_THREADS or the whole machine, whichever Ray left it.
            torch.set_num_threads(threads)
        self.name = name
        self.model = spec.load(feature_cache=FeatureCache(cache_root))

    def ready(self) -> dict[str, Any]:
        """Where this worker runs (it answers once the model is loaded)."""
        return {
            "name": self.name,
            "pid": os.getpid(),
            "device": str(self.model.device),
            "threads": torch.get_num_threads(),
        }

    def extract(self, job: Job, modalities: tuple[str, ...]) -> dict[str, Any]:
        """Fill the shared feature cache with some modalities of one item."""
        try:
            seconds = extract_modalities(self.model.pipeline, job, modalities)
        except Exception as error:  # returned, not raised: the worker keeps its models
            stage = "+".join(modalities)
            return {
                "ok": False,
                "record": error_record(job.name, job.video_path, error, stage, self.name),
            }
        return {"ok": True, "seconds": seconds}

    def finish(
        self,
        job: Job,
        out_dir: str,
        settings: dict[str, Any],
        digest: str,
        extract_seconds: dict[str, float],
    ) -> dict[str, Any]:
        """Predict one item from its cached features and write its outputs."""
        try:
            meta = finish_job(
                self.model,
                job,
                OutputStore(out_dir),
                settings,
                digest,
                worker=self.name,
                extract_seconds=extract_seconds,
                extra={"backend": "ray"},
            )
        except Exception as error:  # returned, not raised: the worker keeps its models
            return {
                "ok": False,
                "record": error_record(job.name, job.video_path, error, "encode", self.name),
            }
        return {"ok": True, "meta": meta}


@dataclass
class _Slot:
    """A worker position in a pool; its actor is replaced when it dies."""

    role: str
    index: int
    actor: Any = None
    name: str = ""
    generation: int = 0
    busy: bool = False


@dataclass
class _State:
    """Per item: stages still to run, extraction times, deaths survived."""

    job: Job
    pending: set[str] = field(default_factory=set)
    seconds: dict[str, float] = field(default_factory=dict)
    deaths: int = 0
    dead: bool = False


def _plan(
    ray: Any, num_workers: int | None, video_workers: int | None, gpus_per_worker: float | None
) -> tuple[int, int, float, int]:
    """(workers, video workers, GPUs per worker, CPUs per worker), checked against the cluster.

    Each worker gets an equal share of the cluster's CPUs (at least one) and as many torch
    threads: one thread per worker left cores idle on big nodes (decoding and AST's filter
    banks run on the CPU even beside a GPU), more than the share oversubscribes them.
    """
    resources = ray.cluster_resources()
    cpus, gpus = int(resources.get("CPU", 0)), int(resources.get("GPU", 0))
    if gpus_per_worker is None:
        gpus_per_worker = 1.0 if gpus > 0 else 0.0
    if num_workers is None:
        num_workers = gpus if gpus_per_worker > 0 else max(1, cpus)
    if not isinstance(num_workers, int) or isinstance(num_workers, bool) or num_workers < 1:
        raise InvalidParameterError(f"num_workers must be an int >= 1, got {num_workers!r}.")
    if num_workers > cpus or num_workers * gpus_per_worker > gpus + 1e-9:
        raise InvalidParameterError(
            f"num_workers={num_workers} with {gpus_per_worker} GPU(s) each needs "
            f"{num_workers} CPUs and {num_workers * gpus_per_worker:g} GPUs, but the Ray cluster "
            f"has {cpus} CPUs and {gpus} GPUs: lower num_workers or gpus_per_worker."
        )
    if video_workers is None:
        video_workers = max(1, num_workers - 1) if num_workers > 1 else 0
    if not isinstance(video_workers, int) or not 0 <= video_workers < max(num_workers, 2):
        raise InvalidParameterError(
            f"video_workers must be an int from 1 to num_workers - 1 = {num_workers - 1} (one "
            f"worker at least does text and audio), got {video_workers!r}."
        )
    if num_workers > 1 and video_workers == 0:
        raise InvalidParameterError(
            "video_workers=0 with several workers leaves video nowhere: use 1 or more."
        )
    return num_workers, video_workers, float(gpus_per_worker), max(1, cpus // num_workers)


def run_ray(
    spec: ModelSpec,
    jobs: list[Job],
    settings: dict[str, Any],
    digest: str,
    run: _Run,
    *,
    cache_root: Path,
    num_workers: int | None,
    video_workers: int | None,
    gpus_per_worker: float | None,
    max_retries: int,
    ray_address: str | None,
) -> int:
    """Run the jobs on Ray; returns the number of workers used.

    Each item goes through three extraction stages (video, audio, text), each writing the
    shared feature cache, then the forward pass, which finds every modality cached. Video
    workers take video first, text + audio workers text; audio and the forward pass go to
    whichever is idle, so neither pool waits while the other has work (see `PREFERENCES`).
    With one worker, it does all of an item at once.
    """
    ray = import_ray()
    started_here = not ray.is_initialized()
    if started_here:
        ray.init(
            address=ray_address or os.environ.get("RAY_ADDRESS") or None,
            include_dashboard=False,
            log_to_driver=False,
        )
    try:
        return _schedule(
            ray, spec, jobs, settings, digest, run, cache_root, num_workers, video_workers,
            gpus_per_worker, max_retries,
        )  # fmt: skip
    finally:
        if started_here:
            ray.shutdown()


# Stages a worker of each role takes, first choice first. Text stays on the text + audio
# workers (the published text model is 29 GB: loaded once, not on every GPU); audio (AST,
# 85 M parameters) and the forward pass (all features cached) go to any idle worker. A
# static split left the video worker idle for 40% of a demo run, audio being the demo's
# costliest stage.
PREFERENCES = {
    "video": ("video", "finish", "audio"),
    "textaudio": ("finish", "text", "audio"),
    "all": ("finish",),
}
EXTRACT_STAGES = ("video", "audio", "text")


def _schedule(
    ray: Any,
    spec: ModelSpec,
    jobs: list[Job],
    settings: dict[str, Any],
    digest: str,
    run: _Run,
    cache_root: Path,
    num_workers: int | None,
    video_workers: int | None,
    gpus_per_worker: float | None,
    max_retries: int,
) -> int:
    """Start the workers, hand out stages until every job is done or failed, stop them."""
    n, n_video, gpus, cpus = _plan(ray, num_workers, video_workers, gpus_per_worker)
    env = {k: os.environ[k] for k in FORWARDED_ENV if k in os.environ}
    actor_class = ray.remote(EncodeWorker)
    run_id = uuid.uuid4().hex[:8]

    def start(slot: _Slot) -> None:
        slot.generation += 1
        slot.name = f"vibe-encode-{run_id}-{slot.role}-{slot.index}-g{slot.generation}"
        slot.actor = actor_class.options(
            name=slot.name,
            num_cpus=cpus,
            num_gpus=gpus,
        ).remote(spec, str(cache_root), slot.name, env, cpus)

    if n == 1:
        slots = [_Slot("all", 0)]
    else:
        slots = [_Slot("video", i) for i in range(n_video)]
        slots += [_Slot("textaudio", i) for i in range(n - n_video)]
    started = time.perf_counter()
    for slot in slots:
        start(slot)
    try:
        ray.get([slot.actor.ready.remote() for slot in slots])
    except ray.exceptions.RayActorError as error:
        for slot in slots:
            ray.kill(slot.actor)
        raise ModelLoadError(
            f"A Ray worker could not load the model {spec.model_variant!r}: {error}. Check that "
            "vibe-widgets and the variant are reachable from every node (shared file system)."
        ) from error
    run.result.startup_seconds = time.perf_counter() - started

    states = {job.name: _State(job) for job in jobs}
    queues: dict[str, deque[Job]] = {stage: deque() for stage in (*EXTRACT_STAGES, "finish")}
    for job in jobs:
        if n == 1:
            queues["finish"].append(job)
        else:
            states[job.name].pending = set(EXTRACT_STAGES)
            for stage in EXTRACT_STAGES:
                queues[stage].append(job)
    in_flight: dict[Any, tuple[str, Job, _Slot]] = {}

    def submit(slot: _Slot) -> None:
        for stage in PREFERENCES[slot.role]:
            queue = queues[stage]
            while queue:
                job = queue.popleft()
                if states[job.name].dead:
                    continue
                if slot.actor is None:
                    start(slot)  # replaces a dead worker, only once there is work for it
                if stage == "finish":
                    ref = slot.actor.finish.remote(
                        job, str(run.store.root), settings, digest, states[job.name].seconds
                    )
                else:
                    ref = slot.actor.extract.remote(job, (stage,))
                slot.busy = True
                in_flight[ref] = (stage, job, slot)
                run.event("submitted", job.name, stage=stage, worker=slot.name)
                return

    try:
        while True:
            for slot in slots:
                if not slot.busy:
                    submit(slot)
            if not in_flight:
                break
            [ref], _ = ray.wait(list(in_flight), num_returns=1)
            stage, job, slot = in_flight.pop(ref)
            slot.busy = False
            state = states[job.name]
            try:
                out = ray.get(ref)
            except (ray.exceptions.RayActorError, ray.exceptions.WorkerCrashedError) as death:
                slot.actor = None
                if state.dead:
                    continue
                state.deaths += 1
                if state.deaths <= max_retries:
                    run.event("retry", job.name, stage=stage, worker=slot.name)
                    queues[stage].appendleft(job)
                else:
                    state.dead = True
                    message = RuntimeError(
                        f"the Ray worker died {state.deaths} time(s) on this item ({death}); "
                        f"raise max_retries or rerun: finished items are skipped"
                    )
                    run.failed(job.name, job.video_path, message, stage, slot.name, job.n_tr)
                continue
            if state.dead:
                continue
            if not out["ok"]:
                state.dead = True
                run.failed_record(job.name, out["record"], job.n_tr)
                continue
            if stage == "finish":
                run.done(job, out["meta"])
                continue
            state.seconds.update(out["seconds"])
            state.pending.discard(stage)
            if not state.pending:
                # Ready for its forward pass: ahead of other stages, its outputs free memory.
                queues["finish"].appendleft(job)
    finally:
        for slot in slots:
            if slot.actor is not None:
                ray.kill(slot.actor)
    return n
