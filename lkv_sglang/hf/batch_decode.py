"""Greedy decoding of several pruned caches of one prompt in one batch.

An evaluation decodes the same prompt from many keep plans (policies x budgets); decoding them
one by one costs one forward per token per plan, which is Python- and launch-bound on a GPU.
Caches whose per-layer lengths are equal stack along the batch axis with no padding (every row
attends to all of its entries), so one forward per token serves them all. Each row's tokens
are those ``cache.greedy_decode`` gives for it alone, up to floating-point ties (a batched
matmul may round differently).
"""

from __future__ import annotations

import torch
from transformers import DynamicCache

from .cache import cache_lengths, greedy_decode


def stack_caches(caches: list[DynamicCache]) -> DynamicCache:
    """One cache of batch ``len(caches)``; every cache must have the same per-layer lengths."""
    lengths = {tuple(cache_lengths(c)) for c in caches}
    if len(lengths) != 1:
        raise ValueError(
            f"caches to stack must have equal per-layer lengths, got {sorted(lengths)}"
        )
    out = DynamicCache()
    for i in range(len(caches[0].layers)):
        keys = torch.cat([c.layers[i].keys for c in caches])
        values = torch.cat([c.layers[i].values for c in caches])
        out.update(keys, values, i)
    return out


@torch.no_grad()
def greedy_decode_many(
    model,
    caches: list[DynamicCache],
    first: int,
    start_pos: int,
    max_new: int,
    eos: set[int],
) -> list[list[int]]:
    """``greedy_decode`` of each cache (all from token ``first`` at ``start_pos``), in batches
    of caches with equal per-layer lengths; the caches are consumed. Returns one token list
    per cache, in order."""
    groups: dict[tuple[int, ...], list[int]] = {}
    for i, c in enumerate(caches):
        groups.setdefault(tuple(cache_lengths(c)), []).append(i)
    out: list[list[int]] = [[] for _ in caches]
    for rows in groups.values():
        if len(rows) == 1:
            out[rows[0]] = greedy_decode(model, caches[rows[0]], first, start_pos, max_new, eos)
            continue
        for row, tokens in zip(
            rows,
            _decode_batch(
                model,
                stack_caches([caches[i] for i in rows]),
                len(rows),
                first,
                start_pos,
                max_new,
                eos,
            ),
            strict=True,
        ):
            out[row] = tokens
    return out


def _decode_batch(model, cache, batch, first, start_pos, max_new, eos) -> list[list[int]]:
    out: list[list[int]] = [[] for _ in range(batch)]
    live = [first not in eos] * batch
    cur = torch.full((batch, 1), first, dtype=torch.long, device=model.device)
    for step in range(max_new):
        tokens = cur[:, 0].tolist()
        for r in range(batch):
            if live[r]:
                if tokens[r] in eos:
                    live[r] = False
                else:
                    out[r].append(tokens[r])
        if not any(live) or step == max_new - 1:
            break
        logits = model(
            input_ids=cur,
            position_ids=torch.full((batch, 1), start_pos + step, device=model.device),
            past_key_values=cache,
            use_cache=True,
        ).logits
        cur = logits[:, -1].argmax(-1, keepdim=True)
    return out
