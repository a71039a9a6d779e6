"""EncodingModel and the BERG-style verbs: get_encoding_model, encode, encode_features, metadata."""

from __future__ import annotations

import numbers
import os
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch

from vibe_widgets.engine.atlas import ATLAS_CITATION, N_PARCELS, NETWORKS, load_atlas
from vibe_widgets.engine.config import (
    COLLECTION_ID,
    MODALITIES,
    MODEL_ID,
    SUBJECTS,
    VIBEConfig,
    check_model_id,
    subject_row,
)
from vibe_widgets.engine.demo.variant import UNTRAINED_DEMO_LABEL, variant_label, variant_subjects
from vibe_widgets.engine.features.cache import FeatureCache
from vibe_widgets.engine.features.pipeline import FeaturePipeline, StimulusFeatures
from vibe_widgets.engine.features.transcripts import check_transcripts
from vibe_widgets.engine.hub import ResolvedVariant, find_variant_for_config, resolve_variant
from vibe_widgets.engine.model import VIBEModel, load_vibe_model
from vibe_widgets.engine.selection import Selection, resolve_selection
from vibe_widgets.errors import (
    InvalidParameterError,
    ModelLoadError,
    StimulusError,
)

__all__ = [
    "VIBE_CITATION",
    "EncodingModel",
    "encode",
    "encode_features",
    "get_encoding_model",
    "get_model_metadata",
    "resolve_device",
]

VIBE_CITATION = (
    "Schad DC, Dixit S, Keck J, Studenyak V, Shpilevoi A, Bicanski A. VIBE: Video-Input "
    "Brain Encoder for fMRI Response Modeling. arXiv:2507.17958 (2025)."
)


def resolve_device(device: str | torch.device) -> torch.device:
    """``"auto"`` -> CUDA when available, else CPU; other names are checked to exist.

    Raises
    ------
    InvalidParameterError
        For an unknown device name, or CUDA requested where it is not available.
    """
    if isinstance(device, str) and device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        resolved = torch.device(device)
    except (RuntimeError, TypeError) as exc:
        raise InvalidParameterError(
            f"Invalid device {device!r}: use 'auto', 'cpu' or 'cuda' (optionally 'cuda:N')."
        ) from exc
    if resolved.type == "cuda" and not torch.cuda.is_available():
        raise InvalidParameterError(
            f"device={device!r} was asked for but CUDA is not available; use 'auto' or 'cpu'."
        )
    if resolved.type not in ("cpu", "cuda"):
        raise InvalidParameterError(
            f"Unsupported device {device!r}: use 'auto', 'cpu' or 'cuda' (optionally 'cuda:N')."
        )
    return resolved


def _bool(name: str, value: Any) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise InvalidParameterError(f"{name} must be True or False, got {value!r}.")
    return bool(value)


def _feature_cache(value: Any) -> FeatureCache | bool | None:
    """``feature_cache`` checked where it is given, not at the first extraction."""
    if value is None or isinstance(value, (bool, FeatureCache)):
        return value
    raise InvalidParameterError(
        f"feature_cache must be a FeatureCache, None (the default cache) or False (no "
        f"caching), got {type(value).__name__} {value!r}; for a folder, pass "
        "feature_cache=FeatureCache(folder) (from vibe_widgets.engine.features.cache)."
    )


