"""Suffix-after-prefix causal attention: equal to SDPA with the explicit lower-right mask."""

from __future__ import annotations

import inspect
from pathlib import Path
from types import SimpleNamespace

import pytest
import torch
from transformers import AutoModelForCausalLM

from vibe_widgets.engine.demo.text_model import build_tiny_text_extractor
from vibe_widgets.engine.features import prefix_attention
from vibe_widgets.engine.features.prefix_attention import prefix_causal_attention


def _masked_reference(query, key, value, groups, scale=None):
    """What transformers' SDPA path computes after a cache: an explicit (q, k) mask."""
    key = key.repeat_interleave(groups, dim=1)
    value = value.repeat_interleave(groups, dim=1)
    q, k = query.shape[2], key.shape[2]
    mask = torch.ones(q, k, dtype=torch.bool).tril(diagonal=k - q)
    out = torch.nn.functional.scaled_dot_product_attention(
        query, key, value, attn_mask=mask, scale=scale
    )
    return out.transpose(1, 2)


@pytest.mark.parametrize(
    ("q", "k", "heads", "kv_heads"),
    [(7, 30, 4, 4), (1, 50, 4, 2), (64, 64, 2, 1), (33, 200, 6, 3), (200, 201, 2, 2)],
)
@pytest.mark.parametrize("scale", [None, 0.3])
def test_equals_the_masked_computation(q, k, heads, kv_heads, scale):
    gen = torch.Generator().manual_seed(q * 1000 + k)
    query = torch.randn(1, heads, q, 16, generator=gen)
    key = torch.randn(1, kv_heads, k, 16, generator=gen) * 2
    value = torch.randn(1, kv_heads, k, 16, generator=gen)
    module = SimpleNamespace(num_key_value_groups=heads // kv_heads)
    got, weights = prefix_causal_attention(module, query, key, value, None, scaling=scale)
    expected = _masked_reference(query, key, value, heads // kv_heads, scale)
    assert weights is None
    assert got.shape == (1, q, heads, 16)
    torch.testing.assert_close(got, expected, atol=2e-6, rtol=1e-5)


def test_bfloat16_stays_bfloat16_and_close():
    gen = torch.Generator().manual_seed(0)
    query = torch.randn(1, 2, 20, 32, generator=gen)
    key, value = torch.randn(1, 2, 90, 32, generator=gen), torch.randn(1, 2, 90, 32, generator=gen)
    module = SimpleNamespace(num_key_value_groups=1)
    got, _ = prefix_causal_attention(
        module, query.bfloat16(), key.bfloat16(), value.bfloat16(), None
    )
    assert got.dtype == torch.bfloat16
    expected = _masked_reference(query, key, value, 1)
    torch.testing.assert_close(got.float(), expected, atol=3e-2, rtol=0)


@pytest.mark.parametrize(
    "kwargs",
    [{"attention_mask": torch.ones(1, 1, 3, 5, dtype=torch.bool)}, {"sliding_window": 4},
     {"dropout": 0.1}],
)  # fmt: skip
def test_refuses_what_it_does_not_compute(kwargs):
    query, key = torch.randn(1, 1, 3, 8), torch.randn(1, 1, 5, 8)
    args = {"attention_mask": None, **kwargs}
    with pytest.raises(ValueError, match="attn_implementation='sdpa'"):
        prefix_causal_attention(SimpleNamespace(), query, key, key, **args)


def test_install_on_a_causal_lm_and_resume_equals_one_pass(tmp_path: Path):
    folder = build_tiny_text_extractor(tmp_path / "tiny", seed=1)
    model = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32).eval()
    ids = torch.randint(0, 200, (1, 120), generator=torch.Generator().manual_seed(2))
    with torch.inference_mode():
        before = model(input_ids=ids, output_hidden_states=True).hidden_states[-1]
        assert prefix_attention.install(model)
        assert model.config._attn_implementation == prefix_attention.NAME
        one_pass = model(input_ids=ids, output_hidden_states=True).hidden_states[-1]
        first = model(input_ids=ids[:, :90], use_cache=True)
        # transformers 5.x renamed past_key_values to cache (from some 5.x release on); an
        # older release silently ignores cache=, so pass the name this one takes.
        params = inspect.signature(model.forward).parameters
        name = "cache" if "cache" in params else "past_key_values"
        resumed = model(
            input_ids=ids[:, 90:],
            attention_mask=torch.ones(1, 120, dtype=torch.long),
            output_hidden_states=True,
            **{name: getattr(first, name)},
        ).hidden_states[-1]
    torch.testing.assert_close(one_pass, before, atol=0, rtol=0)  # no cache: the same kernel
    torch.testing.assert_close(resumed, one_pass[:, 90:], atol=1e-5, rtol=0)


def test_not_installed_on_sliding_window_or_eager_models(tmp_path: Path):
    folder = build_tiny_text_extractor(tmp_path / "tiny", seed=1)
    eager = AutoModelForCausalLM.from_pretrained(folder, attn_implementation="eager")
    assert not prefix_attention.install(eager)
    assert eager.config._attn_implementation == "eager"
    sliding = AutoModelForCausalLM.from_pretrained(folder)
    sliding.config.layer_types = ["sliding_attention"] * len(sliding.config.layer_types)
    assert not prefix_attention.install(sliding)


# -- on CUDA: the lower-right causal bias path (SDPA kernels), not the CPU flash merge -------

needs_cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")


@needs_cuda
@pytest.mark.usefixtures("no_tf32")
@pytest.mark.parametrize(
    ("q", "k", "heads", "kv_heads"),
    [(7, 30, 4, 4), (1, 50, 4, 2), (64, 64, 2, 1), (33, 200, 6, 3), (200, 201, 2, 2),
     (128, 1024, 8, 2)],
)  # fmt: skip
def test_cuda_equals_the_masked_computation_in_float32(q, k, heads, kv_heads):
    gen = torch.Generator().manual_seed(q * 1000 + k)
    query = torch.randn(1, heads, q, 64, generator=gen)
    key = torch.randn(1, kv_heads, k, 64, generator=gen) * 2
    value = torch.randn(1, kv_heads, k, 64, generator=gen)
    module = SimpleNamespace(num_key_value_groups=heads // kv_heads)
    expected = _masked_reference(query, key, value, heads // kv_heads)  # on the CPU
    got, _ = prefix_causal_attention(module, query.cuda(), key.cuda(), value.cuda(), None)
    assert got.device.type == "cuda"
    assert got.dtype == torch.float32
    assert got.shape == (1, q, heads, 64)
    torch.testing.assert_close(got.cpu(), expected, atol=1e-5, rtol=1e-4)


@needs_cuda
@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16])
def test_cuda_half_precision_stays_half_and_close(dtype):
    # float16 is the published text dtype; on CUDA SDPA runs it on the flash/efficient kernels.
    gen = torch.Generator().manual_seed(5)
    query = torch.randn(1, 8, 96, 128, generator=gen)
    key = torch.randn(1, 2, 700, 128, generator=gen)
    value = torch.randn(1, 2, 700, 128, generator=gen)
    module = SimpleNamespace(num_key_value_groups=4)
    got, _ = prefix_causal_attention(
        module, query.to("cuda", dtype), key.to("cuda", dtype), value.to("cuda", dtype), None
    )
    assert got.dtype == dtype
    expected = _masked_reference(query, key, value, 4)
    # Rounding of the inputs and output only: about 2**-8 (bfloat16) of values of size ~1.
    atol = 2e-2 if dtype == torch.bfloat16 else 3e-3
    torch.testing.assert_close(got.float().cpu(), expected, atol=atol, rtol=0)


@needs_cuda
@pytest.mark.usefixtures("no_tf32")
def test_cuda_resume_after_a_cached_prefix_equals_one_pass(tmp_path: Path):
    folder = build_tiny_text_extractor(tmp_path / "tiny", seed=1)
    model = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32).cuda().eval()
    assert prefix_attention.install(model)
    ids = torch.randint(0, 200, (1, 300), generator=torch.Generator().manual_seed(2)).cuda()
    with torch.inference_mode():
        one_pass = model(input_ids=ids, output_hidden_states=True).hidden_states[-1]
        first = model(input_ids=ids[:, :170], use_cache=True)
        # transformers 5.x renamed past_key_values to cache (from some 5.x release on).
        params = inspect.signature(model.forward).parameters
        name = "cache" if "cache" in params else "past_key_values"
        assert getattr(first, name) is not None
        resumed = model(
            input_ids=ids[:, 170:],
            attention_mask=torch.ones(1, 300, dtype=torch.long, device="cuda"),
            output_hidden_states=True,
            **{name: getattr(first, name)},
        ).hidden_states[-1]
    torch.testing.assert_close(resumed, one_pass[:, 170:], atol=1e-4, rtol=1e-4)
