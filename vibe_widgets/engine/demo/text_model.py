"""A tiny, randomly initialised Qwen2 causal LM and byte-level BPE tokenizer, saved to a folder."""

from __future__ import annotations

import json
from pathlib import Path

import torch

from vibe_widgets.errors import InvalidParameterError

__all__ = ["SPECIAL_TOKENS", "build_tiny_text_extractor"]

SPECIAL_TOKENS: tuple[str, ...] = ("<|endoftext|>", "<|im_start|>", "<|im_end|>")
"""Qwen's special tokens; the first one is also the end-of-text and padding token."""

# Qwen2's own pre-tokenisation regex, so that word, number and newline boundaries (and so
# token offsets) behave like the real tokenizer's.
_PRETOKENIZE_REGEX = (
    r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}"
    r"| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"
)

# A handful of merges: enough to make tokens that span several characters, including one
# ("\n\n") that can cover the newlines of two transcript lines at once.
_MERGES: tuple[tuple[str, str], ...] = (
    ("Ġ", "t"),
    ("h", "e"),
    ("Ġt", "he"),
    ("Ċ", "Ċ"),
    ("e", "r"),
    ("i", "n"),
    ("o", "n"),
    ("a", "n"),
)


def _bytes_to_unicode() -> dict[int, str]:
    """GPT-2's printable stand-in character for every byte (the ByteLevel alphabet)."""
    printable = [
        *range(ord("!"), ord("~") + 1),
        *range(ord("¡"), ord("¬") + 1),
        *range(ord("®"), ord("ÿ") + 1),
    ]
    mapping = {b: chr(b) for b in printable}
    extra = 0
    for b in range(256):
        if b not in mapping:
            mapping[b] = chr(256 + extra)
            extra += 1
    return mapping


def _build_tokenizer(model_max_length: int):
    from tokenizers import (
        AddedToken,
        Regex,
        Tokenizer,
        decoders,
        normalizers,
        pre_tokenizers,
        processors,
    )
    from tokenizers.models import BPE
    from transformers import PreTrainedTokenizerFast

    symbols = _bytes_to_unicode()
    vocab = {symbols[b]: b for b in range(256)}
    for left, right in _MERGES:
        vocab[left + right] = len(vocab)
    for token in SPECIAL_TOKENS:
        vocab[token] = len(vocab)

    backend = Tokenizer(BPE(vocab=vocab, merges=list(_MERGES), fuse_unk=False))
    backend.normalizer = normalizers.NFC()
    backend.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Split(Regex(_PRETOKENIZE_REGEX), behavior="isolated", invert=False),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
        ]
    )
    backend.decoder = decoders.ByteLevel()
    # trim_offsets=False, as in Qwen's tokenizer.json: a token's offsets include its
    # leading space, so the tokens of a line tile its characters without gaps.
    backend.post_processor = processors.ByteLevel(
        add_prefix_space=False, trim_offsets=False, use_regex=False
    )
    backend.add_special_tokens(
        [AddedToken(t, special=True, normalized=False) for t in SPECIAL_TOKENS]
    )
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=backend,
        eos_token=SPECIAL_TOKENS[0],
        pad_token=SPECIAL_TOKENS[0],
        model_max_length=model_max_length,
    )
    return tokenizer, len(vocab)


def build_tiny_text_extractor(
    folder: str | Path,
    *,
    seed: int = 0,
    hidden_size: int = 64,
    num_layers: int = 4,
    max_position_embeddings: int = 4096,
) -> Path:
    """Write a tiny random ``Qwen2ForCausalLM`` and its fast tokenizer to ``folder``.

    The folder loads offline with ``AutoTokenizer.from_pretrained(folder)`` (a fast,
    byte-level BPE tokenizer with character offsets: the 256 byte symbols, a few merges and
    Qwen's special tokens) and ``AutoModelForCausalLM.from_pretrained(folder)``.

    Parameters
    ----------
    folder : str or pathlib.Path
        Destination; created if missing. Existing files of the same names are overwritten.
    seed : int
        Seed of the weight initialisation: the same seed gives identical weights. The
        caller's global torch random state is left untouched.
    hidden_size : int
        Width of the hidden states, i.e. the text feature size. A multiple of 8 (4 heads
        with an even head size, as rotary embeddings need).
    num_layers : int
        Number of decoder layers (the model returns ``num_layers + 1`` hidden states).
    max_position_embeddings : int
        The model's nominal context length (the extractor's default window size).

    Returns
    -------
    pathlib.Path
        ``folder``.
    """
    from transformers import Qwen2Config, Qwen2ForCausalLM

    for name, value, multiple in (
        ("hidden_size", hidden_size, 8),
        ("num_layers", num_layers, 1),
        ("max_position_embeddings", max_position_embeddings, 1),
    ):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1 or value % multiple:
            raise InvalidParameterError(
                f"{name}={value!r} is invalid: expected a positive integer multiple of {multiple}."
            )
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    tokenizer, vocab_size = _build_tokenizer(max_position_embeddings)
    eos_id = tokenizer.convert_tokens_to_ids(SPECIAL_TOKENS[0])
    config = Qwen2Config(
        vocab_size=vocab_size,
        hidden_size=hidden_size,
        intermediate_size=2 * hidden_size,
        num_hidden_layers=num_layers,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=max_position_embeddings,
        tie_word_embeddings=False,
        bos_token_id=eos_id,
        eos_token_id=eos_id,
        pad_token_id=eos_id,
    )
    # A private RNG stream: seeding the global one would reset the caller's randomness.
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = Qwen2ForCausalLM(config)
    model.save_pretrained(folder, safe_serialization=True)
    tokenizer.save_pretrained(folder)
    # Name the real class, so that transformers 4.x resolves it to Qwen2TokenizerFast and 5.x
    # to its tokenizers-backed Qwen2Tokenizer; both read the tokenizer.json written above.
    config_path = folder / "tokenizer_config.json"
    tokenizer_config = json.loads(config_path.read_text(encoding="utf-8"))
    tokenizer_config["tokenizer_class"] = "Qwen2Tokenizer"
    config_path.write_text(json.dumps(tokenizer_config, indent=2) + "\n", encoding="utf-8")
    return folder