class EncodingModel:
    """A loaded VIBE variant with its subject, output selection and device.

    Built by `get_encoding_model`; call `encode_features` (or `encode`) to predict.

    Parameters
    ----------
    network : VIBEModel
        The network, weights loaded (or random when ``untrained``).
    subject : int, optional
        Default subject (1, 2, 3 or 5); each call may give another.
    selection : dict, optional
        Output parcels, see `resolve_selection`.
    device : str or torch.device
        ``"auto"``, ``"cpu"`` or ``"cuda[:N]"``.
    low_mem_use : bool
        Keep the weights on the CPU between calls and move them to the device only during
        a call (no effect on the CPU).
    variant : ResolvedVariant, optional
        Where the weights came from; ``None`` for an untrained network.
    untrained : bool
        The weights are random: predictions are meaningless.
    feature_cache : FeatureCache, None or False
        Where extracted features are cached (None: the default cache; False: off).
    trust_remote_code : bool
        Let the text extractor run code from its repository (off unless you opt in).
    missing_audio : {"error", "silence"}
        A movie without an audio track: raise (default) or treat it as silence.
    """

    def __init__(
        self,
        network: VIBEModel,
        *,
        subject: int | None = None,
        selection: Mapping[str, Any] | None = None,
        device: str | torch.device = "auto",
        low_mem_use: bool = False,
        variant: ResolvedVariant | None = None,
        untrained: bool = False,
        feature_cache: FeatureCache | bool | None = None,
        trust_remote_code: bool = False,
        missing_audio: str = "error",
    ) -> None:
        self.network = network.eval()
        self.config: VIBEConfig = network.config
        # Subject id -> embedding row: CNeuroMod ids for the rows the network has, then
        # whatever a fitted variant's config.json maps (new ids, see training.fit).
        self.subject_rows: dict[int, int] = {
            s: i for i, s in enumerate(SUBJECTS) if i < self.config.num_subjects
        }
        if variant is not None:
            self.subject_rows.update(variant_subjects(variant.config_path) or {})
        # The last row is the null subject's: a new id may be trained on it (new_subjects="null").
        beyond = {s: r for s, r in self.subject_rows.items() if r > self.config.num_subjects}
        if beyond:
            raise ModelLoadError(
                f"Variant {variant.name!r} maps subjects {beyond} to embedding rows its network "
                f"does not have (rows 0-{self.config.num_subjects}). Refit it, or fix "
                "vibe_widgets.subjects in its config.json."
            )
        self._subject: int | None = None
        self.subject = subject
        self.selection: Selection | None = resolve_selection(selection)
        self.device = resolve_device(device)
        self.low_mem_use = _bool("low_mem_use", low_mem_use)
        self.variant = variant
        self.label = None if variant is None else variant_label(variant.config_path)
        self.untrained = bool(untrained)
        # Built now so that bad options fail here; extractors load on first use.
        self.pipeline = FeaturePipeline(
            self.config,
            device=self.device,
            low_mem_use=self.low_mem_use,
            cache=_feature_cache(feature_cache),
            base_dir=None if variant is None else variant.config_path.parent,
            trust_remote_code=_bool("trust_remote_code", trust_remote_code),
            missing_audio=missing_audio,
        )
        if not self.low_mem_use:
            self.network.to(self.device)

    @property
    def subject(self) -> int | None:
        """Default subject of the calls (1, 2, 3 or 5), or ``None``: each call must give one."""
        return self._subject

    @subject.setter
    def subject(self, subject: int | None) -> None:
        if subject is not None:
            self._subject_row(subject)
            subject = int(subject)
        self._subject = subject

    @property
    def parcel_indices(self) -> np.ndarray:
        """Atlas indices of the output columns, ascending: int array of shape (n_outputs,)."""
        if self.selection is None:
            return np.arange(self.config.num_rois)
        return self.selection.indices

    @property
    def n_outputs(self) -> int:
        """Number of output columns."""
        return len(self.parcel_indices)

    @property
    def metadata(self) -> dict[str, Any]:
        """Model metadata (see `get_model_metadata`) plus this model's variant and outputs."""
        meta = get_model_metadata(MODEL_ID)
        meta.update(subject=self.subject, subjects=sorted(self.subject_rows))
        labels = load_atlas().labels
        meta.update(
            tr=self.config.tr,
            variant=None if self.variant is None else self.variant.name,
            variant_source=None if self.variant is None else self.variant.source,
            label=self.label,
            untrained=self.untrained,
            config=self.config.to_dict(),
            selection_rois=[] if self.selection is None else list(self.selection.rois),
            output_parcel_indices=self.parcel_indices.copy(),
            output_parcel_names=[labels[i] for i in self.parcel_indices],
            n_outputs=self.n_outputs,
            device=str(self.device),
            low_mem_use=self.low_mem_use,
        )
        return meta

    def __repr__(self) -> str:
        if self.label:
            source = f"variant={self.variant.name!r} ({self.label})"
        elif self.untrained:
            source = "UNTRAINED (random weights, predictions are meaningless)"
        else:
            source = (
                f"variant={self.variant.name!r} ({self.variant.source})" if self.variant else "?"
            )
        n_params = sum(p.numel() for p in self.network.parameters())
        outputs = f"{self.n_outputs} of {self.config.num_rois} parcels"
        if self.selection is not None and self.selection.rois:
            outputs += f" (roi={list(self.selection.rois)})"
        return (
            f"EncodingModel({source}, subject={self.subject}, outputs={outputs}, "
            f"device='{self.device}', low_mem_use={self.low_mem_use}, "
            f"params={n_params / 1e6:.1f}M)"
        )

    def _subject_row(self, subject: int | None) -> int:
        subject = self.subject if subject is None else subject
        if subject is None:
            raise InvalidParameterError(
                "No subject given: pass subject= to get_encoding_model(...) or to this call; "
                f"valid subjects are {sorted(self.subject_rows)}."
            )
        rows = self.subject_rows
        is_int = isinstance(subject, numbers.Integral) and not isinstance(subject, bool)
        if is_int and int(subject) in rows:
            return rows[int(subject)]
        if rows.keys() == set(SUBJECTS):
            subject_row(subject)  # the published message (CNeuroMod ids)
        raise InvalidParameterError(
            f"Invalid subject {subject!r}: this variant has embeddings for subjects "
            f"{sorted(rows)}. Pass one of those (a variant fitted with other subject ids "
            "lists them in config.json under vibe_widgets.subjects)."
        )

    def _features(self, features: Any) -> dict[str, torch.Tensor]:
        """Validate features into float32 tensors of shape (1, n_tr, d) on the device."""
        widths = self.config.input_dims
        if not isinstance(features, Mapping):
            raise StimulusError(
                f"features must be a dict with keys {list(MODALITIES)}, got "
                f"{type(features).__name__}."
            )
        missing = [k for k in MODALITIES if k not in features]
        unknown = [k for k in features if k not in MODALITIES]
        if missing or unknown:
            raise StimulusError(
                f"features must have exactly the keys {list(MODALITIES)}; missing {missing}, "
                f"unknown {unknown}."
            )
        out = {}
        for name in MODALITIES:
            value = features[name]
            try:
                if isinstance(value, torch.Tensor):
                    tensor = value.detach()
                    if tensor.is_complex() or tensor.dtype == torch.bool:
                        raise TypeError(f"dtype {tensor.dtype} is not real-valued")
                else:
                    array = np.asarray(value)
                    if array.dtype.kind not in "iuf":
                        raise TypeError(f"dtype {array.dtype} is not real-valued")
                    tensor = torch.from_numpy(np.ascontiguousarray(array, dtype=np.float32))
            except (TypeError, ValueError) as exc:
                raise StimulusError(f"features[{name!r}] is not a numeric array: {exc}") from exc
            if tensor.ndim != 2 or tensor.shape[1] != widths[name]:
                raise StimulusError(
                    f"features[{name!r}] must have shape (n_tr, {widths[name]}), got "
                    f"{tuple(tensor.shape)}."
                )
            out[name] = tensor.to(self.device, torch.float32)
        rows = {name: t.shape[0] for name, t in out.items()}
        if len(set(rows.values())) != 1:
            raise StimulusError(f"features must have the same number of rows (TRs), got {rows}.")
        if next(iter(rows.values())) == 0:
            raise StimulusError("features have 0 rows: at least one TR is needed.")
        for name, tensor in out.items():
            if not torch.isfinite(tensor).all():
                raise StimulusError(f"features[{name!r}] contains NaN or infinite values.")
        return {name: t[None] for name, t in out.items()}

    def encode_features(
        self,
        features: Mapping[str, np.ndarray | torch.Tensor],
        subject: int | None = None,
    ) -> torch.Tensor:
        """Predict responses from precomputed per-TR features.

        Parameters
        ----------
        features : dict
            ``"audio"``: array of shape (n_tr, audio_extractor_feature_size) (1536 for the
            published variants), ``"text"``: (n_tr, text_extractor_feature_size) (5120),
            ``"video"``: (n_tr, video_extractor_feature_size * pool_size**2) (5632).
            Numpy arrays or tensors; cast to float32.
        subject : int, optional
            1, 2, 3 or 5; defaults to the model's subject.

        Returns
        -------
        torch.Tensor
            float32 CPU tensor of shape (n_tr, n_outputs): one row per TR, the selected
            parcels in ascending atlas order.

        Raises
        ------
        InvalidParameterError
            For a bad or missing subject.
        StimulusError
            For missing or unknown keys, wrong widths, unequal row counts, or non-finite values.
        """
        row = self._subject_row(subject)
        inputs = self._features(features)
        if self.low_mem_use:
            self.network.to(self.device)
        try:
            with torch.inference_mode():
                subject_rows = torch.tensor([row], device=self.device)
                responses = self.network(inputs, subject_rows)[0]
                if self.selection is not None:
                    columns = torch.from_numpy(self.selection.indices.copy()).to(self.device)
                    responses = responses[:, columns]
                responses = responses.float().cpu()
        finally:
            if self.low_mem_use and self.device.type != "cpu":
                self.network.to("cpu")
                torch.cuda.empty_cache()
        # A plain tensor, not an inference-mode one, so callers may use it in autograd.
        return responses.clone()

    def generate_glass_brain_animation(
        self, responses: Any, out_path: str | os.PathLike = "brain_activation.gif", **kwargs: Any
    ) -> Path:
        """This model's responses (n_tr, n_outputs) as a glass-brain GIF/MP4, one frame per TR.

        A selection's columns are placed on their parcels (``parcel_indices``); the others are
        drawn as missing. ``tr`` defaults to the model's TR; other keywords (``speed``,
        ``cmap``, ``vmax``, ``networks``, ``width``, ...) as in
        `vibe_widgets.figures.generate_glass_brain_animation`.

        Returns
        -------
        Path
            The written file.
        """
        # Figures are kernel-side drawing code, imported only when asked for (no widgets).
        from vibe_widgets.figures.animation import generate_glass_brain_animation

        kwargs.setdefault("tr", self.config.tr)
        return generate_glass_brain_animation(
            responses, out_path, parcel_indices=self.parcel_indices, **kwargs
        )

    def extract_features(
        self,
        stimulus: Sequence[str],
        video_path: str | os.PathLike[str],
        show_progress: bool = True,
    ) -> StimulusFeatures:
        """Per-TR features of a movie, from the on-disk cache where possible.

        Parameters
        ----------
        stimulus : list of str
            One transcript string per TR, ``floor(duration / tr)`` of them.
        video_path : path-like
            The movie file.
        show_progress : bool
            Show a progress bar per stage.

        Returns
        -------
        StimulusFeatures
            ``.features``: dict of float32 arrays of shape (n_tr, d) for "audio", "text" and
            "video", plus which of them came from the cache and the time each took.
        """
        if video_path is None:
            raise InvalidParameterError("video_path is required: the movie to encode.")
        return self.pipeline.extract(
            video_path,
            check_transcripts(stimulus),
            show_progress=_bool("show_progress", show_progress),
        )

    def encode(
        self,
        stimulus: Sequence[str],
        video_path: str | os.PathLike[str] | None = None,
        subject: int | None = None,
        return_metadata: bool = False,
        show_progress: bool = True,
    ) -> torch.Tensor | tuple[torch.Tensor, dict[str, Any]]:
        """Predict responses to a movie from its video and per-TR transcripts.

        Audio and video features come from the file, text features from ``stimulus``;
        each is cached on disk, so editing a transcript line re-extracts only the text.

        Parameters
        ----------
        stimulus : list of str
            One transcript string per TR (``""`` for a TR without words); there must be
            exactly ``floor(video_duration / tr)`` of them.
        video_path : path-like
            The movie file.
        subject : int, optional
            1, 2, 3 or 5; defaults to the model's subject.
        return_metadata : bool
            Also return `metadata`, with a ``"features"`` entry saying which modalities came
            from the cache and how long each took.
        show_progress : bool
            Show progress bars during extraction.

        Returns
        -------
        torch.Tensor or (torch.Tensor, dict)
            float32 CPU tensor of shape (n_tr, n_outputs).

        Raises
        ------
        StimulusError
            When ``stimulus`` is not a list of str or its length is not the TR count.
        MediaError
            When the video is missing, unreadable, or has no audio track.
        """
        self._subject_row(subject)
        _bool("return_metadata", return_metadata)
        extracted = self.extract_features(stimulus, video_path, show_progress=show_progress)
        responses = self.encode_features(extracted.features, subject=subject)
        if not return_metadata:
            return responses
        meta = self.metadata
        meta["features"] = {
            "n_tr": extracted.n_tr,
            "duration": extracted.duration,
            "cached": dict(extracted.cached),
            "seconds": dict(extracted.seconds),
        }
        return responses, meta


