"""Per-TR text features: one primed prompt through a causal LM, hidden states pooled per TR line.

The published pipeline (REFERENCE.md §4) builds one prompt for the whole clip, a header
``"[Metadata]: " + PRIMING + metadata + "\\n"`` followed by one line per TR, tokenises it
once with character offsets, runs one forward pass, averages the last N hidden states and
gives each TR the mean of the tokens that overlap its line.

Long clips: the published code truncates the prompt at ``max_position_embeddings``, so
late TRs get zero vectors. Here, when the tokenised prompt is longer than
``max_context_tokens`` (default: the model's ``max_position_embeddings``), the TR lines are
split into overlapping windows of whole lines. Each window is the same header tokens,
followed by the tokens of some preceding lines (left context, at most half of the room left
after the header) and then the tokens of the lines the window *owns*; every TR takes its
features from the one window that owns it, so it always sees the priming header and up to
half a window of preceding speech. Windows are cut from the single tokenisation of the
full prompt, so every token id is the one the one-pass computation would use. When the
prompt fits, the one-pass computation runs unchanged.

Edits: a causal model's states for a token depend only on the tokens before it, so after
a transcript edit the states of the unchanged token prefix are still valid. The extractor
keeps, in memory, the token ids, key/value cache and per-token features of the last
sequence it ran; the next sequence runs only from the first token id that differs (the
new prompt is tokenised in full and compared by id, so a changed BPE merge near the edit
is never reused). In windowed mode a window whose token ids are unchanged is not run at
all, and every window reuses the shared header. Results equal a full recompute to float
tolerance; ``reuse_prefix=False`` turns this off (it holds the key/value cache of the
last sequence: for a 14B model in float16, about 0.2 MB per token).

Resuming costs only the suffix when the model runs on
:mod:`~vibe_widgets.engine.features.prefix_attention` (installed at load for full-attention
causal LMs): the suffix attends to the cached prefix without a mask and to itself with the
causal kernel, merged exactly by log-sum-exp. Otherwise (another attention, an older
transformers) queries after a cached prefix need an explicit mask, and masked attention
computes the whole query x key rectangle (about twice the per-element cost of the causal
kernel); a cost model from the model's size then picks the cheaper of resuming and a fresh
pass (with a small model and a long prompt only edits in roughly the last quarter resume).
"""

from __future__ import annotations

import gc
import hashlib
import inspect
import os
import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from vibe_widgets.engine.features import prefix_attention
from vibe_widgets.engine.features.transcripts import check_transcripts
from vibe_widgets.errors import InvalidParameterError, ModelLoadError

__all__ = [
    "PRIMING",
    "TextFeatureExtractor",
    "assign_tokens_to_trs",
    "build_prompt",
    "plan_windows",
    "pool_by_tr",
]

PRIMING = (
    "[Instruction]: audience empathy expert, thoroughly examine the emotional state of the "
    "characters and the overall emotional atmosphere of the following scene. consider and "
    "encode the predominant emotions this particular moment is crafted to elicit  e.g., joy, "
    "sadness, tension, surprise, fear, anger, relief, boredom, wonder, etc.). Pay attention to "
    "emotional transitions and intensity. "
)
"""The published priming text, verbatim (two spaces before "e.g.", one trailing space)."""

_HEADER_PREFIX = "[Metadata]: "

# Share of a window's room (after the header) given to preceding context lines.
_CONTEXT_FRACTION = 0.5

# Cost of a masked attention element relative to one of the causal kernel (measured 1.4-2x
# with torch 2.13 SDPA on CPU: the mask is read and no block is skipped).
_MASKED_ATTENTION_COST = 2.0

_SUPPORTED_DTYPES = (torch.float16, torch.bfloat16, torch.float32)

# Any of these in a local folder is enough for AutoTokenizer / AutoModelForCausalLM.
_TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "vocab.json", "tokenizer.model")
_WEIGHT_FILES = (
    "model.safetensors",
    "model.safetensors.index.json",
    "pytorch_model.bin",
    "pytorch_model.bin.index.json",
)
_REPO_ID = re.compile(r"[A-Za-z0-9][\w.-]*(/[\w.-]+)?")


