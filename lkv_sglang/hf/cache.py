"""Physical operations on a transformers ``DynamicCache`` (batch of one)."""

from __future__ import annotations

import torch
from transformers import DynamicCache

from ..core.plan import KeepPlan


def copy_cache(cache: DynamicCache) -> DynamicCache:
    out = DynamicCache()
    for i, layer in enumerate(cache.layers):
        out.update(layer.keys.clone(), layer.values.clone(), i)
    return out


def crop_cache(cache: DynamicCache, length: int) -> None:
    """Drop every entry past ``length`` (e.g. scoring tokens' KV), in every layer."""
    for layer in cache.layers:
        layer.keys = layer.keys[:, :, :length].contiguous()
        layer.values = layer.values[:, :, :length].contiguous()


def prune_cache(cache: DynamicCache, plan: KeepPlan) -> DynamicCache:
    """A new cache holding, per layer and KV head, exactly the plan's prompt entries.

    Entries are copied in the plan's order; anything past the prompt (none after scoring)
    is dropped. Tensors shrink to (1, num_kv_heads, budget_l, head_dim).
    """
    if len(plan.indices) != len(cache.layers):
        raise ValueError(f"plan has {len(plan.indices)} layers, cache {len(cache.layers)}")
    out = DynamicCache()
    for i, (layer, idx) in enumerate(zip(cache.layers, plan.indices, strict=True)):
        gather = idx[None, :, :, None].expand(1, -1, -1, layer.keys.shape[-1]).to(layer.keys.device)
        out.update(layer.keys.gather(2, gather), layer.values.gather(2, gather), i)
    return out


def cache_lengths(cache: DynamicCache) -> list[int]:
    return [int(layer.keys.shape[2]) for layer in cache.layers]


def cache_entries(cache: DynamicCache) -> int:
    """KV entries held, summed over layers and KV heads."""
    return sum(int(layer.keys.shape[1] * layer.keys.shape[2]) for layer in cache.layers)


@torch.no_grad()
def greedy_decode(
    model, cache: DynamicCache, first: int, start_pos: int, max_new: int, eos: set[int]
) -> list[int]:
    """Greedy tokens from ``first`` (already chosen) at logical position ``start_pos``.

    Positions stay logical whatever the cache's physical length. Stops after an EOS token
    (not included) or ``max_new`` tokens.
    """
    out: list[int] = []
    cur = first
    for step in range(max_new):
        if cur in eos:
            break
        out.append(cur)
        if step == max_new - 1:
            break
        logits = model(
            input_ids=torch.tensor([[cur]], device=model.device),
            position_ids=torch.tensor([[start_pos + step]], device=model.device),
            past_key_values=cache,
            use_cache=True,
        ).logits
        cur = int(logits[0, -1].argmax())
    return out