def get_encoding_model(
    model_id: str,
    subject: int | None = None,
    device: str | torch.device = "auto",
    model_variant: str | os.PathLike[str] | None = None,
    low_mem_use: bool = False,
    selection: Mapping[str, Any] | None = None,
    *,
    config: VIBEConfig | None = None,
    allow_untrained: bool = False,
    cache_dir: str | os.PathLike[str] | None = None,
    hf_cache_dir: str | os.PathLike[str] | None = None,
    feature_cache: FeatureCache | bool | None = None,
    trust_remote_code: bool = False,
    missing_audio: str = "error",
) -> EncodingModel:
    """Load a pretrained VIBE variant.

    Parameters
    ----------
    model_id : str
        ``"fmri-cneuromod_algo2025-vibe"``.
    subject : int, optional
        1, 2, 3 or 5 (CNeuroMod ids); may instead be given to each `encode_features` call.
    device : str or torch.device
        ``"auto"`` (CUDA when available), ``"cpu"`` or ``"cuda[:N]"``.
    model_variant : str or path-like, optional
        A Hub repo id (e.g. ``"ShreyDixit/VIBE-Qwen2.5-14B"``; only its ``config.json`` and
        ``model.safetensors`` are downloaded), or a local folder holding those two files.
        ``None``: the first variant of the collection whose config equals ``config``.
    low_mem_use : bool
        Keep the weights on the CPU between calls (see `EncodingModel`).
    selection : dict, optional
        ``{"roi": [network names], "parcel_index": binary array of shape (1000,)}``, either
        or both (union); output columns follow ascending parcel order.
    config : VIBEConfig, optional
        Only with ``model_variant=None``: the config to match (default: ``VIBEConfig()``).
    allow_untrained : bool
        With ``model_variant=None``, build a network with random weights (marked UNTRAINED)
        when no published variant matches ``config`` or the listing is unavailable, instead
        of raising.
    cache_dir, hf_cache_dir : path-like, optional
        vibe-widgets cache (variant listing) and Hugging Face hub cache.
    feature_cache : FeatureCache, None or False
        Cache of extracted features (None: ``<cache>/features``; False: no caching).
    trust_remote_code : bool
        Allow the text extractor's repository code to run (off by default).
    missing_audio : {"error", "silence"}
        A movie without an audio track: raise (default) or use silence.

    Returns
    -------
    EncodingModel

    Raises
    ------
    InvalidParameterError
        For a bad model id, subject, selection, device, or a ``config`` that contradicts
        ``model_variant``.
    ModelLoadError
        When no checkpoint can be found or loaded (not cached offline, missing files,
        pickle-based files, or keys/shapes that do not match).
    """
    check_model_id(model_id)
    local = isinstance(model_variant, (str, os.PathLike)) and Path(model_variant).is_dir()
    if subject is not None and not local:
        # A local folder may map other subject ids (fit(): checked once its config is read).
        subject_row(subject)
    resolve_selection(selection)
    resolve_device(device)
    _bool("low_mem_use", low_mem_use)
    _bool("allow_untrained", allow_untrained)
    _feature_cache(feature_cache)
    if config is not None and not isinstance(config, VIBEConfig):
        raise InvalidParameterError(f"config must be a VIBEConfig, got {type(config).__name__}.")

    if model_variant is not None:
        variant = resolve_variant(model_variant, hf_cache_dir=hf_cache_dir)
        if config is not None and config != variant.config:
            raise InvalidParameterError(
                f"config differs from the config of model_variant {variant.name!r}; give one or "
                "the other."
            )
    else:
        variant = _default_variant(
            VIBEConfig() if config is None else config, allow_untrained, cache_dir, hf_cache_dir
        )
    if variant is None:
        network = VIBEModel(VIBEConfig() if config is None else config)
    else:
        network = load_vibe_model(variant.config, variant.weights_path)
    return EncodingModel(
        network,
        subject=subject,
        selection=selection,
        device=device,
        low_mem_use=low_mem_use,
        variant=variant,
        # A demo folder with a random network is a real checkpoint, yet untrained all the same
        # (the shipped demo network is fitted, to simulated responses: its label says so).
        untrained=variant is None or variant_label(variant.config_path) == UNTRAINED_DEMO_LABEL,
        feature_cache=feature_cache,
        trust_remote_code=trust_remote_code,
        missing_audio=missing_audio,
    )


