"""engine.features.text: the published prompt, token-to-TR rule, pooling, windows, and loading."""

from __future__ import annotations

import hashlib
import shutil
import socket
import sys
import time
import unicodedata
from pathlib import Path

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer, ByT5Tokenizer

from vibe_widgets.engine.demo.text_model import build_tiny_text_extractor
from vibe_widgets.engine.features import text as text_module
from vibe_widgets.engine.features.text import (
    PRIMING,
    TextFeatureExtractor,
    assign_tokens_to_trs,
    build_prompt,
    plan_windows,
    pool_by_tr,
)
from vibe_widgets.errors import InvalidParameterError, ModelLoadError, StimulusError

# Copied by hand from REFERENCE.md §4, so that an edit of PRIMING cannot go unnoticed.
PUBLISHED_PRIMING = (
    "[Instruction]: audience empathy expert, thoroughly examine the emotional state of the "
    "characters and the overall emotional atmosphere of the following scene. consider and "
    "encode the predominant emotions this particular moment is crafted to elicit  e.g., joy, "
    "sadness, tension, surprise, fear, anger, relief, boredom, wonder, etc.). Pay attention to "
    "emotional transitions and intensity. "
)
HIDDEN = 64
LAYERS = 4
LONG_CONTEXT = 640  # a tiny model whose context is shorter than the 60-TR clip below

NON_ASCII = [
    "café 😀",
    "naïve — Zoë",
    "日本語のテキスト",
    "emoji 👩‍👩‍👧 family",
    "cafe\u0301 composed",
]


# -- reference implementations, written plainly from REFERENCE.md §4 ------------------------


def reference_prompt(transcripts, metadata=""):
    prompt = "[Metadata]: " + PUBLISHED_PRIMING + metadata + "\n"
    spans = []
    for t in transcripts:
        start = len(prompt)
        prompt += t + "\n"
        spans.append((start, len(prompt)))
    return prompt, spans


def reference_assign(offsets, spans):
    out = []
    for tok_start, tok_end in offsets:
        tr = -1
        if spans and tok_end > spans[0][0]:
            for i, (span_start, span_end) in enumerate(spans):
                if tok_start < span_end and tok_end > span_start:
                    tr = i
                    break
        out.append(tr)
    return out


def reference_pool(hidden, assignment, n_tr):
    hidden = np.asarray(hidden, dtype=np.float64)
    out = np.zeros((n_tr, hidden.shape[1]), dtype=np.float32)
    for i in range(n_tr):
        rows = [hidden[t] for t in range(len(assignment)) if assignment[t] == i]
        if rows:
            out[i] = np.mean(rows, axis=0)
    return out


def manual_features(folder, transcripts, metadata="", n_last=LAYERS):
    """Tokenise, one forward pass, mean of the last hidden states, pool: no windows."""
    tokenizer = AutoTokenizer.from_pretrained(folder)
    model = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32).eval()
    prompt, spans = reference_prompt(transcripts, metadata)
    enc = tokenizer(prompt, add_special_tokens=True, return_offsets_mapping=True)
    with torch.no_grad():
        out = model(torch.tensor([enc["input_ids"]]), output_hidden_states=True)
    hidden = torch.stack(out.hidden_states[-n_last:]).mean(0)[0].numpy()
    return reference_pool(hidden, reference_assign(enc["offset_mapping"], spans), len(transcripts))


# -- fixtures -------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # Tiny local models only: no test may reach the Hub or the developer's HF cache.
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hf-hub"))

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"network access attempted: {args!r}")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("tiny-text")
    return build_tiny_text_extractor(folder, seed=0, hidden_size=HIDDEN, num_layers=LAYERS)


