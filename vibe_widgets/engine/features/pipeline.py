"""From a movie and its transcript to the three per-TR feature arrays, each cached on disk."""

from __future__ import annotations

import contextlib
import os
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from tqdm.auto import tqdm

from vibe_widgets.engine.config import VIBEConfig
from vibe_widgets.engine.digest import file_digest, text_digest
from vibe_widgets.engine.features.cache import FeatureCache, extractor_fingerprint
from vibe_widgets.engine.features.transcripts import check_transcripts
from vibe_widgets.engine.media import decode_audio, probe
from vibe_widgets.engine.timing import count_trs
from vibe_widgets.errors import CacheError, InvalidParameterError, StimulusError

__all__ = [
    "MISSING_AUDIO_CHOICES",
    "FeaturePipeline",
    "StimulusFeatures",
    "transformers_progress",
]

MISSING_AUDIO_CHOICES = ("error", "silence")


@contextlib.contextmanager
def transformers_progress(enabled: bool) -> Iterator[None]:
    """Let transformers show its loading bars only when ``enabled`` (restored afterwards)."""
    from transformers.utils import logging as hf_logging

    was_enabled = hf_logging.is_progress_bar_enabled()
    if not enabled:
        hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        if was_enabled:
            hf_logging.enable_progress_bar()


@dataclass
class StimulusFeatures:
    """The per-TR features of one movie.

    Attributes
    ----------
    features : dict of str to ndarray
        ``"audio"``, ``"text"``, ``"video"``: float32 arrays of shape (n_tr, d_modality).
    n_tr : int
        Number of TRs, ``floor(duration / tr)``.
    duration : float
        Video duration in seconds.
    cached : dict of str to bool
        Per modality, whether the features came from the on-disk cache.
    seconds : dict of str to float
        Per modality, wall time spent getting them (cache read or extraction).
    """

    features: dict[str, np.ndarray]
    n_tr: int
    duration: float
    cached: dict[str, bool] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)


def _dtype_name(dtype: torch.dtype) -> str:
    return str(dtype).removeprefix("torch.")