def _default_variant(
    config: VIBEConfig,
    allow_untrained: bool,
    cache_dir: str | os.PathLike[str] | None,
    hf_cache_dir: str | os.PathLike[str] | None,
) -> ResolvedVariant | None:
    """The published variant matching ``config``; ``None`` (untrained) only if allowed."""
    try:
        repo_id = find_variant_for_config(config, cache_dir=cache_dir, hf_cache_dir=hf_cache_dir)
        reason = "no published variant has this config"
    except ModelLoadError as exc:
        if not allow_untrained:
            raise
        repo_id, reason = None, str(exc)
    if repo_id is not None:
        return resolve_variant(repo_id, hf_cache_dir=hf_cache_dir)
    if not allow_untrained:
        raise ModelLoadError(
            f"No published variant of {COLLECTION_ID!r} has this config: refusing to build a "
            "network with random weights. Pass model_variant=... (see get_model_variants), or "
            "allow_untrained=True to get an untrained network on purpose."
        )
    warnings.warn(
        f"Building an UNTRAINED VIBE network with random weights ({reason}); its predictions "
        "are meaningless.",
        stacklevel=3,
    )
    return None


def _check_model(model: Any) -> EncodingModel:
    if not isinstance(model, EncodingModel):
        raise InvalidParameterError(
            f"model must be an EncodingModel from get_encoding_model(), got {type(model).__name__}."
        )
    return model


