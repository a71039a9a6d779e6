"""Causal attention of a suffix after a cached prefix, without a dense mask.

When a causal LM resumes after a cached prefix of ``p`` tokens, ``q`` new queries meet
``k = p + q`` keys: query ``i`` sees keys ``0 .. p + i`` (causal, aligned at the lower
right). transformers builds that as an explicit ``(q, k)`` mask, and torch's CPU SDPA then
computes the whole rectangle with the mask read for every element (about twice the
per-element cost of the causal kernel, which skips the upper triangle). Split instead:

- the prefix keys are seen by every query: SDPA with no mask over ``(q, p)``;
- the suffix keys are a plain causal square: SDPA ``is_causal=True`` over ``(q, q)``;

and merge the two softmaxes exactly with their log-sum-exps (the "flash" merge):
``out = (e^{l_1} o_1 + e^{l_2} o_2) / (e^{l_1} + e^{l_2})``. On CPU torch's flash kernel
returns the log-sum-exp (``_scaled_dot_product_flash_attention_for_cpu``); elsewhere SDPA
gets a lower-right :func:`torch.nn.attention.bias.causal_lower_right` bias, which CUDA's
flash and memory-efficient kernels run without materialising a mask.

It is registered with transformers' ``AttentionInterface`` under :data:`NAME`; with a
custom name, transformers builds no mask at all (the function handles causality itself),
so it is only for unpadded single sequences of full-attention layers, which is how the
text extractor runs the model (:func:`supports` checks the config).
"""

from __future__ import annotations

from typing import Any

import torch

__all__ = ["NAME", "install", "prefix_causal_attention", "supports"]

NAME = "vibe_prefix_sdpa"

_CPU_FLASH = getattr(torch.ops.aten, "_scaled_dot_product_flash_attention_for_cpu", None)


def _expand_kv(x: torch.Tensor, groups: int) -> torch.Tensor:
    """(B, KV heads, S, D) -> (B, KV heads * groups, S, D), as ``repeat_kv`` does."""
    if groups == 1:
        return x
    b, h, s, d = x.shape
    return x[:, :, None].expand(b, h, groups, s, d).reshape(b, h * groups, s, d)


def prefix_causal_attention(
    module: torch.nn.Module,
    query: torch.Tensor,
    key: torch.Tensor,
    value: torch.Tensor,
    attention_mask: torch.Tensor | None,
    dropout: float = 0.0,
    scaling: float | None = None,
    sliding_window: int | None = None,
    **kwargs: Any,
) -> tuple[torch.Tensor, None]:
    """Lower-right causal attention of ``q`` queries over ``k >= q`` keys.

    Parameters
    ----------
    module : torch.nn.Module
        The attention layer (its ``num_key_value_groups`` is read).
    query : torch.Tensor of shape (batch, heads, q, head_dim)
    key, value : torch.Tensor of shape (batch, kv_heads, k, head_dim)
        The cached prefix (``k - q`` tokens) followed by the new tokens.
    attention_mask : None
        transformers builds no mask for this implementation; anything else is refused.
    dropout : float
        Must be 0 (inference only).
    scaling : float, optional
        Softmax scale (default ``head_dim ** -0.5``).
    sliding_window : None
        Sliding-window layers are refused.

    Returns
    -------
    attn_output : torch.Tensor of shape (batch, q, heads, head_dim)
    attn_weights : None
    """
    if attention_mask is not None or sliding_window is not None or dropout:
        raise ValueError(
            f"{NAME} attention handles unpadded causal full attention at inference only "
            f"(got a mask: {attention_mask is not None}, sliding_window={sliding_window}, "
            f"dropout={dropout}). Load the model with attn_implementation='sdpa' instead."
        )
    groups = int(getattr(module, "num_key_value_groups", 1))
    key, value = _expand_kv(key, groups), _expand_kv(value, groups)
    q, k = query.shape[2], key.shape[2]
    p = k - q
    if p < 0:
        raise ValueError(f"{NAME}: {q} queries but only {k} keys.")
    if p == 0 or q == 0:
        out = torch.nn.functional.scaled_dot_product_attention(
            query, key, value, is_causal=q > 1, scale=scaling
        )
    elif query.device.type == "cpu" and _CPU_FLASH is not None:
        out_p, lse_p = _CPU_FLASH(query, key[:, :, :p], value[:, :, :p], 0.0, False, scale=scaling)
        out_s, lse_s = _CPU_FLASH(query, key[:, :, p:], value[:, :, p:], 0.0, True, scale=scaling)
        # Softmax over both key sets = each part's softmax weighted by its share of the mass.
        top = torch.maximum(lse_p, lse_s)
        w_p = (lse_p - top).exp().unsqueeze(-1)
        w_s = (lse_s - top).exp().unsqueeze(-1)
        out = (out_p.float() * w_p + out_s.float() * w_s) / (w_p + w_s)
        out = out.to(query.dtype)
    else:
        from torch.nn.attention.bias import causal_lower_right

        out = torch.nn.functional.scaled_dot_product_attention(
            query, key, value, attn_mask=causal_lower_right(q, k), scale=scaling
        )
    return out.transpose(1, 2).contiguous(), None


def supports(model: Any) -> bool:
    """Whether ``model`` can run on :func:`prefix_causal_attention`.

    A decoder-only causal LM whose layers are all full attention (no sliding window) and
    that runs on SDPA now (so it takes an ``AttentionInterface`` function).
    """
    config = getattr(model, "config", None)
    if config is None:
        return False
    if hasattr(config, "get_text_config"):
        config = config.get_text_config()
    if getattr(config, "_attn_implementation", None) not in ("sdpa", NAME):
        return False
    if getattr(config, "is_encoder_decoder", False) or not getattr(config, "is_causal", True):
        return False
    if getattr(config, "use_sliding_window", False):
        return False
    layer_types = getattr(config, "layer_types", None)
    return layer_types is None or all(t == "full_attention" for t in layer_types)


def install(model: Any) -> bool:
    """Switch ``model`` to :func:`prefix_causal_attention` when it :func:`supports` it.

    Returns
    -------
    bool
        Whether it was switched.
    """
    if not supports(model):
        return False
    from transformers import AttentionInterface

    AttentionInterface.register(NAME, prefix_causal_attention)
    try:
        model.set_attn_implementation(NAME)
    except (AttributeError, ValueError, KeyError):
        return False  # a transformers without custom attention: keep SDPA and its mask
    return True