def build_prompt(
    transcripts: Sequence[str], metadata: str = ""
) -> tuple[str, list[tuple[int, int]]]:
    """The published text prompt and the character span of each TR's line.

    Parameters
    ----------
    transcripts : sequence of str
        One transcript per TR (empty strings allowed).
    metadata : str
        Appended to the priming text in the header line (empty by default).

    Returns
    -------
    prompt : str
        ``"[Metadata]: " + PRIMING + metadata + "\\n"``, then ``transcript + "\\n"`` per TR.
    spans : list of (int, int)
        ``(start, end)`` character offsets of TR i's line in ``prompt``, its newline included,
        so every span is at least one character long and the spans tile the TR lines.
    """
    header = _HEADER_PREFIX + PRIMING + metadata + "\n"
    parts = [header]
    spans: list[tuple[int, int]] = []
    pos = len(header)
    for text in transcripts:
        line = text + "\n"
        parts.append(line)
        spans.append((pos, pos + len(line)))
        pos += len(line)
    return "".join(parts), spans


def _as_spans(spans: Any) -> np.ndarray:
    arr = np.asarray(spans, dtype=np.int64).reshape(-1, 2)
    if np.any(arr[:, 1] < arr[:, 0]) or np.any(arr[1:, 0] < arr[:-1, 1]):
        raise InvalidParameterError(
            "spans must be (start, end) pairs with start <= end, sorted and non-overlapping "
            "(as build_prompt returns them)."
        )
    return arr


def assign_tokens_to_trs(offsets: Any, spans: Any) -> np.ndarray:
    """The TR each token belongs to, by the published rule; -1 for none.

    A token whose end offset is at or before the first TR line's start is skipped (the
    prompt header and leading special tokens); any other token goes to the first TR span it
    overlaps (``token_start < span_end and token_end > span_start``), else -1 (e.g.
    zero-width special tokens after the text).

    Parameters
    ----------
    offsets : array of shape (n_tokens, 2)
        Character ``(start, end)`` of each token in the prompt.
    spans : sequence of (int, int), shape (n_tr, 2)
        TR line spans, sorted and non-overlapping (as `build_prompt` returns them).

    Returns
    -------
    ndarray of shape (n_tokens,), int64
        TR index per token, or -1.
    """
    off = np.asarray(offsets, dtype=np.int64)
    if off.size == 0:
        return np.full(len(off), -1, dtype=np.int64)
    if off.ndim != 2 or off.shape[1] != 2:
        raise InvalidParameterError(f"offsets must have shape (n_tokens, 2), got {off.shape}.")
    sp = _as_spans(spans)
    out = np.full(len(off), -1, dtype=np.int64)
    if len(sp) == 0:
        return out
    starts, ends = sp[:, 0], sp[:, 1]
    tok_start, tok_end = off[:, 0], off[:, 1]
    # Spans are sorted and disjoint, so their ends are sorted too: the first span that ends
    # after the token starts is the only candidate; every earlier one ends too soon and
    # every later one starts no earlier than it.
    first = np.searchsorted(ends, tok_start, side="right")
    inside = first < len(sp)
    candidate = np.minimum(first, len(sp) - 1)
    hit = inside & (starts[candidate] < tok_end) & (tok_end > starts[0])
    out[hit] = candidate[hit]
    return out


def pool_by_tr(hidden: Any, assignment: Any, n_tr: int) -> np.ndarray:
    """Mean hidden state of each TR's tokens; zeros for a TR without tokens.

    Parameters
    ----------
    hidden : ndarray or torch.Tensor of shape (n_tokens, d)
        Per-token features.
    assignment : array of shape (n_tokens,)
        TR index per token, -1 for tokens that belong to no TR.
    n_tr : int
        Number of TRs.

    Returns
    -------
    ndarray of shape (n_tr, d), float32
        Sums are accumulated in float64, so the result is the float32-rounded exact mean.
        A tensor on a GPU is pooled there: only the (n_tr, d) means are copied to the host
        (copying every token's features and pooling them on the CPU took 45 % of a
        Qwen2.5-14B-sized extraction on an H200).
    """
    assignment = np.asarray(assignment, dtype=np.int64).reshape(-1)
    if np.any(assignment >= n_tr) or np.any(assignment < -1):
        raise InvalidParameterError(f"assignment holds TR indices outside [-1, {n_tr}).")
    if isinstance(hidden, torch.Tensor) and hidden.device.type != "cpu":
        return _pool_on_device(hidden.detach(), assignment, n_tr)
    if isinstance(hidden, torch.Tensor):
        hidden = hidden.detach().to(torch.float32).numpy()
    hidden = np.asarray(hidden, dtype=np.float32)
    _check_pool_shapes(hidden.shape, assignment)
    out = np.zeros((n_tr, hidden.shape[1]), dtype=np.float32)
    valid = assignment >= 0
    if not valid.any():
        return out
    tr = assignment[valid]
    rows = hidden[valid]
    if np.any(tr[1:] < tr[:-1]):
        order = np.argsort(tr, kind="stable")
        tr, rows = tr[order], rows[order]
    first = np.flatnonzero(np.r_[True, tr[1:] != tr[:-1]])
    counts = np.diff(np.r_[first, len(tr)])
    sums = np.add.reduceat(rows, first, axis=0, dtype=np.float64)
    out[tr[first]] = (sums / counts[:, None]).astype(np.float32)
    return out