class FeaturePipeline:
    """Loads the three extractors of a config on demand and runs them, cache first.

    Each modality is cached under (content digest of its input, extractor weights,
    every setting that changes the output, feature version): a transcript edit
    recomputes only the text features; audio and video come from the cache.

    Parameters
    ----------
    config : VIBEConfig
        Names the extractors (hub ids or folders) and their settings.
    device : torch.device or str
        Where the extractors run.
    low_mem_use : bool
        Unload each extractor right after its modality is done.
    cache : FeatureCache, None or False
        The cache to use (None: the default location; False: no caching).
    base_dir : Path, optional
        Folder against which relative extractor paths (``"./text_extractor"``) resolve,
        normally the variant's folder.
    trust_remote_code : bool
        Passed to ``from_pretrained`` of the text model; off unless you opt in.
    missing_audio : {"error", "silence"}
        What to do with a movie without an audio track.
    """

    def __init__(
        self,
        config: VIBEConfig,
        *,
        device: torch.device | str = "cpu",
        low_mem_use: bool = False,
        cache: FeatureCache | bool | None = None,
        base_dir: str | os.PathLike | None = None,
        trust_remote_code: bool = False,
        missing_audio: str = "error",
    ) -> None:
        if missing_audio not in MISSING_AUDIO_CHOICES:
            raise InvalidParameterError(
                f"missing_audio must be one of {list(MISSING_AUDIO_CHOICES)}, "
                f"got {missing_audio!r}."
            )
        self.config = config
        self.device = torch.device(device)
        self.low_mem_use = bool(low_mem_use)
        self.cache = FeatureCache() if cache is None or cache is True else (cache or None)
        self.base_dir = Path(base_dir) if base_dir is not None else None
        self.trust_remote_code = bool(trust_remote_code)
        self.missing_audio = missing_audio
        self._extractors: dict[str, Any] = {}
        # Content digest of the last movie, by its file identity: a re-encode after a
        # transcript edit need not read the whole movie again (seconds for a feature film).
        self._digest_memo: tuple[tuple[Any, ...], str] | None = None

    # -- extractor ids and instances -------------------------------------------------------

    def extractor_id(self, modality: str) -> str:
        """The model id or folder of one modality's extractor (relative paths resolved)."""
        name = {
            "audio": self.config.audio_extractor,
            "text": self.config.text_extractor,
            "video": self.config.video_extractor,
        }[modality]
        if self.base_dir is not None and name.startswith(("./", "../")):
            return str((self.base_dir / name).resolve())
        return name

    def _extractor(self, modality: str) -> Any:
        if modality not in self._extractors:
            self._extractors[modality] = self._build(modality)
        return self._extractors[modality]

    def _build(self, modality: str) -> Any:
        cfg, model_id = self.config, self.extractor_id(modality)
        if modality == "text":
            from vibe_widgets.engine.features.text import TextFeatureExtractor

            return TextFeatureExtractor(
                model_id,
                num_last_hidden_states=cfg.text_extractor_num_last_hidden_states,
                dtype=cfg.text_extractor_dtype,
                device=self.device,
                trust_remote_code=self.trust_remote_code,
            )
        if modality == "audio":
            from vibe_widgets.engine.features.audio import AudioFeatureExtractor

            return AudioFeatureExtractor(
                model_id,
                last_layer_index=cfg.audio_extractor_last_layer_index,
                batch_size=cfg.audio_extractor_batch_size,
                device=self.device,
            )
        from vibe_widgets.engine.features.video import VideoFeatureExtractor

        return VideoFeatureExtractor(
            model_id,
            num_last_hidden_states=cfg.video_extractor_num_last_hidden_states,
            pool_size=cfg.video_extractor_pool_size,
            chunk_length_seconds=cfg.video_extractor_chunk_length_seconds,
            batch_size=cfg.video_extractor_batch_size,
            dtype=cfg.video_extractor_dtype,
            device=self.device,
        )

    def unload(self) -> None:
        """Free every loaded extractor."""
        for extractor in self._extractors.values():
            extractor.unload()
        self._extractors.clear()

    # -- cache keys ------------------------------------------------------------------------

    def media_digest(self, path: str | os.PathLike) -> str:
        """Content digest of a movie file, remembered while the file stays the same.

        The digest of the last file is kept with its device, inode, size and modification
        time (nanoseconds); any change to those re-reads the file.

        Parameters
        ----------
        path : str or Path
            The movie.

        Returns
        -------
        str
            ``file_digest(path)``.
        """
        resolved = Path(path).resolve()
        stat = resolved.stat()
        identity = (str(resolved), stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns)
        if self._digest_memo is not None and self._digest_memo[0] == identity:
            return self._digest_memo[1]
        digest = file_digest(resolved)
        self._digest_memo = (identity, digest)
        return digest

    def _settings(self, modality: str, n_tr: int) -> dict[str, Any]:
        cfg = self.config
        common = {"tr": cfg.tr, "n_tr": n_tr}
        if modality == "text":
            return {
                **common,
                "layers": cfg.text_extractor_num_last_hidden_states,
                "dtype": _dtype_name(cfg.text_extractor_dtype),
            }
        if modality == "audio":
            return {
                **common,
                "layer_index": cfg.audio_extractor_last_layer_index,
                "missing_audio": self.missing_audio,
            }
        return {
            **common,
            "layers": cfg.video_extractor_num_last_hidden_states,
            "pool": cfg.video_extractor_pool_size,
            "chunk": cfg.video_extractor_chunk_length_seconds,
            "dtype": _dtype_name(cfg.video_extractor_dtype),
        }

    # -- extraction ------------------------------------------------------------------------

    def extract(
        self,
        video_path: str | os.PathLike,
        transcripts: Any,
        *,
        metadata: str = "",
        show_progress: bool = True,
    ) -> StimulusFeatures:
        """Features of a movie: audio and video from the file, text from the transcripts.

        Parameters
        ----------
        video_path : str or Path
            The movie.
        transcripts : list of str
            One string per TR; exactly ``floor(duration / tr)`` of them.
        metadata : str
            Extra text put in the text prompt's metadata line (empty by default).
        show_progress : bool
            Show a progress bar per stage (tqdm.auto: a widget in notebooks).

        Returns
        -------
        StimulusFeatures
        """
        transcripts = check_transcripts(transcripts)
        info = probe(video_path)
        tr = self.config.tr
        n_tr = count_trs(info.duration, tr)
        if n_tr == 0:
            raise StimulusError(
                f"'{info.path}' lasts {info.duration:.3f} s, shorter than one TR ({tr} s): "
                "nothing to encode. Use a clip of at least one TR."
            )
        if len(transcripts) != n_tr:
            raise StimulusError(
                f"Got {len(transcripts)} transcript strings, but '{info.path.name}' lasts "
                f"{info.duration:.3f} s, which is floor({info.duration:.3f} / {tr}) = {n_tr} TRs. "
                f'Pass exactly {n_tr} strings, one per TR of {tr} s ("" for TRs without words).'
            )
        video_digest: str | None = None

        def media_digest() -> str:
            nonlocal video_digest
            if video_digest is None:
                video_digest = self.media_digest(info.path)
            return video_digest

        computations: dict[str, tuple[Callable[[], str], Callable[[Any], np.ndarray]]] = {
            "audio": (
                media_digest,
                lambda ex: ex.extract(
                    decode_audio(info.path, missing_audio=self.missing_audio), n_tr, tr
                ),
            ),
            "text": (
                lambda: text_digest(metadata, *transcripts),
                lambda ex: ex.extract(transcripts, metadata=metadata),
            ),
            "video": (media_digest, lambda ex: ex.extract(info.path, n_tr, tr)),
        }
        result = StimulusFeatures(features={}, n_tr=n_tr, duration=info.duration)
        stages = tqdm(
            list(computations), desc="features", unit="modality", disable=not show_progress
        )
        for modality in stages:
            stages.set_postfix_str(modality)
            started = time.perf_counter()
            digest_of_input, compute = computations[modality]
            key = None
            array = None
            if self.cache is not None:
                key = self.cache.key(
                    modality,
                    digest_of_input(),
                    extractor_fingerprint(self.extractor_id(modality)),
                    self._settings(modality, n_tr),
                )
                array = self.cache.get(key)
            result.cached[modality] = array is not None
            if array is None:
                with transformers_progress(show_progress):
                    array = np.asarray(compute(self._extractor(modality)), dtype=np.float32)
                if self.low_mem_use:
                    self._extractors.pop(modality).unload()
                if key is not None:
                    self._store(key, array, modality, info.path)
            if array.shape[0] != n_tr:
                raise StimulusError(
                    f"The {modality} extractor returned {array.shape[0]} rows for {n_tr} TRs."
                )
            result.features[modality] = array
            result.seconds[modality] = time.perf_counter() - started
        return result

    def _store(self, key: str, array: np.ndarray, modality: str, source: Path) -> None:
        try:
            self.cache.put(key, array, modality=modality, source=str(source))
        except CacheError as error:
            # The features are computed and correct; only reuse is lost.
            warnings.warn(f"{error} Continuing without caching.", stacklevel=3)
