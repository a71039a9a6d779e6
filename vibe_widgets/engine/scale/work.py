"""One item's work, shared by the local and Ray backends: check, extract, predict, store."""

from __future__ import annotations

import socket
import time
import traceback
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from vibe_widgets.engine.digest import file_digest, text_digest
from vibe_widgets.engine.encoder import EncodingModel
from vibe_widgets.engine.features.cache import extractor_fingerprint
from vibe_widgets.engine.features.pipeline import FeaturePipeline, transformers_progress
from vibe_widgets.engine.media import decode_audio, probe
from vibe_widgets.engine.scale.items import EncodeItem
from vibe_widgets.engine.scale.spec import package_version
from vibe_widgets.engine.scale.store import OutputStore
from vibe_widgets.engine.timing import count_trs
from vibe_widgets.errors import InvalidParameterError, StimulusError

__all__ = ["Job", "error_record", "extract_modalities", "finish_job", "prepare_job"]


@dataclass(frozen=True)
class Job:
    """An item checked against its movie, with the digests that identify its inputs.

    Attributes
    ----------
    name : str
        Output stem.
    video_path : str
        The movie.
    transcripts : tuple of str
        One per TR.
    n_tr : int
        ``floor(duration / tr)``.
    duration : float
        Seconds of video.
    video_digest, transcripts_digest, input_digest : str
        BLAKE2b-128 of the movie's bytes, of the transcripts, and of both.
    """

    name: str
    video_path: str
    transcripts: tuple[str, ...]
    n_tr: int
    duration: float
    video_digest: str
    transcripts_digest: str
    input_digest: str


def prepare_job(item: EncodeItem, tr: float) -> Job:
    """Probe an item's movie, check its transcript count and digest its inputs.

    Raises
    ------
    StimulusError
        When the transcripts are missing or their count is not the movie's TR count.
    MediaError
        When the movie is missing or unreadable.
    """
    if item.problem is not None or item.transcripts is None:
        raise StimulusError(item.problem or f"Item {item.name!r} has no transcripts.")
    info = probe(item.video_path)
    n_tr = count_trs(info.duration, tr)
    if n_tr == 0 or len(item.transcripts) != n_tr:
        source = f" (from '{item.transcript_path}')" if item.transcript_path else ""
        raise StimulusError(
            f"Item {item.name!r}: {len(item.transcripts)} transcript strings{source}, but "
            f"'{info.path.name}' lasts {info.duration:.3f} s = {n_tr} TRs of {tr} s. Give exactly "
            f'{n_tr} strings, one per TR ("" for TRs without words).'
        )
    video_digest = file_digest(info.path)
    # The pipeline's text key digests (metadata, *lines) with empty metadata: use the same.
    transcripts_digest = text_digest("", *item.transcripts)
    return Job(
        name=item.name,
        video_path=str(info.path),
        transcripts=tuple(item.transcripts),
        n_tr=n_tr,
        duration=info.duration,
        video_digest=video_digest,
        transcripts_digest=transcripts_digest,
        input_digest=text_digest(video_digest, transcripts_digest),
    )


def extract_modalities(
    pipeline: FeaturePipeline, job: Job, modalities: Iterable[str]
) -> dict[str, float]:
    """Put some modalities' features of a job in the shared cache (cache first).

    This is what lets the video stream run on other workers than text and audio: each
    worker fills the cache with its modalities, and the worker that predicts then finds
    all three there. The keys are built exactly as `FeaturePipeline.extract` builds them
    (a test checks that it then reports every modality as cached).

    Returns
    -------
    dict of str to float
        Seconds spent per modality (0-ish for a cache hit).
    """
    cache = pipeline.cache
    if cache is None:
        raise InvalidParameterError(
            "Splitting modalities across workers needs the feature cache: do not pass "
            "feature_cache=False."
        )
    tr, seconds = pipeline.config.tr, {}
    for modality in modalities:
        started = time.perf_counter()
        digest = job.transcripts_digest if modality == "text" else job.video_digest
        key = cache.key(
            modality,
            digest,
            extractor_fingerprint(pipeline.extractor_id(modality)),
            pipeline._settings(modality, job.n_tr),
        )
        if cache.get(key) is None:
            with transformers_progress(False):
                extractor = pipeline._extractor(modality)
                if modality == "text":
                    array = extractor.extract(list(job.transcripts), metadata="")
                elif modality == "audio":
                    samples = decode_audio(job.video_path, missing_audio=pipeline.missing_audio)
                    array = extractor.extract(samples, job.n_tr, tr)
                else:
                    array = extractor.extract(Path(job.video_path), job.n_tr, tr)
            array = np.asarray(array, dtype=np.float32)
            if array.shape[0] != job.n_tr:
                raise StimulusError(
                    f"The {modality} extractor returned {array.shape[0]} rows for {job.n_tr} TRs."
                )
            cache.put(key, array, modality=modality, source=job.video_path)
        seconds[modality] = time.perf_counter() - started
    return seconds


def finish_job(
    model: EncodingModel,
    job: Job,
    store: OutputStore,
    settings: Mapping[str, Any],
    settings_digest: str,
    *,
    worker: str = "local",
    extract_seconds: Mapping[str, float] | None = None,
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Features (from the cache where present), the VIBE forward pass, and the atomic write.

    ``extract_seconds`` gives the time other workers spent extracting modalities (Ray);
    the sidecar's ``seconds`` then reports those instead of this worker's cache reads.

    Returns
    -------
    dict
        The sidecar metadata written next to the responses.
    """
    extracted = model.extract_features(list(job.transcripts), job.video_path, show_progress=False)
    started = time.perf_counter()
    responses = model.encode_features(extracted.features).numpy()
    meta = {
        "name": job.name,
        "video_path": job.video_path,
        "video_blake2b": job.video_digest,
        "transcripts_blake2b": job.transcripts_digest,
        "input_digest": job.input_digest,
        "settings_digest": settings_digest,
        "n_tr": job.n_tr,
        "duration": job.duration,
        "tr": settings["tr"],
        "variant": settings["variant"],
        "subject": settings["subject"],
        "parcel_indices": settings["parcel_indices"],
        "selection_rois": settings["selection_rois"],
        "label": model.label,
        "untrained": model.untrained,
        "package_version": package_version(),
        "settings": dict(settings),
        "features_cached": dict(extracted.cached),
        "seconds": {
            **extracted.seconds,
            **(extract_seconds or {}),
            "forward": time.perf_counter() - started,
        },
        "worker": worker,
        "host": socket.gethostname(),
        "device": str(model.device),
        # Float sums depend on the thread count: what a bit-for-bit comparison must match.
        "threads": torch.get_num_threads(),
        "finished_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        **(extra or {}),
    }
    store.write(job.name, responses, meta)
    return meta


def error_record(name: str, video: Any, error: BaseException, stage: str, worker: str) -> dict:
    """What a failure record holds: enough to fix the input without rerunning to see it."""
    return {
        "name": name,
        "video_path": str(video),
        "stage": stage,
        "error_type": type(error).__name__,
        "message": str(error),
        "traceback": "".join(traceback.format_exception(error)),
        "worker": worker,
        "host": socket.gethostname(),
        "failed_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
