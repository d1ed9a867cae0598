"""Per-step ground truth without stored KV: one no-grad forward over [prompt; answer].

It yields both the prompt's KV (what the lookahead tokens attend to) and the true importance:
the mean attention of the answer's query rows over prompt keys, per layer and KV head. The
rows are those ``hf.observe.teacher_forced_attention`` records (causal attention makes a
row's softmax the same whether the answer is fed alone after a cache or with the prompt).
"""

from __future__ import annotations

from contextlib import contextmanager

import torch
import torch.nn.functional as F
from transformers import AttentionInterface, DynamicCache

from ..hf.recorder import RECORDER
from .ground_truth import importance_target

CAUSAL_NAME = "lkv_causal_record"


def causal_record_attention(module, query, key, value, attention_mask, scaling=None, **kwargs):
    """SDPA with ``is_causal`` (the fast kernel: no explicit mask) for a pass from an empty
    cache, recording like ``hf.recorder.record_attention``."""
    if query.shape[0] != 1 or query.shape[2] != key.shape[2]:
        raise ValueError("causal_record_attention runs one sequence from an empty cache")
    out = F.scaled_dot_product_attention(
        query, key, value, is_causal=True, scale=scaling, enable_gqa=True
    )
    if RECORDER.mode != "off":
        RECORDER.record(module.layer_idx, query[0], key[0], scaling)
    return out.transpose(1, 2).contiguous(), None


AttentionInterface.register(CAUSAL_NAME, causal_record_attention)


@contextmanager
def attention_impl(model, name: str):
    """Run ``model`` with attention function ``name``; the previous one comes back after."""
    before = model.config._attn_implementation
    model.config._attn_implementation = name
    try:
        yield
    finally:
        model.config._attn_implementation = before


@torch.no_grad()
def kv_and_truth(
    model, prompt: list[int], answer: list[int], num_kv_heads: int
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(K, V, truth): K, V (L, Hkv, N, D) of the prompt; truth (L, Hkv, N), sums to 1 over N."""
    if not answer:
        raise ValueError("an empty answer has no attention to score the prompt with")
    n = len(prompt)
    ids = torch.tensor([prompt + answer], device=model.device)
    RECORDER.start("window", read_len=n, rows=len(answer))
    try:
        with attention_impl(model, CAUSAL_NAME):
            out = model(
                input_ids=ids, past_key_values=DynamicCache(), use_cache=True, logits_to_keep=1
            )
    finally:
        scores = RECORDER.stop()
    layers = out.past_key_values.layers
    K = torch.stack([layer.keys[0, :, :n] for layer in layers])
    V = torch.stack([layer.values[0, :, :n] for layer in layers])
    return K, V, importance_target(scores, num_kv_heads)
