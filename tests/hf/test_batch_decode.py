"""Batched greedy decoding of several pruned caches gives each cache's own greedy tokens."""

import pytest
import torch

from lkv_sglang.core.policies import make_policy
from lkv_sglang.hf.batch_decode import greedy_decode_many, pad_caches, stack_caches
from lkv_sglang.hf.cache import cache_lengths, copy_cache, greedy_decode, prune_cache
from lkv_sglang.hf.generate import prefill
from lkv_sglang.hf.lora import attach_lookahead
from lkv_sglang.hf.observe import observe

N, NEW = 40, 9
UNIFORM = ("snapkv", "streamingllm", "random", "lookaheadkv")  # one budget in every layer


def plans(model, tok, la, budgets, names=UNIFORM):
    """Keep plans of several policies at several budgets over one random prompt."""
    ids = torch.randint(10, len(tok), (1, N), generator=torch.Generator().manual_seed(3))
    cache, first, win = prefill(model, ids, make_policy("snapkv"))
    attach_lookahead(model, la)
    out = []
    for name in names:
        pol = make_policy(name)
        obs = observe(model, pol, cache, N, first, min(budgets), set(), win, la, None)
        out += [pol.select(obs, b) for b in budgets]
    return cache, first, out


def one_by_one(model, cache, first, keep, eos=frozenset()):
    return [greedy_decode(model, prune_cache(cache, p), first, N, NEW, set(eos)) for p in keep]


def test_equal_budgets_stack(tiny):
    model, tok, la = tiny
    cache, first, keep = plans(model, tok, la, [8])
    many = greedy_decode_many(model, [prune_cache(cache, p) for p in keep], first, N, NEW, set())
    alone = one_by_one(model, cache, first, keep)
    assert many == alone
    assert len({tuple(t) for t in alone}) > 1  # the plans differ in what they decode


def test_budgets_of_one_batch_are_padded_and_masked(tiny):
    model, tok, la = tiny
    cache, first, keep = plans(model, tok, la, [8, 16, N])
    pruned = [prune_cache(cache, p) for p in keep]
    padded, mask = pad_caches(pruned)
    assert cache_lengths(padded) == [N] * len(cache.layers)
    assert mask.sum(1).tolist() == [8, 16, N] * len(UNIFORM)
    many = greedy_decode_many(model, pruned, first, N, NEW, set())
    assert many == one_by_one(model, cache, first, keep)


def test_per_layer_budgets_decode_by_shape(tiny):
    model, tok, la = tiny
    cache, first, keep = plans(model, tok, la, [8, 16], names=("pyramidkv", "snapkv"))
    assert len(set(cache_lengths(prune_cache(cache, keep[0])))) > 1  # PyramidKV: per layer
    many = greedy_decode_many(model, [prune_cache(cache, p) for p in keep], first, N, NEW, set())
    assert many == one_by_one(model, cache, first, keep)


def test_eos_stops_each_row_where_it_would_alone(tiny):
    model, tok, la = tiny
    cache, first, keep = plans(model, tok, la, [8, 16])
    alone = one_by_one(model, cache, first, keep)
    eos = {alone[0][3]}  # one row emits it mid-way: that row stops there, the others go on
    got = greedy_decode_many(model, [prune_cache(cache, p) for p in keep], first, N, NEW, eos)
    assert got == one_by_one(model, cache, first, keep, eos)
    assert len(got[0]) == 3 and any(len(t) > 3 for t in got)


def test_stacking_unequal_lengths_is_refused(tiny):
    model, tok, la = tiny
    cache, first, keep = plans(model, tok, la, [8, 16])
    with pytest.raises(ValueError, match="equal per-layer lengths"):
        stack_caches([prune_cache(cache, keep[0]), prune_cache(cache, keep[1])])
    assert stack_caches([copy_cache(cache)] * 2).layers[0].keys.shape[0] == 2