def _check_pool_shapes(shape: tuple[int, ...], assignment: np.ndarray) -> None:
    if len(shape) != 2 or shape[0] != len(assignment):
        raise InvalidParameterError(
            f"hidden must have shape (n_tokens, d) with n_tokens={len(assignment)}, "
            f"got {tuple(shape)}."
        )


def _pool_on_device(hidden: torch.Tensor, assignment: np.ndarray, n_tr: int) -> np.ndarray:
    """`pool_by_tr` for a tensor on an accelerator: float64 sums there, float32 means back."""
    _check_pool_shapes(tuple(hidden.shape), assignment)
    index = torch.as_tensor(assignment, device=hidden.device)
    valid = index >= 0
    tr = index[valid]
    sums = torch.zeros((n_tr, hidden.shape[1]), dtype=torch.float64, device=hidden.device)
    sums.index_add_(0, tr, hidden[valid].to(torch.float64))
    counts = torch.bincount(tr, minlength=n_tr).clamp_min(1).unsqueeze(1)
    return (sums / counts).to(torch.float32).cpu().numpy()


def plan_windows(
    token_counts: Any, budget: int, context: int | None = None
) -> list[tuple[int, int, int]]:
    """Split TR lines into windows of whole lines that fit ``budget`` tokens.

    Parameters
    ----------
    token_counts : array of shape (n_tr,)
        Number of tokens of each TR line.
    budget : int
        Tokens a window may hold besides the header.
    context : int, optional
        Most tokens of preceding (context) lines a window starts with; default half the
        budget. Context lines are dropped from the front when the next owned line would not
        fit otherwise.

    Returns
    -------
    list of (context_start, own_start, own_end)
        Window w holds lines ``context_start:own_end`` and owns ``own_start:own_end``. The
        owned ranges tile ``0:n_tr`` in order. A window exceeds ``budget`` only when it owns
        a single line that is longer than the budget by itself (it is then truncated).
    """
    counts = np.asarray(token_counts, dtype=np.int64).reshape(-1)
    if budget < 1:
        raise InvalidParameterError(f"budget must be at least 1 token, got {budget}.")
    if context is None:
        context = int(budget * _CONTEXT_FRACTION)
    context = max(0, min(int(context), budget - 1))
    n_tr = len(counts)
    windows: list[tuple[int, int, int]] = []
    own_start = 0
    while own_start < n_tr:
        ctx, ctx_tokens = own_start, 0
        while ctx > 0 and ctx_tokens + counts[ctx - 1] <= context:
            ctx -= 1
            ctx_tokens += counts[ctx]
        while ctx < own_start and ctx_tokens + counts[own_start] > budget:
            ctx_tokens -= counts[ctx]
            ctx += 1
        own_end, total = own_start + 1, ctx_tokens + counts[own_start]
        while own_end < n_tr and total + counts[own_end] <= budget:
            total += counts[own_end]
            own_end += 1
        windows.append((ctx, own_start, own_end))
        own_start = own_end
    return windows


def _dtype_kwarg() -> str:
    # transformers renamed from_pretrained's torch_dtype to dtype in 4.56; the signature
    # only shows **kwargs, so the version decides. Older names still work in 4.53-4.55.
    import transformers
    from packaging.version import Version

    return "dtype" if Version(transformers.__version__).release >= (4, 56) else "torch_dtype"


def _offline() -> bool:
    from vibe_widgets.engine.hub import is_offline

    return is_offline()