def encode(
    model: EncodingModel,
    stimulus: Sequence[str],
    video_path: str | os.PathLike[str] | None = None,
    subject: int | None = None,
    return_metadata: bool = False,
    show_progress: bool = True,
) -> torch.Tensor | tuple[torch.Tensor, dict[str, Any]]:
    """Predict responses to a movie from its video and per-TR transcripts (BERG's verb).

    Parameters
    ----------
    model : EncodingModel
        From `get_encoding_model`.
    stimulus : list of str, length n_tr
        One transcript string per TR (``""`` for a TR without words);
        ``n_tr = floor(video_duration / tr)``.
    video_path : path-like
        The movie file (video and audio track).
    subject : int, optional
        1, 2, 3 or 5; defaults to the model's subject.
    return_metadata : bool
        Also return a dict of metadata (``"features"`` says which modalities came from
        the feature cache and how long each took).
    show_progress : bool
        Show progress bars during extraction.

    Returns
    -------
    torch.Tensor or (torch.Tensor, dict)
        float32 CPU tensor of shape (n_tr, n_outputs): 1000 parcels, or the selected
        ones in ascending atlas order.

    See Also
    --------
    EncodingModel.encode : the same, as a method; its Raises section lists the errors.
    """
    return _check_model(model).encode(
        stimulus,
        video_path=video_path,
        subject=subject,
        return_metadata=return_metadata,
        show_progress=show_progress,
    )


