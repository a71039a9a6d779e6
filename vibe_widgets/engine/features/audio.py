"""Audio features: AST hidden states of each TR's causal 10.24 s window, pooled over the TR."""

from __future__ import annotations

import contextlib
import gc
import os
import warnings
from collections.abc import Iterator
from typing import Any

import numpy as np
import torch

from vibe_widgets.engine.timing import audio_window_times, audio_windows, check_tr
from vibe_widgets.errors import InvalidParameterError, ModelLoadError

__all__ = [
    "AudioFeatureExtractor",
    "KaldiFilterBank",
    "quiet_mel_filter_warning",
    "tr_patch_bounds",
]

_AST_MODEL_TYPE = "audio-spectrogram-transformer"
# The model's input starts with two summary tokens (CLS, distillation), then the patches.
_N_SUMMARY_TOKENS = 2
# AST's filter bank hops 10 ms per frame (Kaldi's default shift; also the numpy fallback's
# 160 samples at 16 kHz), so max_length frames span max_length / 100 seconds: 10.24 s.
_FRAMES_PER_SECOND = 100
# The filter bank's frame is 25 ms; shorter audio yields no frame at all.
_FRAME_SECONDS = 0.025


@contextlib.contextmanager
def quiet_mel_filter_warning() -> Iterator[None]:
    """Hide the harmless "mel filter has all zero values" warning of ``ASTFeatureExtractor``.

    It builds 128 Kaldi-style mel filters over 257 FFT bins, the lowest of which are empty
    by design (the published AST has the same filters).
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="At least one mel filter has all zero values")
        yield


def tr_patch_bounds(
    window_lengths: np.ndarray,
    tr: float,
    n_time_patches: int,
    window_seconds: float = 10.24,
) -> tuple[np.ndarray, np.ndarray]:
    """Time patches that cover the last TR of each audio window.

    A window of ``L`` seconds sits at the start of the model input (padding after it);
    its last TR spans ``[max(0, L - tr), L)``, which maps to patches
    ``[int(start / window_seconds * T), int(L / window_seconds * T))``, clamped to
    ``[0, T]`` and never empty.

    Parameters
    ----------
    window_lengths : numpy.ndarray of shape (n,)
        ``w_end - w_start`` of each window, in seconds.
    tr : float
        Repetition time in seconds.
    n_time_patches : int
        ``T``, time patches of the model input (101 for the published AST).
    window_seconds : float
        Duration of the model input (10.24 s).

    Returns
    -------
    first, stop : numpy.ndarray of shape (n,), int64
        Patch ``t`` is pooled for window ``i`` when ``first[i] <= t < stop[i]``.
    """
    lengths = np.asarray(window_lengths, dtype=np.float64)
    rel_start = np.maximum(0.0, lengths - tr)
    # Same float operations, in the same order, as the published int(x / 10.24 * T).
    first = (rel_start / window_seconds * n_time_patches).astype(np.int64)
    stop = (lengths / window_seconds * n_time_patches).astype(np.int64)
    first = np.clip(first, 0, n_time_patches - 1)
    stop = np.maximum(np.minimum(stop, n_time_patches), first + 1)
    return first, stop


def _pool_patches(time_tokens: torch.Tensor, first: np.ndarray, stop: np.ndarray) -> np.ndarray:
    """Mean and population std of each row's time patches ``[first, stop)``.

    ``time_tokens`` has shape (B, T, H); the result has shape (B, 2 * H), float32.
    """
    t = torch.arange(time_tokens.shape[1], device=time_tokens.device)
    lo = torch.as_tensor(first, device=time_tokens.device)[:, None]
    hi = torch.as_tensor(stop, device=time_tokens.device)[:, None]
    weights = ((t >= lo) & (t < hi)).to(time_tokens.dtype)
    weights = weights / weights.sum(dim=1, keepdim=True)
    mean = torch.einsum("bt,bth->bh", weights, time_tokens)
    var = torch.einsum("bt,bth->bh", weights, (time_tokens - mean[:, None, :]) ** 2)
    return torch.cat([mean, var.sqrt()], dim=1).cpu().numpy().astype(np.float32, copy=False)


class KaldiFilterBank:
    """``ASTFeatureExtractor``'s inputs for many windows of one signal at once, in torch.

    The feature extractor computes Kaldi log-mel filter banks (25 ms frames, 10 ms hop,
    DC offset removed, pre-emphasis 0.97, Hann window, 512-point power spectrum, mel
    filters, log with a floor) one clip at a time in a Python loop over frames, then pads
    or truncates each clip to ``max_length`` frames and normalises. Every step is local to
    a 25 ms frame, so overlapping windows of one signal share their frames: this computes
    each distinct frame once, all of them in one batched FFT and matrix product, then
    gathers the windows. Same float64 arithmetic as the NumPy path; the result matches the
    real feature extractor to float32 rounding.

    Parameters
    ----------
    processor : transformers.ASTFeatureExtractor
        Its ``num_mel_bins``, ``max_length``, ``do_normalize``, ``mean``, ``std`` and (when
        present) ``mel_filters`` and ``window`` are used.

    Raises
    ------
    ModelLoadError
        If ``processor`` is not an AST feature extractor at 16 kHz (:meth:`supports` says).
    """

    FRAME = 400  # 25 ms at 16 kHz
    HOP = 160  # 10 ms
    N_FFT = 512
    PREEMPHASIS = 0.97
    MEL_FLOOR = 1.192092955078125e-07  # float32 epsilon, Kaldi's floor
    # Distinct frames per FFT call: bounds the float64 working memory (~15 MB).
    _CHUNK = 4096

    def __init__(self, processor: Any) -> None:
        if not self.supports(processor):
            raise ModelLoadError(
                f"KaldiFilterBank needs an ASTFeatureExtractor at 16 kHz, got "
                f"{type(processor).__name__} at {getattr(processor, 'sampling_rate', '?')} Hz."
            )
        from transformers.audio_utils import mel_filter_bank, window_function

        self.n_mels = int(processor.num_mel_bins)
        self.max_length = int(processor.max_length)
        self.do_normalize = bool(processor.do_normalize)
        self.mean = processor.mean
        self.std = processor.std
        filters = getattr(processor, "mel_filters", None)
        if filters is None:  # torchaudio installed: the extractor builds no NumPy filters
            with quiet_mel_filter_warning():
                filters = mel_filter_bank(
                    num_frequency_bins=self.N_FFT // 2 + 1,
                    num_mel_filters=self.n_mels,
                    min_frequency=20,
                    max_frequency=processor.sampling_rate // 2,
                    sampling_rate=processor.sampling_rate,
                    norm=None,
                    mel_scale="kaldi",
                    triangularize_in_mel_space=True,
                )
        window = getattr(processor, "window", None)
        if window is None:
            window = window_function(self.FRAME, "hann", periodic=False)
        self._filters = torch.as_tensor(np.asarray(filters, dtype=np.float64))  # (257, mels)
        self._window = torch.as_tensor(np.asarray(window, dtype=np.float64))  # (400,)
        self._offsets = torch.arange(self.FRAME)

    @staticmethod
    def supports(processor: Any) -> bool:
        """Whether ``processor`` computes what this class computes (an AST one at 16 kHz)."""
        from transformers import ASTFeatureExtractor

        return isinstance(processor, ASTFeatureExtractor) and processor.sampling_rate == 16_000

    def log_mel(self, signal: torch.Tensor, starts: torch.Tensor) -> torch.Tensor:
        """Log-mel filter banks of the 25 ms frames of ``signal`` starting at ``starts``.

        Parameters
        ----------
        signal : torch.Tensor of shape (n_samples,), float64
            Every frame must lie inside it.
        starts : torch.Tensor of shape (n_frames,), int64
            First sample of each frame.

        Returns
        -------
        torch.Tensor of shape (n_frames, num_mel_bins), float32
        """
        out = torch.empty((starts.numel(), self.n_mels), dtype=torch.float32)
        # Every frame of the signal at every sample offset, as a view; rows are picked out
        # (an index of rows copies far less than a per-sample gather).
        every = signal.unfold(0, self.FRAME, 1)
        for lo in range(0, starts.numel(), self._CHUNK):
            frames = every[starts[lo : lo + self._CHUNK]]  # (n, 400), a copy
            frames -= frames.mean(dim=1, keepdim=True)
            # Pre-emphasis inside each frame; the first sample has no predecessor.
            emphasised = torch.empty_like(frames)
            torch.sub(frames[:, 1:], frames[:, :-1], alpha=self.PREEMPHASIS, out=emphasised[:, 1:])
            torch.mul(frames[:, 0], 1 - self.PREEMPHASIS, out=emphasised[:, 0])
            emphasised *= self._window
            spectrum = torch.fft.rfft(emphasised, n=self.N_FFT, dim=1)
            power = spectrum.real.square().add_(spectrum.imag.square())  # (n, 257)
            mel = torch.clamp_min_(power @ self._filters, self.MEL_FLOOR)
            out[lo : lo + self._CHUNK] = mel.log_()
        return out

    def windows(self, samples: np.ndarray, bounds: np.ndarray) -> torch.Tensor:
        """Model inputs of the clips ``samples[start:end]`` for each row of ``bounds``.

        Each clip is what ``processor(clip, padding="max_length")`` gets: its frames
        (truncated to ``max_length``) first, zero frames after, then normalised.

        Parameters
        ----------
        samples : numpy.ndarray of shape (n_samples,), float32
            Mono audio at 16 kHz.
        bounds : numpy.ndarray of shape (n_clips, 2), int
            ``[start, end)`` of each clip; a clip shorter than one frame is zero-padded to
            one frame, as the extractor pads it.

        Returns
        -------
        torch.Tensor of shape (n_clips, max_length, num_mel_bins), float32
        """
        bounds = np.asarray(bounds, dtype=np.int64).reshape(-1, 2)
        lengths = bounds[:, 1] - bounds[:, 0]
        signal = torch.from_numpy(np.asarray(samples, dtype=np.float32)).to(torch.float64)
        short = lengths < self.FRAME
        if short.any():
            # A clip under one frame is padded with zeros after it, not followed by the
            # signal: give each such clip its own zero-padded frame at the signal's end.
            pads = [
                torch.nn.functional.pad(signal[s:e], (0, self.FRAME - (e - s)))
                for s, e in bounds[short]
            ]
            tail = signal.numel()
            signal = torch.cat([signal, *pads])
            bounds = bounds.copy()
            bounds[short, 0] = tail + self.FRAME * np.arange(int(short.sum()))
            lengths = np.where(short, self.FRAME, lengths)
        n_frames = np.minimum(1 + (lengths - self.FRAME) // self.HOP, self.max_length)
        # Clip i, frame j starts at start_i + HOP * j: (rows, cols) name every used frame.
        rows = np.repeat(np.arange(len(bounds)), n_frames)
        cols = np.arange(rows.size) - np.repeat(np.cumsum(n_frames) - n_frames, n_frames)
        unique, inverse = np.unique(bounds[rows, 0] + self.HOP * cols, return_inverse=True)
        mel = self.log_mel(signal, torch.from_numpy(unique))
        out = torch.zeros((len(bounds), self.max_length, self.n_mels), dtype=torch.float32)
        rows_t, cols_t = torch.from_numpy(rows), torch.from_numpy(cols)
        out[rows_t, cols_t] = mel[torch.from_numpy(inverse.reshape(-1))]
        if self.do_normalize:
            out = (out - self.mean) / (self.std * 2)
        return out


def _check_samples(samples: Any) -> np.ndarray:
    array = np.asarray(samples)
    if array.ndim != 1:
        raise InvalidParameterError(
            f"samples must be a 1-D array of mono audio, got shape {array.shape}. Mix the "
            "channels down first (decode_audio does)."
        )
    if array.dtype.kind != "f":
        raise InvalidParameterError(
            f"samples must be floating-point audio in [-1, 1], got dtype {array.dtype}."
        )
    bad = ~np.isfinite(array)
    if bad.any():
        raise InvalidParameterError(
            f"samples contain {int(bad.sum())} NaN or infinite values (first at index "
            f"{int(np.argmax(bad))}). Pass finite audio samples."
        )
    return np.asarray(array, dtype=np.float32)


class AudioFeatureExtractor:
    """Per-TR audio features from an Audio Spectrogram Transformer (AST).

    For TR ``i`` the causal window of audio ending at ``min((i + 1) * tr, duration)`` (at most
    10.24 s) goes through AST; hidden state ``-last_layer_index`` (CLS and distillation
    tokens dropped) is averaged over frequency patches, and the time patches of the window's
    last TR give the feature: their mean and population std, concatenated.

    Parameters
    ----------
    model_id : str or os.PathLike
        Hugging Face id (``"MIT/ast-finetuned-audioset-10-10-0.4593"``) or a local folder
        with ``config.json``, ``preprocessor_config.json`` and the weights.
    last_layer_index : int
        Which entry of ``hidden_states``, counted from the end (2: the second to last).
    batch_size : int
        Windows per forward pass.
    dtype : torch.dtype
        Model dtype.
    device : str or torch.device
        Where the model runs.
    local_files_only : bool, optional
        Never download; None follows ``HF_HUB_OFFLINE``.

    Notes
    -----
    The model is loaded on first use (or by :meth:`load`) and freed by :meth:`unload`.
    """

    def __init__(
        self,
        model_id: str | os.PathLike,
        *,
        last_layer_index: int = 2,
        batch_size: int = 32,
        dtype: torch.dtype = torch.float32,
        device: str | torch.device = "cpu",
        local_files_only: bool | None = None,
    ) -> None:
        if not isinstance(model_id, (str, os.PathLike)) or not str(model_id):
            raise InvalidParameterError(
                f"model_id must be a Hugging Face id or a folder path, got {model_id!r}."
            )
        for name, value in (("last_layer_index", last_layer_index), ("batch_size", batch_size)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise InvalidParameterError(f"{name} must be an int >= 1, got {value!r}.")
        if not isinstance(dtype, torch.dtype) or not dtype.is_floating_point:
            raise InvalidParameterError(f"dtype must be a floating torch.dtype, got {dtype!r}.")
        try:
            self._device = torch.device(device)
        except (RuntimeError, TypeError) as error:
            raise InvalidParameterError(f"device {device!r} is not a torch device.") from error
        if local_files_only is not None and not isinstance(local_files_only, bool):
            raise InvalidParameterError(
                f"local_files_only must be True, False or None, got {local_files_only!r}."
            )
        self._model_id = os.fspath(model_id)
        self._last_layer_index = last_layer_index
        self._batch_size = batch_size
        self._dtype = dtype
        self._local_files_only = local_files_only
        self._config: Any = None
        self._processor: Any = None
        self._fbank: KaldiFilterBank | None = None
        self._model: torch.nn.Module | None = None
        self._tap: dict[str, torch.Tensor] = {}

    # -- properties ------------------------------------------------------------------------

    @property
    def model_id(self) -> str:
        """The Hugging Face id or folder the model is loaded from."""
        return self._model_id

    @property
    def is_loaded(self) -> bool:
        """Whether the model is in memory."""
        return self._model is not None

    @property
    def feature_size(self) -> int:
        """Width of one TR's feature: ``2 * hidden_size`` (1536 for the published AST)."""
        return 2 * int(self._load_config().hidden_size)

    @property
    def patch_grid(self) -> tuple[int, int]:
        """``(frequency patches, time patches)`` of one input, from the model config."""
        config = self._load_config()
        patch = int(getattr(config, "patch_size", 16))
        n_freq = (int(config.num_mel_bins) - patch) // int(config.frequency_stride) + 1
        n_time = (int(config.max_length) - patch) // int(config.time_stride) + 1
        return n_freq, n_time

    @property
    def window_seconds(self) -> float:
        """Duration of one model input: ``max_length`` frames at a 10 ms hop (10.24 s)."""
        return int(self._load_config().max_length) / _FRAMES_PER_SECOND

    @property
    def sample_rate(self) -> int:
        """Sampling rate the samples must have (the feature extractor's, 16 kHz)."""
        self.load()
        return int(self._processor.sampling_rate)

    # -- loading ---------------------------------------------------------------------------

    def _offline(self) -> bool:
        if self._local_files_only is not None:
            return self._local_files_only
        from vibe_widgets.engine.hub import is_offline

        return is_offline()

    def _load_error(self, what: str, error: Exception) -> ModelLoadError:
        return ModelLoadError(
            f"Cannot load the audio model's {what} from {self._model_id!r} ({error}). Pass a "
            "Hugging Face id (e.g. 'MIT/ast-finetuned-audioset-10-10-0.4593') or a folder "
            "holding config.json, preprocessor_config.json and the weights; offline "
            "(HF_HUB_OFFLINE=1) a hub model must already be in the Hugging Face cache."
        )

    def _load_config(self) -> Any:
        if self._config is None:
            from transformers import AutoConfig

            try:
                config = AutoConfig.from_pretrained(
                    self._model_id, local_files_only=self._offline()
                )
            except (OSError, ValueError) as error:
                raise self._load_error("config", error) from error
            if getattr(config, "model_type", None) != _AST_MODEL_TYPE:
                raise ModelLoadError(
                    f"{self._model_id!r} is a {getattr(config, 'model_type', '?')!r} model, not "
                    f"an Audio Spectrogram Transformer ({_AST_MODEL_TYPE!r})."
                )
            n_hidden = int(config.num_hidden_layers) + 1
            if self._last_layer_index > n_hidden:
                raise InvalidParameterError(
                    f"last_layer_index={self._last_layer_index} is out of range: "
                    f"{self._model_id!r} returns {n_hidden} hidden states."
                )
            self._config = config
        return self._config

    def load(self) -> None:
        """Load the feature extractor and the model (no-op when loaded)."""
        if self._model is not None:
            return
        from transformers import ASTModel, AutoFeatureExtractor
        from transformers.models.audio_spectrogram_transformer.modeling_audio_spectrogram_transformer import (  # noqa: E501
            ASTLayer,
        )

        config = self._load_config()
        offline = self._offline()
        try:
            with quiet_mel_filter_warning():
                processor = AutoFeatureExtractor.from_pretrained(
                    self._model_id, local_files_only=offline
                )
        except (OSError, ValueError) as error:
            raise self._load_error("feature extractor", error) from error
        expected = {"num_mel_bins": config.num_mel_bins, "max_length": config.max_length}
        found = {key: getattr(processor, key, None) for key in expected}
        if found != expected:
            raise ModelLoadError(
                f"The feature extractor of {self._model_id!r} makes inputs of {found}, but the "
                f"model expects {expected}. Use the preprocessor_config.json saved with the model."
            )
        try:
            # Published checkpoints are AST classifiers; ASTModel keeps their backbone.
            model = ASTModel.from_pretrained(
                self._model_id, config=config, local_files_only=offline
            )
        except (OSError, ValueError) as error:
            raise self._load_error("weights", error) from error
        model = model.to(device=self._device, dtype=self._dtype).eval()
        self._tap_hidden_state(model, ASTLayer)
        # The batched filter bank when it computes what this feature extractor does.
        self._fbank = KaldiFilterBank(processor) if KaldiFilterBank.supports(processor) else None
        self._processor, self._model = processor, model

    def _tap_hidden_state(self, model: torch.nn.Module, layer_class: type) -> None:
        """Keep ``hidden_states[-last_layer_index]`` as it passes, and drop later layers.

        ``hidden_states`` is the embedding output followed by every layer's output (before
        the final LayerNorm), so entry ``-k`` is the output of layer ``L - k`` (0-based) or,
        for ``k = L + 1``, of the embeddings. Capturing it with a hook instead of asking for
        all hidden states keeps one (B, tokens, H) tensor instead of L + 1, and the layers
        after it need not run at all.
        """
        layers = [m for m in model.modules() if isinstance(m, layer_class)]
        n_layers = len(layers)
        if n_layers != int(self._config.num_hidden_layers):
            raise ModelLoadError(
                f"{self._model_id!r} built {n_layers} AST layers but its config says "
                f"{self._config.num_hidden_layers}."
            )
        keep = n_layers + 1 - self._last_layer_index
        target = model.embeddings if keep == 0 else layers[keep - 1]

        # The hook writes to a box, not to self: the model must not keep the extractor alive.
        box = self._tap = {}

        def hook(module: torch.nn.Module, inputs: Any, output: Any) -> None:
            box["tokens"] = output[0] if isinstance(output, tuple) else output

        target.register_forward_hook(hook)
        for container in model.modules():
            if isinstance(container, torch.nn.ModuleList) and any(
                member is layers[0] for member in container
            ):
                del container[keep:]
                break

    def unload(self) -> None:
        """Free the model (and the accelerator memory it held)."""
        self._model = None
        self._processor = None
        self._fbank = None
        self._tap = {}
        gc.collect()
        if self._device.type == "cuda" and torch.cuda.is_available():
            torch.cuda.empty_cache()

    # -- extraction ------------------------------------------------------------------------

    def extract(self, samples: np.ndarray, n_tr: int, tr: float) -> np.ndarray:
        """Audio features of every TR.

        Parameters
        ----------
        samples : numpy.ndarray of shape (n_samples,)
            Mono audio at :attr:`sample_rate` (16 kHz), e.g. from ``decode_audio``.
        n_tr : int
            Number of TRs; audio shorter than ``n_tr * tr`` gives the later TRs windows
            that end where the audio ends.
        tr : float
            Repetition time in seconds.

        Returns
        -------
        numpy.ndarray of shape (n_tr, feature_size), float32
            Mean then population std of the pooled patches (1536 wide for the published AST).
        """
        samples = _check_samples(samples)
        if isinstance(n_tr, bool) or not isinstance(n_tr, (int, np.integer)) or n_tr < 0:
            raise InvalidParameterError(f"n_tr must be an int >= 0, got {n_tr!r}.")
        n_tr, tr = int(n_tr), check_tr(tr)
        if n_tr == 0:
            return np.zeros((0, self.feature_size), dtype=np.float32)
        self.load()
        rate = self.sample_rate
        window = self.window_seconds
        duration = samples.size / rate
        times = audio_window_times(n_tr, tr, duration, window)
        bounds = audio_windows(n_tr, tr, duration, window, rate)
        n_freq, n_time = self.patch_grid
        first, stop = tr_patch_bounds(times[:, 1] - times[:, 0], tr, n_time, window)
        # The filter bank needs one 25 ms frame; only audio shorter than that is padded.
        min_samples = round(_FRAME_SECONDS * rate)
        features = np.empty((n_tr, self.feature_size), dtype=np.float32)
        for lo in range(0, n_tr, self._batch_size):
            hi = min(lo + self._batch_size, n_tr)
            if self._fbank is not None:
                values = self._fbank.windows(samples, bounds[lo:hi])
            else:
                clips = []
                for start, end in bounds[lo:hi]:
                    clip = samples[start:end]
                    if clip.size < min_samples:
                        clip = np.pad(clip, (0, min_samples - clip.size))
                    clips.append(clip)
                values = self._processor(
                    clips, sampling_rate=rate, padding="max_length", return_tensors="pt"
                )["input_values"]
            tokens = self._forward(values)
            time_tokens = self._time_tokens(tokens, n_freq, n_time)
            features[lo:hi] = _pool_patches(time_tokens, first[lo:hi], stop[lo:hi])
        return features

    def _forward(self, values: torch.Tensor) -> torch.Tensor:
        """The tapped hidden state of a batch of inputs (B, max_length, mels): (B, 2 + F * T, H).

        Every input is a full 10.24 s (``padding="max_length"``), audio first.
        """
        values = values.to(device=self._device, dtype=self._dtype)
        self._tap.clear()
        with torch.inference_mode():
            self._model(input_values=values)
        tokens = self._tap.pop("tokens", None)
        if tokens is None:
            raise ModelLoadError(
                f"The audio model {self._model_id!r} ran without passing the hidden state "
                f"-{self._last_layer_index}; this transformers version is not supported."
            )
        return tokens

    def _time_tokens(self, tokens: torch.Tensor, n_freq: int, n_time: int) -> torch.Tensor:
        """Patch tokens (B, 2 + F * T, H) averaged over frequency: (B, T, H), float32."""
        patches = tokens[:, _N_SUMMARY_TOKENS:, :].float()
        if patches.shape[1] != n_freq * n_time:
            raise ModelLoadError(
                f"The audio model {self._model_id!r} returned {patches.shape[1]} patch tokens, "
                f"but its config implies {n_freq} frequency x {n_time} time patches "
                f"= {n_freq * n_time}. Check num_mel_bins, max_length and the strides."
            )
        # Tokens are frequency-major: the patch grid flattens as (frequency, time).
        return patches.reshape(patches.shape[0], n_freq, n_time, -1).mean(dim=1)