def common_prefix_length(a: Any, b: Any) -> int:
    """Number of leading entries two 1-D integer arrays share.

    Parameters
    ----------
    a, b : array of shape (n,) and (m,)
        Token ids.

    Returns
    -------
    int
        The largest ``k <= min(n, m)`` with ``a[:k] == b[:k]``.
    """
    a = np.asarray(a).reshape(-1)
    b = np.asarray(b).reshape(-1)
    n = min(len(a), len(b))
    differ = np.flatnonzero(a[:n] != b[:n])
    return int(differ[0]) if differ.size else n


@dataclass
class _Reuse:
    """What one extractor keeps from its last extraction, valid for one model and setting."""

    model: Any
    num_last_hidden_states: int
    # The last sequence run: its token ids (n,), its key/value cache and its per-token
    # features (n, d), float32 on the model's device. None until a sequence has run.
    ids: np.ndarray | None = None
    cache: Any = None
    hidden: torch.Tensor | None = None
    # Cost model: multiply-adds per token outside attention, and per query-key pair;
    # whether the model runs on prefix_attention (no masked rectangle after a prefix).
    dense_per_token: float = 0.0
    attention_per_pair: float = 0.0
    split_attention: bool = False
    # Windowed mode: pooled rows of each window of the last prompt, by window digest.
    windows: dict[bytes, np.ndarray] = field(default_factory=dict)


def _window_key(window_ids: np.ndarray, owned: np.ndarray) -> bytes:
    h = hashlib.blake2b(digest_size=16)
    h.update(len(window_ids).to_bytes(8, "little"))
    h.update(np.ascontiguousarray(window_ids, dtype=np.int64).tobytes())
    h.update(np.ascontiguousarray(owned, dtype=np.int64).tobytes())
    return h.digest()


def resume_pays(
    n_tokens: int,
    n_reused: int,
    dense_per_token: float,
    per_pair: float,
    *,
    split_attention: bool = False,
) -> bool:
    """Whether running only the last ``n_tokens - n_reused`` tokens on a cache is cheaper.

    Parameters
    ----------
    n_tokens : int
        Length of the new sequence.
    n_reused : int
        Tokens of it whose states are cached.
    dense_per_token : float
        Cost of one token outside attention (its projections and MLPs).
    per_pair : float
        Cost of one query-key pair of the causal kernel (all layers and heads).
    split_attention : bool
        The model runs on ``prefix_attention``: the suffix pays its ``(n - r) x r``
        rectangle of prefix keys unmasked and its own causal triangle, never more than a
        fresh pass.

    Returns
    -------
    bool
        True when ``(n - r) * dense + (n - r) * n * pair * masked_cost`` (the suffix,
        attending to every key through a mask; with ``split_attention``,
        ``((n - r) * r + (n - r)**2 / 2) * pair``) is below ``n * dense + n**2 / 2 * pair``
        (a fresh causal pass).
    """
    n, run = float(n_tokens), float(n_tokens - n_reused)
    if split_attention:
        attention = (run * (n - run) + run * run / 2) * per_pair
    else:
        attention = run * n * per_pair * _MASKED_ATTENTION_COST
    resume = run * dense_per_token + attention
    fresh = n * dense_per_token + n * n / 2 * per_pair
    return resume < fresh


def _cost_model(model: Any) -> tuple[float, float]:
    """(multiply-adds per token outside attention, per query-key pair) of a causal LM."""
    skip = set()
    for get in ("get_input_embeddings", "get_output_embeddings"):
        module = getattr(model, get, lambda: None)()
        if module is not None:
            skip.update(id(p) for p in module.parameters())
    # The logits head runs on one token only (logits_to_keep=1): not per token.
    dense = sum(p.numel() for p in model.parameters() if id(p) not in skip)
    config = (
        model.config.get_text_config() if hasattr(model.config, "get_text_config") else model.config
    )
    heads = int(getattr(config, "num_attention_heads", 1) or 1)
    head_dim = getattr(config, "head_dim", None) or config.hidden_size // heads
    layers = int(getattr(config, "num_hidden_layers", 1) or 1)
    # Per pair and layer: one dot product for the score, one weighted sum of values.
    return float(dense), float(2 * heads * head_dim * layers)


def _split_attention(model: Any) -> bool:
    config = model.config.get_text_config() if hasattr(model.config, "get_text_config") else None
    config = config or model.config
    return getattr(config, "_attn_implementation", None) == prefix_attention.NAME