def encode_features(
    model: EncodingModel,
    features: Mapping[str, np.ndarray | torch.Tensor],
    subject: int | None = None,
) -> torch.Tensor:
    """Predict responses from precomputed per-TR features.

    Parameters
    ----------
    model : EncodingModel
        From `get_encoding_model`.
    features : dict of str to array
        ``"audio"`` (n_tr, d_audio), ``"text"`` (n_tr, d_text), ``"video"``
        (n_tr, d_video); the widths are the model's (`EncodingModel.encode_features`).
    subject : int, optional
        1, 2, 3 or 5; defaults to the model's subject.

    Returns
    -------
    torch.Tensor
        float32 CPU tensor of shape (n_tr, n_outputs).
    """
    return _check_model(model).encode_features(features, subject=subject)


def get_model_metadata(model_id: str, subject: int | None = None) -> dict[str, Any]:
    """Describe the model and its outputs without loading a model or using the network.

    Parameters
    ----------
    model_id : str
        ``"fmri-cneuromod_algo2025-vibe"``.
    subject : int, optional
        Validated (1, 2, 3 or 5) and echoed back.

    Returns
    -------
    dict
        ``model_id``, ``collection_id``, ``subjects``, ``subject``, ``tr`` (s),
        ``n_parcels``, ``parcel_names`` (1000 str), ``networks`` (7 names),
        ``parcel_networks`` and ``hemispheres`` (str arrays of shape (1000,)),
        ``centroids`` (MNI mm, shape (1000, 3)), ``colors`` (uint8, shape (1000, 3)),
        ``roi_masks`` (network -> int 0/1 array of shape (1000,)), ``output_shape``,
        ``atlas``, ``atlas_citation`` and ``citation``.
    """
    check_model_id(model_id)
    if subject is not None:
        subject_row(subject)
    atlas = load_atlas()
    return {
        "model_id": MODEL_ID,
        "collection_id": COLLECTION_ID,
        "subjects": list(SUBJECTS),
        "subject": subject,
        "tr": VIBEConfig().tr,
        "n_parcels": N_PARCELS,
        "parcel_names": list(atlas.labels),
        "networks": list(NETWORKS),
        "parcel_networks": atlas.networks.copy(),
        "hemispheres": atlas.hemispheres.copy(),
        "centroids": atlas.centroids.copy(),
        "colors": atlas.colors.copy(),
        "roi_masks": atlas.roi_masks(),
        "output_shape": ("num_timepoints", "num_rois"),
        "atlas": "Schaefer2018_1000Parcels_7Networks (FSL MNI152 2 mm centroids)",
        "atlas_citation": ATLAS_CITATION,
        "citation": VIBE_CITATION,
    }
