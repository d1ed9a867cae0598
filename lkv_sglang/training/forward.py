"""The differentiable lookahead pass used in training (the exact cheap trick).

The prompt's KV depends on no trainable weight (the LoRA is masked to lookahead positions and
attention is causal), so it is computed once without gradients and stored; each step runs only
the lookahead tokens, with gradients, against a cache rebuilt from it.
"""

from __future__ import annotations

import torch
from transformers import DynamicCache

from ..core.attention import mean_attention
from ..core.lookahead import LookaheadModule
from ..hf.recorder import RECORDER
from .ground_truth import importance_target


def cache_from(K: torch.Tensor, V: torch.Tensor, dtype=torch.float32) -> DynamicCache:
    """A DynamicCache from stored (L, Hkv, N, D) keys and values."""
    c = DynamicCache()
    for i in range(K.shape[0]):
        c.update(K[i][None].to(dtype), V[i][None].to(dtype), i)
    return c


class GradRecorder:
    """Records differentiable mean attention of every query row over the first N keys."""

    def __init__(self, read_len: int):
        self.read_len = read_len
        self.scores: dict[int, torch.Tensor] = {}

    def __call__(self, layer, query, key, scale):
        start = key.shape[1] - query.shape[1]
        self.scores[layer] = mean_attention(
            query, key, scale, query_start=start, read_len=self.read_len
        )


def lookahead_scores(
    model, module: LookaheadModule, K: torch.Tensor, V: torch.Tensor
) -> torch.Tensor:
    """(L, Hkv, N) predicted importance (normalised), differentiable w.r.t. ``module``."""
    n = K.shape[2]
    num_kv_heads = K.shape[1]
    mask = model._lkv_lora_mask
    rec = GradRecorder(n)
    RECORDER.hook = rec
    mask.rows = True
    try:
        model.model(
            inputs_embeds=module.embeddings[None],
            position_ids=torch.arange(n, n + module.config.n_lookahead, device=K.device)[None],
            past_key_values=cache_from(K, V),
            use_cache=True,
        )
    finally:
        mask.rows = None
        RECORDER.hook = None
    scores = torch.stack([rec.scores[i] for i in sorted(rec.scores)])
    return importance_target(scores, num_kv_heads)
