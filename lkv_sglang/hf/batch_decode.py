"""Greedy decoding of several pruned caches of one prompt in one batch.

An evaluation decodes the same prompt from many keep plans (policies x budgets); decoding them
one by one costs one forward per token per plan, which is Python- and launch-bound on a GPU.
Caches whose per-layer lengths are equal stack along the batch axis as they are; caches of one
length per layer but different budgets are zero-padded and the padding masked out (the
recorder's attention takes a key mask), so one forward per token serves them all. Each row's tokens
are those ``cache.greedy_decode`` gives for it alone, up to floating-point ties (a batched
matmul may round differently).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
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


def pad_caches(caches: list[DynamicCache]) -> tuple[DynamicCache, torch.Tensor]:
    """One cache of batch ``len(caches)``, each row's entries zero-padded at the front to the
    longest cache, and the (batch, longest) bool mask of real entries. Each cache must hold
    one length in every layer (one mask serves all layers). Positions are in the keys already
    (RoPE), so where an entry sits does not matter once padding is masked out."""
    lengths = [set(cache_lengths(c)) for c in caches]
    if any(len(n) != 1 for n in lengths):
        raise ValueError(f"caches to pad must hold one length in every layer, got {lengths}")
    sizes = [n.pop() for n in lengths]
    width = max(sizes)
    like = caches[0].layers[0].keys
    mask = torch.zeros(len(caches), width, dtype=torch.bool, device=like.device)
    for r, size in enumerate(sizes):
        mask[r, width - size :] = True

    def pads(n: int) -> tuple[int, int, int, int]:
        return (0, 0, width - n, 0)  # (head_dim: none, entries: width - n in front)

    out = DynamicCache()
    for i in range(len(caches[0].layers)):
        pairs = zip(caches, sizes, strict=True)
        keys, values = zip(
            *[
                (F.pad(c.layers[i].keys, pads(n)), F.pad(c.layers[i].values, pads(n)))
                for c, n in pairs
            ],
            strict=True,
        )
        out.update(torch.cat(keys), torch.cat(values), i)
    return out, mask


@torch.no_grad()
def greedy_decode_many(
    model,
    caches: list[DynamicCache],
    first: int,
    start_pos: int,
    max_new: int,
    eos: set[int],
) -> list[list[int]]:
    """``greedy_decode`` of each cache (all from token ``first`` at ``start_pos``) in one batch;
    the caches are consumed. Caches of equal per-layer lengths stack as they are; otherwise
    each cache must hold one length in every layer (uniform budgets) and shorter ones are
    padded and masked. Returns one token list per cache, in order."""
    if len(caches) == 1:
        return [greedy_decode(model, caches[0], first, start_pos, max_new, eos)]
    if len({tuple(cache_lengths(c)) for c in caches}) == 1:
        return _decode_batch(model, stack_caches(caches), None, first, start_pos, max_new, eos)
    if any(len(set(cache_lengths(c))) != 1 for c in caches):
        # per-layer budgets (PyramidKV): one batch per shape, no padding
        groups: dict[tuple[int, ...], list[int]] = {}
        for i, c in enumerate(caches):
            groups.setdefault(tuple(cache_lengths(c)), []).append(i)
        out: list[list[int]] = [[] for _ in caches]
        for rows in groups.values():
            tokens = greedy_decode_many(
                model, [caches[i] for i in rows], first, start_pos, max_new, eos
            )
            for row, t in zip(rows, tokens, strict=True):
                out[row] = t
        return out
    cache, mask = pad_caches(caches)
    return _decode_batch(model, cache, mask, first, start_pos, max_new, eos)


def _decode_batch(model, cache, mask, first, start_pos, max_new, eos) -> list[list[int]]:
    batch = cache.layers[0].keys.shape[0]
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
        extra = {}
        if mask is not None:
            mask = torch.cat([mask, mask.new_ones(batch, 1)], dim=1)
            extra["lkv_key_mask"] = mask[:, None, None, :]  # (batch, heads, query, keys)
        logits = model(
            input_ids=cur,
            position_ids=torch.full((batch, 1), start_pos + step, device=model.device),
            past_key_values=cache,
            use_cache=True,
            **extra,
        ).logits
        cur = logits[:, -1].argmax(-1, keepdim=True)
    return out