@pytest.fixture(scope="module")
def tiny_short(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("tiny-text-short")
    return build_tiny_text_extractor(
        folder, seed=0, hidden_size=HIDDEN, max_position_embeddings=LONG_CONTEXT
    )


@pytest.fixture(scope="module")
def tokenizer(tiny: Path):
    return AutoTokenizer.from_pretrained(tiny)


def _count_forwards(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    lengths: list[int] = []
    original = TextFeatureExtractor._forward

    def spy(self, ids):
        lengths.append(len(ids))
        return original(self, ids)

    monkeypatch.setattr(TextFeatureExtractor, "_forward", spy)
    return lengths


# -- the prompt -----------------------------------------------------------------------------


def test_priming_is_the_published_text():
    assert PRIMING == PUBLISHED_PRIMING
    assert "elicit  e.g., joy" in PRIMING
    assert PRIMING.endswith("intensity. ")
    assert not PRIMING.endswith("  ")


def test_build_prompt_layout_and_spans():
    transcripts = ["Hello there.", "", "café 😀"]
    prompt, spans = build_prompt(transcripts, metadata="Friends s07e01")
    assert prompt == (
        "[Metadata]: " + PUBLISHED_PRIMING + "Friends s07e01\n" + "Hello there.\n\ncafé 😀\n"
    )
    assert (prompt, spans) == reference_prompt(transcripts, "Friends s07e01")
    assert [prompt[a:b] for a, b in spans] == [t + "\n" for t in transcripts]
    assert spans[1][1] - spans[1][0] == 1  # an empty line still spans its newline
    assert spans[-1][1] == len(prompt)


def test_build_prompt_without_transcripts_is_the_header_only():
    prompt, spans = build_prompt([])
    assert prompt == "[Metadata]: " + PUBLISHED_PRIMING + "\n"
    assert spans == []


# -- token to TR and pooling: against the plain reference -----------------------------------


@st.composite
def offsets_and_spans(draw):
    header = draw(st.integers(0, 8))
    widths = draw(st.lists(st.integers(0, 5), max_size=8))
    gaps = draw(st.lists(st.integers(0, 2), min_size=len(widths), max_size=len(widths)))
    spans, pos = [], header
    for width, gap in zip(widths, gaps, strict=True):
        pos += gap
        spans.append((pos, pos + width))
        pos += width
    limit = pos + 3
    starts = draw(st.lists(st.integers(0, limit), max_size=30))
    lengths = draw(st.lists(st.integers(0, 6), min_size=len(starts), max_size=len(starts)))
    offsets = [(s, s + n) for s, n in zip(starts, lengths, strict=True)]
    return offsets, spans


@settings(max_examples=300, deadline=None)
@given(offsets_and_spans())
def test_assign_matches_reference_on_random_inputs(case):
    offsets, spans = case
    got = assign_tokens_to_trs(np.asarray(offsets, dtype=np.int64).reshape(-1, 2), spans)
    assert got.dtype == np.int64
    assert got.tolist() == reference_assign(offsets, spans)


def test_assign_rule_edge_cases():
    spans = [(10, 15), (15, 16), (16, 20)]
    offsets = [
        (0, 0),  # leading special token: skipped
        (8, 10),  # ends exactly at the first line's start: skipped
        (9, 11),  # straddles header and line 0: line 0
        (14, 17),  # covers the end of 0, all of 1 and part of 2: the first, line 0
        (15, 16),  # exactly line 1
        (19, 25),  # starts in line 2, runs past the end
        (20, 21),  # after every line
        (17, 17),  # zero width strictly inside line 2: overlaps it by the rule
        (16, 16),  # zero width on the boundary of lines 1 and 2: overlaps neither
    ]
    expected = [-1, -1, 0, 0, 1, 2, -1, 2, -1]
    assert assign_tokens_to_trs(np.array(offsets), spans).tolist() == expected
    assert reference_assign(offsets, spans) == expected


def test_assign_rejects_unsorted_spans():
    with pytest.raises(InvalidParameterError, match="sorted"):
        assign_tokens_to_trs(np.array([[0, 1]]), [(5, 8), (2, 4)])
    with pytest.raises(InvalidParameterError, match="shape"):
        assign_tokens_to_trs(np.array([[0, 1, 2]]), [(0, 3)])


def test_assign_is_vectorised_for_long_transcripts():
    # ~800 TRs and 40k tokens, as in a 20-minute clip: a Python double loop takes many seconds.
    spans = [(100 + 10 * i, 110 + 10 * i) for i in range(800)]
    starts = np.sort(np.random.default_rng(0).integers(0, 8200, 40_000))
    offsets = np.stack([starts, starts + 3], axis=1)
    began = time.perf_counter()
    got = assign_tokens_to_trs(offsets, spans)
    assert time.perf_counter() - began < 1.0
    # A token that starts in line i and spills into i + 1 goes to i; one that starts in the
    # header and spills into line 0 goes to 0; one after the last line to none.
    expected = np.where(starts < 100, np.where(starts + 3 > 100, 0, -1), (starts - 100) // 10)
    expected[starts >= 8100] = -1
    np.testing.assert_array_equal(got, expected)


@settings(max_examples=150, deadline=None)
@given(
    n_tokens=st.integers(0, 40),
    n_tr=st.integers(0, 6),
    d=st.integers(1, 5),
    seed=st.integers(0, 2**32 - 1),
)
def test_pool_matches_reference_on_random_inputs(n_tokens, n_tr, d, seed):
    rng = np.random.default_rng(seed)
    hidden = rng.standard_normal((n_tokens, d)).astype(np.float32) * 10
    assignment = rng.integers(-1, n_tr, n_tokens) if n_tr else np.full(n_tokens, -1)
    got = pool_by_tr(hidden, assignment, n_tr)
    assert got.dtype == np.float32
    assert got.shape == (n_tr, d)
    np.testing.assert_allclose(got, reference_pool(hidden, assignment.tolist(), n_tr), rtol=1e-6)
    for i in range(n_tr):
        if not np.any(assignment == i):
            assert not got[i].any()


@settings(max_examples=100, deadline=None)
@given(
    n_tokens=st.integers(0, 40),
    n_tr=st.integers(0, 6),
    d=st.integers(1, 5),
    seed=st.integers(0, 2**32 - 1),
)
def test_pool_on_device_equals_the_host_pool(n_tokens, n_tr, d, seed):
    # The accelerator path (float64 index_add on the tensor's device) is plain torch, so it
    # runs on a CPU tensor here; on a GPU the CUDA test below runs it there.
    from vibe_widgets.engine.features.text import _pool_on_device

    rng = np.random.default_rng(seed)
    hidden = rng.standard_normal((n_tokens, d)).astype(np.float32) * 10
    assignment = rng.integers(-1, n_tr, n_tokens) if n_tr else np.full(n_tokens, -1)
    got = _pool_on_device(torch.from_numpy(hidden), assignment, n_tr)
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, pool_by_tr(hidden, assignment, n_tr), rtol=1e-7, atol=0)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_cuda_pool_by_tr_pools_on_the_gpu_and_equals_the_host_pool():
    rng = np.random.default_rng(0)
    hidden = rng.standard_normal((5000, 64)).astype(np.float32)
    assignment = np.sort(rng.integers(-1, 300, 5000))
    got = pool_by_tr(torch.from_numpy(hidden).cuda(), assignment, 300)
    np.testing.assert_allclose(got, pool_by_tr(hidden, assignment, 300), rtol=1e-6, atol=0)
    with pytest.raises(InvalidParameterError):
        pool_by_tr(torch.zeros((2, 3), device="cuda"), [0], 3)


def test_pool_accepts_torch_tensors_and_rejects_bad_indices():
    hidden = torch.arange(12, dtype=torch.bfloat16).reshape(4, 3)
    got = pool_by_tr(hidden, [1, 1, -1, 0], 3)
    np.testing.assert_array_equal(got, [[9, 10, 11], [1.5, 2.5, 3.5], [0, 0, 0]])
    assert got.dtype == np.float32
    with pytest.raises(InvalidParameterError):
        pool_by_tr(np.zeros((2, 3)), [0, 3], 3)
    with pytest.raises(InvalidParameterError):
        pool_by_tr(np.zeros((2, 3)), [0], 3)


# -- the tiny model and its tokenizer -------------------------------------------------------


def test_tiny_model_is_deterministic_and_leaves_the_global_rng_alone(tmp_path: Path):
    state = torch.get_rng_state()
    a = build_tiny_text_extractor(tmp_path / "a", seed=3, hidden_size=16, num_layers=1)
    assert torch.equal(torch.get_rng_state(), state)
    b = build_tiny_text_extractor(tmp_path / "b", seed=3, hidden_size=16, num_layers=1)
    c = build_tiny_text_extractor(tmp_path / "c", seed=4, hidden_size=16, num_layers=1)

    def digest(folder: Path) -> str:
        return hashlib.sha256((folder / "model.safetensors").read_bytes()).hexdigest()

    assert digest(a) == digest(b)
    assert digest(a) != digest(c)


def test_tiny_model_loads_back_offline_as_the_real_classes(tiny: Path, tokenizer):
    assert tokenizer.is_fast
    assert type(tokenizer).__name__.startswith("Qwen2Tokenizer")
    model = AutoModelForCausalLM.from_pretrained(tiny, local_files_only=True)
    assert type(model).__name__ == "Qwen2ForCausalLM"
    assert model.config.hidden_size == HIDDEN
    assert model.config.num_hidden_layers == LAYERS


def test_tiny_builder_rejects_bad_sizes(tmp_path: Path):
    with pytest.raises(InvalidParameterError, match="hidden_size"):
        build_tiny_text_extractor(tmp_path, hidden_size=12)


def test_offsets_are_character_offsets_for_non_ascii(tokenizer):
    prompt, spans = build_prompt(NON_ASCII, metadata="Amélie 🎬")
    enc = tokenizer(prompt, add_special_tokens=True, return_offsets_mapping=True)
    offsets = enc["offset_mapping"]
    emoji = prompt.index("😀")
    # The four byte tokens of the emoji all point at its one character.
    assert [o for o in offsets if o[0] == emoji] == [(emoji, emoji + 1)] * 4
    got = assign_tokens_to_trs(np.asarray(offsets), spans)
    assert got.tolist() == reference_assign(offsets, spans)
    ids = np.asarray(enc["input_ids"])
    for i, line in enumerate(NON_ASCII):
        # Decoding a TR's tokens gives back its line (NFC, as the tokenizer normalises).
        decoded = tokenizer.decode(ids[got == i].tolist())
        assert decoded == unicodedata.normalize("NFC", line) + "\n"


def test_real_tokenizer_assignment_matches_reference(tokenizer):
    transcripts = ["Hi.", "", "", "  spaces  ", "the end", "", "tab\there", "", "x"]
    prompt, spans = build_prompt(transcripts, metadata="meta")
    enc = tokenizer(prompt, add_special_tokens=True, return_offsets_mapping=True)
    got = assign_tokens_to_trs(np.asarray(enc["offset_mapping"]), spans)
    assert got.tolist() == reference_assign(enc["offset_mapping"], spans)
    # The tiny vocabulary merges "\n\n" (as Qwen's does), so a token covers two lines.
    assert any(e - s == 2 and prompt[s:e] == "\n\n" for s, e in enc["offset_mapping"])


# -- extraction -----------------------------------------------------------------------------


def test_extract_matches_a_manual_one_pass_computation(tiny: Path, monkeypatch):
    transcripts = ["Hello there, how are you?", "I'm fine.", "", "the cat", *NON_ASCII]
    forwards = _count_forwards(monkeypatch)
    got = TextFeatureExtractor(tiny).extract(transcripts, metadata="Friends")
    assert got.shape == (len(transcripts), HIDDEN)
    assert got.dtype == np.float32
    assert len(forwards) == 1
    expected = manual_features(tiny, transcripts, metadata="Friends")
    np.testing.assert_allclose(got, expected, atol=1e-5, rtol=0)
    assert np.abs(expected).max() > 0.1  # a non-trivial comparison


def test_extract_uses_the_requested_number_of_hidden_states(tiny: Path):
    transcripts = ["one", "two words"]
    got = TextFeatureExtractor(tiny, num_last_hidden_states=2).extract(transcripts)
    np.testing.assert_allclose(got, manual_features(tiny, transcripts, n_last=2), atol=1e-5)
    assert not np.allclose(got, manual_features(tiny, transcripts, n_last=4), atol=1e-3)
    with pytest.raises(InvalidParameterError, match="hidden states"):
        TextFeatureExtractor(tiny, num_last_hidden_states=LAYERS + 2).extract(transcripts)


def test_empty_transcripts_follow_the_rule(tiny: Path, tokenizer):
    transcripts = ["hello there", "", "", "world", ""]
    got = TextFeatureExtractor(tiny).extract(transcripts)
    prompt, spans = build_prompt(transcripts)
    enc = tokenizer(prompt, add_special_tokens=True, return_offsets_mapping=True)
    assignment = reference_assign(enc["offset_mapping"], spans)
    for i in range(len(transcripts)):
        assert bool(np.any(got[i])) == (i in assignment)
    # "\n\n\n" is "\n\n" + "\n": the merged token goes to TR 0, TR 1 gets nothing, TR 2 the
    # last newline (the published rule, followed exactly).
    assert np.any(got[0])
    assert not np.any(got[1])
    assert np.any(got[2])
    np.testing.assert_allclose(got, manual_features(tiny, transcripts), atol=1e-5)


def test_extract_of_no_trs_is_an_empty_array(tiny: Path):
    got = TextFeatureExtractor(tiny).extract([])
    assert got.shape == (0, HIDDEN)
    assert got.dtype == np.float32


def test_feature_size_reads_the_config_without_loading_the_model(tiny: Path):
    extractor = TextFeatureExtractor(tiny)
    assert extractor.feature_size == HIDDEN
    assert not extractor.loaded
    assert extractor.max_context_tokens == 4096


def test_unload_frees_the_model_and_extract_reloads_it(tiny: Path):
    extractor = TextFeatureExtractor(tiny)
    first = extractor.extract(["a b c"])
    assert extractor.loaded
    extractor.unload()
    assert not extractor.loaded
    assert extractor._model is None
    np.testing.assert_array_equal(extractor.extract(["a b c"]), first)


def test_float16_runs_as_float32_on_cpu_and_bfloat16_as_given(tiny: Path):
    half = TextFeatureExtractor(tiny, dtype=torch.float16)
    assert half.compute_dtype == torch.float32
    half.load()
    assert half._model.dtype == torch.float32
    bf16 = TextFeatureExtractor(tiny, dtype=torch.bfloat16)
    got = bf16.extract(["hello there", "world"])
    assert bf16._model.dtype == torch.bfloat16
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, manual_features(tiny, ["hello there", "world"]), atol=0.1)


# -- long transcripts: windows --------------------------------------------------------------


def _long_clip() -> list[str]:
    return [f"line {i}: the cat sat on the mat" if i % 7 else "" for i in range(60)]


def _windows_by_hand(folder: Path, transcripts: list[str], limit: int):
    """The full tokenisation, its header, the reference assignment and the window plan."""
    tokenizer = AutoTokenizer.from_pretrained(folder)
    prompt, spans = reference_prompt(transcripts)
    enc = tokenizer(prompt, add_special_tokens=True, return_offsets_mapping=True)
    ids = enc["input_ids"]
    assignment = reference_assign(enc["offset_mapping"], spans)
    header = ids[: next(k for k, a in enumerate(assignment) if a >= 0)]
    counts = [assignment.count(i) for i in range(len(transcripts))]
    return ids, header, assignment, plan_windows(counts, limit - len(header))


def test_long_clip_gets_features_for_every_tr_with_words(tiny_short: Path, monkeypatch):
    transcripts = _long_clip()
    ids, _, assignment, windows = _windows_by_hand(tiny_short, transcripts, LONG_CONTEXT)
    assert len(ids) > 2 * LONG_CONTEXT  # really longer than the context

    forwards = _count_forwards(monkeypatch)
    extractor = TextFeatureExtractor(tiny_short)
    assert extractor.max_context_tokens == LONG_CONTEXT
    got = extractor.extract(transcripts)
    assert got.shape == (60, HIDDEN)
    assert got.dtype == np.float32
    assert len(forwards) == len(windows) > 2
    assert max(forwards) <= LONG_CONTEXT
    has_tokens = np.array([i in assignment for i in range(60)])
    assert has_tokens[-1]
    np.testing.assert_array_equal(np.abs(got).sum(axis=1) > 0, has_tokens)

    # The first window is a prefix of the one-pass sequence: its TRs match it; later TRs
    # lost distant context, so they differ (the random model makes that visible).
    single = TextFeatureExtractor(tiny_short, max_context_tokens=10**6).extract(transcripts)
    first_owned = windows[0][2]
    np.testing.assert_allclose(got[:first_owned], single[:first_owned], atol=1e-5)
    assert not np.allclose(got[-5:], single[-5:], atol=1e-3)


def test_each_window_is_header_plus_context_plus_owned_lines(tiny_short: Path):
    transcripts = _long_clip()
    limit = 500
    got = TextFeatureExtractor(tiny_short, max_context_tokens=limit).extract(transcripts)

    # Rebuild every window by hand from the token ids and compare the owned TRs.
    ids, header, assignment, windows = _windows_by_hand(tiny_short, transcripts, limit)
    model = AutoModelForCausalLM.from_pretrained(tiny_short).eval()
    assert len(windows) > 2
    assert all(ctx < own for ctx, own, _ in windows[1:])  # later windows have left context
    for ctx, own_start, own_end in windows:
        body = [t for t, a in zip(ids, assignment, strict=True) if ctx <= a < own_end]
        tags = [a for a in assignment if ctx <= a < own_end]
        assert len(header) + len(body) <= limit
        with torch.no_grad():
            out = model(torch.tensor([header + body]), output_hidden_states=True)
        hidden = torch.stack(out.hidden_states[-LAYERS:]).mean(0)[0].numpy()[len(header) :]
        owned = [a - own_start if a >= own_start else -1 for a in tags]
        expected = reference_pool(hidden, owned, own_end - own_start)
        np.testing.assert_allclose(got[own_start:own_end], expected, atol=1e-5)


def test_windows_are_not_used_when_everything_fits(tiny_short: Path, monkeypatch):
    transcripts = _long_clip()[:8]
    forwards = _count_forwards(monkeypatch)
    got = TextFeatureExtractor(tiny_short).extract(transcripts)
    assert len(forwards) == 1
    np.testing.assert_allclose(got, manual_features(tiny_short, transcripts), atol=1e-5)


def test_metadata_longer_than_the_context_is_refused(tiny_short: Path):
    extractor = TextFeatureExtractor(tiny_short, max_context_tokens=50)
    with pytest.raises(InvalidParameterError, match="metadata"):
        extractor.extract(["a", "b"])


def test_a_line_longer_than_a_window_is_truncated_with_a_warning(tiny_short: Path):
    transcripts = ["short", "word " * 200, "after"]
    extractor = TextFeatureExtractor(tiny_short, max_context_tokens=500)
    with pytest.warns(UserWarning, match="longer than max_context_tokens"):
        got = extractor.extract(transcripts)
    assert np.all(np.abs(got).sum(axis=1) > 0)


@settings(max_examples=200, deadline=None)
@given(
    counts=st.lists(st.integers(0, 30), max_size=40),
    budget=st.integers(1, 60),
)
def test_plan_windows_tiles_the_lines_within_the_budget(counts, budget):
    windows = plan_windows(counts, budget)
    context = budget // 2
    if not counts:
        assert windows == []
        return
    assert [w[1] for w in windows] == [0] + [w[2] for w in windows[:-1]]
    assert windows[-1][2] == len(counts)
    for ctx, own_start, own_end in windows:
        assert ctx <= own_start < own_end
        total = sum(counts[ctx:own_end])
        assert total <= budget or (own_end - own_start == 1 and ctx == own_start)
        assert sum(counts[ctx:own_start]) <= context
        # Context is as long as allowed: one more line before it would not fit.
        if ctx > 0 and total <= budget:
            assert (
                sum(counts[ctx - 1 : own_start]) > context
                or sum(counts[ctx - 1 : own_end]) > budget
            )
        # Owned lines are as many as fit.
        if own_end < len(counts) and own_end - own_start > 0:
            assert sum(counts[ctx : own_end + 1]) > budget


# -- bad inputs and loading -----------------------------------------------------------------


@pytest.mark.parametrize("bad", ["one string", 3, None, {"a": 1}])
def test_transcripts_must_be_a_list(tiny: Path, bad):
    with pytest.raises(StimulusError, match="list of str"):
        TextFeatureExtractor(tiny).extract(bad)


def test_a_non_string_item_is_named_by_index_and_type(tiny: Path):
    with pytest.raises(StimulusError, match=r"transcripts\[2\] is int"):
        TextFeatureExtractor(tiny).extract(["a", "b", 7, "d"])
    with pytest.raises(InvalidParameterError, match="metadata"):
        TextFeatureExtractor(tiny).extract(["a"], metadata=None)


def test_missing_folder_is_a_model_load_error_naming_it(tmp_path: Path):
    missing = tmp_path / "no-such-model"
    with pytest.raises(ModelLoadError, match="no-such-model"):
        TextFeatureExtractor(missing).extract(["a"])


def test_folder_without_weights_names_what_is_missing(tiny: Path, tmp_path: Path):
    folder = tmp_path / "partial"
    shutil.copytree(tiny, folder)
    (folder / "model.safetensors").unlink()
    with pytest.raises(ModelLoadError, match=r"partial.*model\.safetensors"):
        TextFeatureExtractor(folder).extract(["a"])
    (folder / "tokenizer.json").unlink()
    (folder / "tokenizer_config.json").unlink()
    with pytest.raises(ModelLoadError, match="tokenizer"):
        TextFeatureExtractor(folder).feature_size  # noqa: B018


def test_unknown_repo_offline_is_a_model_load_error_naming_it():
    with pytest.raises(ModelLoadError, match=r"(?s)nobody/no-such-model.*[Oo]ffline"):
        TextFeatureExtractor("nobody/no-such-model").extract(["a"])


def test_slow_tokenizer_is_refused(tiny: Path, monkeypatch):
    # A Python tokenizer silently ignores return_offsets_mapping: it must be refused.
    monkeypatch.setattr(AutoTokenizer, "from_pretrained", lambda *a, **k: ByT5Tokenizer())
    with pytest.raises(ModelLoadError, match=r"(?s)slow.*ByT5Tokenizer.*fast"):
        TextFeatureExtractor(tiny).extract(["a"])


def test_tokenizer_files_of_another_kind_are_refused(tiny: Path, tmp_path: Path):
    folder = tmp_path / "other-tokenizer"
    shutil.copytree(tiny, folder)
    for name in ("tokenizer.json", "tokenizer_config.json"):
        (folder / name).unlink()
    ByT5Tokenizer().save_pretrained(folder)
    # transformers 4.x loads the slow ByT5 tokenizer; 5.x builds an empty-vocabulary Qwen2
    # tokenizer from the model type, which yields no tokens at all. Both must fail loudly.
    with pytest.raises(ModelLoadError, match=r"fast|no tokens"):
        TextFeatureExtractor(folder).extract(["a"])


def test_trust_remote_code_is_off_by_default(tiny: Path, monkeypatch):
    calls: list[tuple[str, dict]] = []
    for cls in (AutoTokenizer, AutoModelForCausalLM, AutoConfig):
        original = cls.from_pretrained

        def record(*args, _original=original, _name=cls.__name__, **kwargs):
            # Only the extractor's own calls: transformers calls these internally too.
            if sys._getframe(1).f_globals.get("__name__") == text_module.__name__:
                calls.append((_name, kwargs))
            return _original(*args, **kwargs)

        monkeypatch.setattr(cls, "from_pretrained", record)
    TextFeatureExtractor(tiny).extract(["hello"])
    names = {name for name, _ in calls}
    assert {"AutoTokenizer", "AutoModelForCausalLM"} <= names
    assert all(kwargs["trust_remote_code"] is False for _, kwargs in calls)
    model_kwargs = next(kwargs for name, kwargs in calls if name == "AutoModelForCausalLM")
    assert model_kwargs[text_module._dtype_kwarg()] == torch.float32
    assert model_kwargs["local_files_only"] is True  # HF_HUB_OFFLINE is set

    calls.clear()
    TextFeatureExtractor(tiny, trust_remote_code=True).extract(["hello"])
    assert calls
    assert all(kwargs["trust_remote_code"] is True for _, kwargs in calls)


def test_dtype_keyword_follows_the_transformers_version(monkeypatch):
    import transformers

    monkeypatch.setattr(transformers, "__version__", "4.53.2")
    assert text_module._dtype_kwarg() == "torch_dtype"
    monkeypatch.setattr(transformers, "__version__", "5.0.0rc1")
    assert text_module._dtype_kwarg() == "dtype"


@pytest.mark.parametrize(
    "kwargs",
    [
        {"num_last_hidden_states": 0},
        {"num_last_hidden_states": True},
        {"dtype": torch.int8},
        {"dtype": "float16"},
        {"max_context_tokens": 1},
        {"device": "not-a-device"},
    ],
)
def test_bad_constructor_arguments(tiny: Path, kwargs):
    with pytest.raises(InvalidParameterError):
        TextFeatureExtractor(tiny, **kwargs)


# -- prefix reuse after an edit -------------------------------------------------------------


def _tokens_run(extractor: TextFeatureExtractor) -> list[int]:
    """Lengths of the input_ids of every model forward of ``extractor`` from now on."""
    lengths: list[int] = []
    extractor.load()

    def hook(module, args, kwargs):
        lengths.append(int(kwargs["input_ids"].shape[1]))

    extractor._model.register_forward_pre_hook(hook, with_kwargs=True)
    return lengths


def _clip(n: int = 40) -> list[str]:
    return [f"line {i}: the cat sat on the mat, number {i * 7}" if i % 5 else "" for i in range(n)]


@pytest.mark.parametrize("where", [0, 20, 39])
def test_resuming_after_an_edit_equals_a_full_recompute(tiny: Path, monkeypatch, where):
    monkeypatch.setattr(text_module, "resume_pays", lambda *args, **kwargs: True)
    lines = _clip()
    extractor = TextFeatureExtractor(tiny)
    extractor.extract(lines)
    run = _tokens_run(extractor)
    edited = list(lines)
    edited[where] = "A dragon lands on the roof"
    got = extractor.extract(edited)
    np.testing.assert_allclose(got, manual_features(tiny, edited), atol=1e-5, rtol=0)
    # Only the tokens from the edited line on ran, on the cached keys and values.
    prompt, spans = build_prompt(edited)
    n_tokens = len(AutoTokenizer.from_pretrained(tiny)(prompt)["input_ids"])
    assert len(run) == 1
    ids_before_line = len(
        AutoTokenizer.from_pretrained(tiny)(prompt[: spans[where][0]])["input_ids"]
    )
    assert run[0] <= n_tokens - ids_before_line + 1
    assert run[0] < n_tokens


def test_a_merge_across_the_edited_line_is_not_reused(tiny: Path, tokenizer, monkeypatch):
    monkeypatch.setattr(text_module, "resume_pays", lambda *args, **kwargs: True)
    # "hello\n" + "\n" merges into one "\n\n" token that belongs to line 0; filling line 1
    # splits it, so the id of a token *before* the edited line changes.
    lines = ["hello", "", "world"]
    edited = ["hello", "there", "world"]
    before = tokenizer(build_prompt(lines)[0])["input_ids"]
    after = tokenizer(build_prompt(edited)[0])["input_ids"]
    first_diff = text_module.common_prefix_length(before, after)
    prompt, spans = build_prompt(lines)
    assert first_diff < len(tokenizer(prompt[: spans[1][0]])["input_ids"])
    extractor = TextFeatureExtractor(tiny)
    extractor.extract(lines)
    run = _tokens_run(extractor)
    got = extractor.extract(edited)
    assert run == [len(after) - first_diff]
    np.testing.assert_allclose(got, manual_features(tiny, edited), atol=1e-5, rtol=0)


def test_an_unchanged_prompt_runs_nothing_and_a_shorter_one_reuses_its_prefix(tiny: Path):
    lines = _clip(12)
    extractor = TextFeatureExtractor(tiny)
    first = extractor.extract(lines)
    run = _tokens_run(extractor)
    np.testing.assert_array_equal(extractor.extract(lines), first)
    shorter = extractor.extract(lines[:7])
    assert run == []
    np.testing.assert_allclose(shorter, manual_features(tiny, lines[:7]), atol=1e-5, rtol=0)


def test_reuse_follows_the_settings_and_unload_forgets(tiny: Path):
    lines = _clip(10)
    extractor = TextFeatureExtractor(tiny)
    extractor.extract(lines)
    extractor.num_last_hidden_states = 2
    np.testing.assert_allclose(
        extractor.extract(lines), manual_features(tiny, lines, n_last=2), atol=1e-5, rtol=0
    )
    assert extractor._reuse.ids is not None
    extractor.unload()
    assert extractor._reuse is None
    off = TextFeatureExtractor(tiny, reuse_prefix=False)
    off.extract(lines)
    run = _tokens_run(off)
    off.extract(lines)
    assert len(run) == 1
    assert off._reuse is None


def test_resume_cost_model_prefers_a_fresh_pass_for_early_edits():
    # Attention-bound (a tiny model, a long prompt): only late edits resume.
    assert not text_module.resume_pays(10_000, 100, dense_per_token=1e5, per_pair=1e3)
    assert text_module.resume_pays(10_000, 9_500, dense_per_token=1e5, per_pair=1e3)
    # Dense-bound (a large model): resuming from a third of the way pays.
    assert text_module.resume_pays(10_000, 4_000, dense_per_token=3e10, per_pair=1e6)
    assert not text_module.resume_pays(10_000, 0, dense_per_token=3e10, per_pair=1e6)


def test_resume_cost_model_with_split_attention_always_resumes():
    # No masked rectangle: the suffix never costs more than a fresh pass.
    for reused in (1, 100, 5_000, 9_999):
        assert text_module.resume_pays(
            10_000, reused, dense_per_token=1e5, per_pair=1e3, split_attention=True
        )
    assert not text_module.resume_pays(
        10_000, 0, dense_per_token=1e5, per_pair=1e3, split_attention=True
    )


def test_an_early_edit_runs_the_whole_prompt_when_resuming_does_not_pay(tiny: Path, monkeypatch):
    # A model left on SDPA with its explicit mask (prefix attention not installed).
    monkeypatch.setattr(text_module.prefix_attention, "install", lambda model: False)
    lines = _clip(60)
    extractor = TextFeatureExtractor(tiny)
    extractor.extract(lines)
    assert extractor._model.config._attn_implementation == "sdpa"
    run = _tokens_run(extractor)
    early = list(lines)
    early[1] = "A dragon lands on the roof"
    late = list(early)  # edits accumulate, as in the editor
    late[-1] = "A dragon lands on the roof"
    np.testing.assert_allclose(extractor.extract(early), manual_features(tiny, early), atol=1e-5)
    np.testing.assert_allclose(extractor.extract(late), manual_features(tiny, late), atol=1e-5)
    n_tokens = len(AutoTokenizer.from_pretrained(tiny)(build_prompt(early)[0])["input_ids"])
    assert run[0] == n_tokens  # fresh causal pass
    assert run[1] < n_tokens // 10  # the last line only


def test_with_prefix_attention_an_early_edit_resumes_and_equals_a_full_recompute(tiny: Path):
    lines = _clip(60)
    extractor = TextFeatureExtractor(tiny)
    extractor.extract(lines)
    assert extractor._model.config._attn_implementation == text_module.prefix_attention.NAME
    run = _tokens_run(extractor)
    early = list(lines)
    early[1] = "A dragon lands on the roof"
    np.testing.assert_allclose(
        extractor.extract(early), manual_features(tiny, early), atol=1e-5, rtol=0
    )
    n_tokens = len(AutoTokenizer.from_pretrained(tiny)(build_prompt(early)[0])["input_ids"])
    assert 0 < run[0] < n_tokens  # resumed after the header and line 0


@pytest.mark.parametrize("where", [1, 30, 59])
def test_windowed_edits_rerun_only_changed_windows_and_equal_a_full_recompute(
    tiny_short: Path, monkeypatch, where
):
    lines = _long_clip()
    limit = 500
    extractor = TextFeatureExtractor(tiny_short, max_context_tokens=limit)
    extractor.extract(lines)
    forwards = _count_forwards(monkeypatch)
    edited = list(lines)
    # Same token count as the line it replaces: the window plan stays, so only the windows
    # holding the edited line change.
    edited[where] = lines[where].replace("cat", "dog")
    got = extractor.extract(edited)
    n_run = len(forwards)
    reference = TextFeatureExtractor(tiny_short, max_context_tokens=limit, reuse_prefix=False)
    np.testing.assert_allclose(got, reference.extract(edited), atol=1e-5, rtol=0)
    _, _, _, windows = _windows_by_hand(tiny_short, edited, limit)
    assert len(forwards) - n_run == len(windows)  # the reference ran every window
    holding = [w for w in windows if w[0] <= where < w[2]]
    assert n_run == len(holding) < len(windows)


# -- on CUDA -------------------------------------------------------------------------------


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
@pytest.mark.usefixtures("no_tf32")
@pytest.mark.parametrize("where", [1, 20, 39])
def test_cuda_edit_reuses_the_prefix_and_equals_a_full_pass_and_the_cpu(
    tiny: Path, where
):
    lines = _clip()
    edited = list(lines)
    edited[where] = "A dragon lands on the roof"
    extractor = TextFeatureExtractor(tiny, dtype=torch.float32, device="cuda")
    extractor.extract(lines)
    assert extractor._model.config._attn_implementation == text_module.prefix_attention.NAME
    assert next(extractor._model.parameters()).device.type == "cuda"
    run = _tokens_run(extractor)
    resumed = extractor.extract(edited)
    full = TextFeatureExtractor(tiny, dtype=torch.float32, device="cuda", reuse_prefix=False)
    fresh = full.extract(edited)
    on_cpu = TextFeatureExtractor(tiny, dtype=torch.float32).extract(edited)
    n_tokens = len(AutoTokenizer.from_pretrained(tiny)(build_prompt(edited)[0])["input_ids"])
    assert len(run) == 1
    assert run[0] < n_tokens  # only the suffix ran, on the cached keys and values
    np.testing.assert_allclose(resumed, fresh, atol=1e-4, rtol=0)
    np.testing.assert_allclose(fresh, on_cpu, atol=1e-4, rtol=0)
    assert np.abs(on_cpu).max() > 0.1  # the tolerance is small against the features


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_cuda_float16_resume_is_close_to_a_float32_full_pass(tiny: Path):
    # The published text dtype: half precision on the GPU, features accumulated in float32.
    lines = _clip()
    edited = list(lines)
    edited[25] = "A dragon lands on the roof"
    extractor = TextFeatureExtractor(tiny, dtype=torch.float16, device="cuda")
    extractor.extract(lines)
    assert extractor._model.dtype == torch.float16
    resumed = extractor.extract(edited)
    assert resumed.dtype == np.float32
    reference = TextFeatureExtractor(tiny, dtype=torch.float32).extract(edited)
    scale = np.abs(reference).max()
    np.testing.assert_allclose(resumed, reference, atol=2e-2 * scale, rtol=0)