def _croppable(cache: Any) -> bool:
    # Sliding-window or recurrent layers cannot go back to an earlier length.
    return callable(getattr(cache, "crop", None)) and bool(getattr(cache, "is_croppable", True))


class TextFeatureExtractor:
    """Per-TR text features from a causal language model, as the published VIBE computes them.

    The model and tokenizer load lazily on first use. Prompts longer than
    ``max_context_tokens`` are processed in overlapping windows of whole TR lines, each
    starting with the same header and up to half a window of preceding lines, instead of
    being truncated (see the module docstring); shorter prompts take one forward pass.

    Parameters
    ----------
    model_id : str or pathlib.Path
        A Hugging Face repo id (e.g. ``"Qwen/Qwen2.5-14B"``) or a local folder.
    num_last_hidden_states : int
        How many of the last hidden states are averaged (4 in the published variants).
    dtype : torch.dtype
        float16, bfloat16 or float32. On a CPU, float16 runs as float32: CPU half-precision
        matmuls are slow and some kernels lack it; bfloat16 and float32 run as given.
    device : str or torch.device
        Where the model runs; ``"auto"`` picks CUDA when available.
    trust_remote_code : bool
        Passed to ``from_pretrained``; off by default (the published code turned it on).
    max_context_tokens : int, optional
        Longest token sequence of one forward pass; default the model's
        ``max_position_embeddings``.
    local_files_only : bool, optional
        Never reach the network; default: on when ``HF_HUB_OFFLINE`` is set.
    reuse_prefix : bool
        Keep the last sequence's key/value cache and per-token features in memory so that
        the next extraction runs only from the first changed token (see the module
        docstring). Results equal a full recompute to float tolerance.
    """

    def __init__(
        self,
        model_id: str | os.PathLike[str],
        *,
        num_last_hidden_states: int = 4,
        dtype: torch.dtype = torch.float16,
        device: str | torch.device = "cpu",
        trust_remote_code: bool = False,
        max_context_tokens: int | None = None,
        local_files_only: bool | None = None,
        reuse_prefix: bool = True,
    ) -> None:
        if isinstance(model_id, os.PathLike):
            model_id = os.fspath(model_id)
        if not isinstance(model_id, str) or not model_id:
            raise InvalidParameterError(
                f"model_id must be a repo id or a folder, got {type(model_id).__name__} "
                f"{model_id!r}."
            )
        if (
            isinstance(num_last_hidden_states, bool)
            or not isinstance(num_last_hidden_states, int)
            or num_last_hidden_states < 1
        ):
            raise InvalidParameterError(
                "num_last_hidden_states must be a positive integer, got "
                f"{num_last_hidden_states!r}."
            )
        if dtype not in _SUPPORTED_DTYPES:
            raise InvalidParameterError(
                f"dtype must be torch.float16, torch.bfloat16 or torch.float32, got {dtype!r}."
            )
        if max_context_tokens is not None and (
            isinstance(max_context_tokens, bool)
            or not isinstance(max_context_tokens, int)
            or max_context_tokens < 2
        ):
            raise InvalidParameterError(
                f"max_context_tokens must be an integer >= 2 or None, got {max_context_tokens!r}."
            )
        if device == "auto":
            device = "cuda" if torch.cuda.is_available() else "cpu"
        try:
            self.device = torch.device(device)
        except (RuntimeError, TypeError) as exc:
            raise InvalidParameterError(f"Invalid device {device!r}: {exc}") from exc
        self.model_id = model_id
        self.num_last_hidden_states = num_last_hidden_states
        self.dtype = dtype
        self.trust_remote_code = bool(trust_remote_code)
        self.local_files_only = local_files_only
        self._max_context_tokens = max_context_tokens
        self._tokenizer: Any = None
        self._model: Any = None
        self._config: Any = None
        self.reuse_prefix = bool(reuse_prefix)
        self._reuse: _Reuse | None = None

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}({self.model_id!r}, num_last_hidden_states="
            f"{self.num_last_hidden_states}, dtype={self.dtype}, device={str(self.device)!r})"
        )

    # -- properties ------------------------------------------------------------------------

    @property
    def compute_dtype(self) -> torch.dtype:
        """The dtype the model actually runs in (float32 instead of float16 on a CPU)."""
        if self.device.type == "cpu" and self.dtype == torch.float16:
            return torch.float32
        return self.dtype

    @property
    def loaded(self) -> bool:
        """Whether the model weights are in memory."""
        return self._model is not None

    @property
    def feature_size(self) -> int:
        """Width of the features: the model's hidden size (read from its config only)."""
        return int(self._text_config().hidden_size)

    @property
    def max_context_tokens(self) -> int | None:
        """Longest sequence of one forward pass (None: unlimited)."""
        if self._max_context_tokens is not None:
            return self._max_context_tokens
        limit = getattr(self._text_config(), "max_position_embeddings", None)
        return int(limit) if limit else None

    # -- loading ---------------------------------------------------------------------------

    def _files_only(self) -> bool:
        return _offline() if self.local_files_only is None else bool(self.local_files_only)

    def _local_folder(self) -> Path | None:
        """The model folder when ``model_id`` names one; raise when it names a missing one."""
        path = Path(self.model_id).expanduser()
        if path.is_dir():
            missing = []
            if not (path / "config.json").is_file():
                missing.append("config.json")
            if not any((path / name).is_file() for name in _TOKENIZER_FILES):
                missing.append("tokenizer files (tokenizer.json)")
            if not any((path / name).is_file() for name in _WEIGHT_FILES):
                missing.append("weights (model.safetensors)")
            if missing:
                raise ModelLoadError(
                    f"The text extractor folder {str(path)!r} lacks {', '.join(missing)}."
                )
            return path
        if path.exists() or not _REPO_ID.fullmatch(self.model_id):
            raise ModelLoadError(
                f"The text extractor {self.model_id!r} is neither a model folder (no such "
                "directory) nor a Hugging Face repo id such as 'Qwen/Qwen2.5-14B'."
            )
        return None

    def _load_error(self, what: str, exc: BaseException) -> ModelLoadError:
        hint = ""
        if not Path(self.model_id).expanduser().is_dir():
            hint = " No local folder of that name exists either."
        if self._files_only():
            hint += (
                " Offline mode is on (HF_HUB_OFFLINE or local_files_only), so only the local "
                "Hugging Face cache is searched; download the model once while online, or "
                "pass a local folder."
            )
        return ModelLoadError(
            f"Cannot load the {what} of text extractor {self.model_id!r}: "
            f"{str(exc).rstrip('.')}.{hint}"
        )

    def _text_config(self) -> Any:
        if self._config is None:
            from transformers import AutoConfig

            self._local_folder()
            try:
                config = AutoConfig.from_pretrained(
                    self.model_id,
                    trust_remote_code=self.trust_remote_code,
                    local_files_only=self._files_only(),
                )
            except (OSError, ValueError, KeyError) as exc:
                raise self._load_error("config", exc) from exc
            get_text = getattr(config, "get_text_config", None)
            self._config = get_text() if callable(get_text) else config
        return self._config

    def _load_tokenizer(self) -> Any:
        if self._tokenizer is None:
            from transformers import AutoTokenizer

            self._local_folder()
            try:
                tokenizer = AutoTokenizer.from_pretrained(
                    self.model_id,
                    trust_remote_code=self.trust_remote_code,
                    local_files_only=self._files_only(),
                )
            except (OSError, ValueError, KeyError) as exc:
                raise self._load_error("tokenizer", exc) from exc
            if not getattr(tokenizer, "is_fast", False):
                raise ModelLoadError(
                    f"The tokenizer of text extractor {self.model_id!r} is a slow (Python) "
                    f"tokenizer ({type(tokenizer).__name__}); text features need a fast one for "
                    "character offsets. Provide a tokenizer.json in the model folder."
                )
            self._tokenizer = tokenizer
        return self._tokenizer

    def _load_model(self) -> Any:
        if self._model is None:
            from transformers import AutoModelForCausalLM

            self._local_folder()
            kwargs = {
                _dtype_kwarg(): self.compute_dtype,
                "trust_remote_code": self.trust_remote_code,
                "local_files_only": self._files_only(),
            }
            try:
                model = AutoModelForCausalLM.from_pretrained(self.model_id, **kwargs)
            except (OSError, ValueError, KeyError) as exc:
                raise self._load_error("model", exc) from exc
            model.to(self.device).eval()
            model.requires_grad_(False)
            # An edit then re-runs only its suffix, without a masked query x key rectangle.
            prefix_attention.install(model)
            self._model = model
        return self._model

    def load(self) -> None:
        """Load the tokenizer and the model now instead of on first use."""
        self._load_tokenizer()
        self._load_model()

    def unload(self) -> None:
        """Free the model weights (reloaded on the next `extract`) and the states kept for
        prefix reuse; the tokenizer stays."""
        self._reuse = None
        if self._model is None:
            return
        self._model = None
        gc.collect()
        if self.device.type == "cuda":
            torch.cuda.empty_cache()

    # -- extraction ------------------------------------------------------------------------

    def extract(self, transcripts: Sequence[str], metadata: str = "") -> np.ndarray:
        """Text features of a clip, one row per TR.

        Parameters
        ----------
        transcripts : list of str
            One transcript per TR; ``""`` for a TR without words. Any Unicode text.
        metadata : str
            Extra text in the prompt's header line (empty in the published variants).

        Returns
        -------
        ndarray of shape (n_tr, feature_size), float32
            The mean, over the tokens of TR i's line, of the average of the model's last
            ``num_last_hidden_states`` hidden states; zeros for a TR with no tokens.
        """
        transcripts = check_transcripts(transcripts, "transcripts")
        if not isinstance(metadata, str):
            raise InvalidParameterError(f"metadata must be a str, got {type(metadata).__name__}.")
        n_tr = len(transcripts)
        if n_tr == 0:
            return np.zeros((0, self.feature_size), dtype=np.float32)
        tokenizer = self._load_tokenizer()
        prompt, spans = build_prompt(transcripts, metadata)
        # verbose=False: a prompt beyond model_max_length is expected here (windows follow).
        encoding = tokenizer(
            prompt, add_special_tokens=True, return_offsets_mapping=True, verbose=False
        )
        ids = np.asarray(encoding["input_ids"], dtype=np.int64).reshape(-1)
        offsets = np.asarray(encoding["offset_mapping"], dtype=np.int64).reshape(-1, 2)
        if ids.size == 0:
            # The header alone has text, so no tokens means a tokenizer without a vocabulary
            # (e.g. transformers 5 building a Qwen2 tokenizer from files of another kind).
            raise ModelLoadError(
                f"The tokenizer of text extractor {self.model_id!r} produced no tokens for the "
                "prompt: its vocabulary is missing. Provide the model's tokenizer.json."
            )
        assignment = assign_tokens_to_trs(offsets, spans)
        limit = self.max_context_tokens
        if limit is None or len(ids) <= limit:
            return pool_by_tr(self._forward(ids), assignment, n_tr)
        return self._extract_windowed(ids, assignment, n_tr, limit)

    def _extract_windowed(
        self, ids: np.ndarray, assignment: np.ndarray, n_tr: int, limit: int
    ) -> np.ndarray:
        """Features of a prompt longer than ``limit`` tokens, window by window."""
        out = np.zeros((n_tr, self.feature_size), dtype=np.float32)
        in_line = np.flatnonzero(assignment >= 0)
        if in_line.size == 0:
            return out
        # Header = every token before the first one of a TR line: BOS, "[Metadata]: ...".
        header = ids[: in_line[0]]
        budget = limit - len(header)
        if budget < 1:
            raise InvalidParameterError(
                f"The prompt header (priming text and metadata) takes {len(header)} tokens, "
                f"which leaves no room in max_context_tokens={limit}; shorten the metadata."
            )
        # Tokens outside every line after the header (zero-width specials, a trailing EOS)
        # would not change any TR's features in a causal model, so windows leave them out.
        order = in_line[np.argsort(assignment[in_line], kind="stable")]
        line_ids, line_tr = ids[order], assignment[order]
        counts = np.bincount(line_tr, minlength=n_tr)
        bounds = np.r_[0, np.cumsum(counts)]
        truncated = False
        reuse = self._reuse_state()
        previous = reuse.windows if reuse is not None else {}
        kept: dict[bytes, np.ndarray] = {}
        for ctx, own_start, own_end in plan_windows(counts, budget):
            if bounds[own_end] == bounds[own_start]:
                continue  # the owned lines have no tokens: their rows stay zero
            lo, hi = bounds[ctx], bounds[own_end]
            window_ids = np.r_[header, line_ids[lo:hi]][:limit]
            window_tr = np.r_[np.full(len(header), -1), line_tr[lo:hi]][:limit]
            truncated |= hi - lo + len(header) > limit
            owned = np.where(window_tr >= own_start, window_tr - own_start, -1)
            # The same ids and owned layout give the same rows: an unchanged window of the
            # last prompt is not run again.
            key = _window_key(window_ids, owned)
            rows = previous.get(key)
            if rows is None:
                rows = pool_by_tr(self._forward(window_ids), owned, own_end - own_start)
            kept[key] = rows
            out[own_start:own_end] = rows
        if self._reuse is not None:
            self._reuse.windows = kept  # bounded: the windows of this prompt only
        if truncated:
            warnings.warn(
                f"A single TR line is longer than max_context_tokens={limit} minus the header; "
                "its features use only its first tokens.",
                stacklevel=3,
            )
        return out

    def _reuse_state(self) -> _Reuse | None:
        """The states kept from the last extraction, reset when the model or setting changed."""
        if not self.reuse_prefix:
            self._reuse = None
            return None
        model = self._load_model()
        n = self.num_last_hidden_states
        reuse = self._reuse
        if reuse is None or reuse.model is not model or reuse.num_last_hidden_states != n:
            dense, pair = _cost_model(model)
            reuse = self._reuse = _Reuse(
                model=model,
                num_last_hidden_states=n,
                dense_per_token=dense,
                attention_per_pair=pair,
                split_attention=_split_attention(model),
            )
        return reuse

    def _forward(self, ids: np.ndarray) -> torch.Tensor:
        """Mean of the last N hidden states of one token sequence: shape (n_tokens, d), float32.

        The one place a forward pass happens. With prefix reuse on, it runs only the tokens
        after the longest prefix shared with the last sequence run, on that sequence's
        key/value cache cropped to the prefix (when `resume_pays`), and keeps the result
        for the next call.
        """
        model = self._load_model()
        n = self.num_last_hidden_states
        ids = np.asarray(ids, dtype=np.int64).reshape(-1)
        reuse = self._reuse_state()
        start, cache, prefix = 0, None, None
        if reuse is not None and reuse.ids is not None:
            start = common_prefix_length(reuse.ids, ids)
            if start == len(ids):
                # The same sequence, or a prefix of the last one: nothing to run.
                return reuse.hidden[:start]
            if start > 0 and not resume_pays(
                len(ids),
                start,
                reuse.dense_per_token,
                reuse.attention_per_pair,
                split_attention=reuse.split_attention,
            ):
                start = 0  # a fresh causal pass is cheaper than resuming this far back
            if start > 0:
                cache, prefix = reuse.cache, reuse.hidden[:start]
                # A negative crop removes tokens in every transformers version (a positive
                # one means a length in 4.x and is refused in 5.x).
                cache.crop(start - cache.get_seq_length())
            # The cache is cropped in place: drop it until this pass has succeeded.
            reuse.ids = reuse.cache = reuse.hidden = None
        input_ids = torch.as_tensor(ids[start:], device=self.device).unsqueeze(0)
        params = _forward_parameters(model)
        # transformers 5.x renamed past_key_values to cache.
        cache_name = "cache" if "cache" in params else "past_key_values"
        kwargs: dict[str, Any] = {"output_hidden_states": True, "use_cache": reuse is not None}
        if cache is not None:
            kwargs[cache_name] = cache
        # Only the hidden states are needed: skip the (n_tokens, vocab) logits when possible.
        if "logits_to_keep" in params:
            kwargs["logits_to_keep"] = 1
        mask = torch.ones((1, len(ids)), dtype=torch.long, device=self.device)
        with torch.inference_mode():
            output = model(input_ids=input_ids, attention_mask=mask, **kwargs)
            states = output.hidden_states
            if n > len(states):
                raise InvalidParameterError(
                    f"num_last_hidden_states={n} exceeds the {len(states)} hidden states of "
                    f"text extractor {self.model_id!r}."
                )
            # Accumulate in float32: half-precision sums lose digits (and can overflow).
            mean = states[-n][0].float()
            for state in states[len(states) - n + 1 :]:
                mean = mean + state[0].float()
            mean = mean / n
            if prefix is not None:
                mean = torch.cat([prefix, mean])
        if reuse is not None:
            cache = getattr(output, cache_name, None)
            if cache is not None and _croppable(cache):
                reuse.ids, reuse.cache, reuse.hidden = ids, cache, mean
        # On the model's device: pool_by_tr pools there and copies only the per-TR means.
        return mean


def _forward_parameters(model: Any) -> frozenset[str]:
    try:
        return frozenset(inspect.signature(model.forward).parameters)
    except (TypeError, ValueError):
        return frozenset()
