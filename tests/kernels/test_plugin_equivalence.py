"""The kernels reproduce what the SGLang plugin computes in torch, call for call.

Scoring: ``sglang_plugin.lookahead_pass`` reads the prompt keys from the pool, appends the
lookahead tokens' own keys and calls the core's ``mean_attention`` per layer. Compaction:
``sglang_plugin.compact.copy_entries`` writes kept entries then the tail, in place or into fresh
slots. Here each is run beside the kernel launch the plugin would make instead.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import torch

from lkv_kernels.compact_triton import compact_kv
from lkv_kernels.score_triton import lookahead_scores
from lkv_sglang.core.attention import group_mean, mean_attention
from lkv_sglang.core.selection import select
from lkv_sglang.sglang_plugin.compact import copy_entries

LAYERS, HKV, DIM = 2, 2, 16


def fake_pool(bufs: list[torch.Tensor]) -> SimpleNamespace:
    """What ``copy_entries`` uses of ``MHATokenToKVPool``."""
    return SimpleNamespace(
        start_layer=0,
        get_key_buffer=lambda i: bufs[i],
        get_value_buffer=lambda i: bufs[LAYERS + i],
    )


@pytest.mark.parametrize("group", [1, 3])
def test_scores_match_the_plugin_pass(paged, group: int, device) -> None:
    gen = torch.Generator().manual_seed(0)
    prompt, t = 45, 6
    r2t, rows, pool = paged([prompt], 16, 48, gen)
    kb = torch.randn(pool, HKV, DIM, generator=gen).half().to(device)
    q = torch.randn(t, HKV * group, DIM, generator=gen).half().to(device)
    own = torch.randn(t, HKV, DIM, generator=gen).half().to(device)
    slots = r2t[rows[0], :prompt].long().to(device)
    keys = torch.cat([kb[slots], own]).transpose(0, 1)  # as lookahead_attention builds them
    plugin = group_mean(mean_attention(q.transpose(0, 1), keys, DIM**-0.5, prompt, prompt), HKV)
    got = lookahead_scores(q, kb, r2t.to(device), rows, [t], [prompt], [prompt], extra_k=own)
    torch.testing.assert_close(got[0], plugin, atol=1e-5, rtol=1e-3)


@pytest.mark.parametrize("mode", ["in_place", "copy"])
def test_compaction_matches_copy_entries(paged, mode: str, device) -> None:
    """Request: shared prefix 16 (the tree's), own prompt to 40, a re-prefilled tail to 43."""
    gen = torch.Generator().manual_seed(1)
    shared, prompt, kv_len, budget = 16, 40, 43, 9
    r2t, rows, pool = paged([kv_len], 16, 64, gen)
    r2t = r2t.to(device)
    extra = 16 if mode == "copy" else 0
    bufs = [
        torch.randn(pool + extra, HKV, DIM, generator=gen).to(device) for _ in range(2 * LAYERS)
    ]
    plan = select(torch.rand(LAYERS, HKV, prompt - shared, generator=gen), [budget] * LAYERS, HKV)
    slots = r2t[rows[0], :kv_len].long()
    src, tail = slots[shared:prompt], slots[prompt:kv_len]
    own = budget + tail.numel()
    dst = (
        torch.arange(pool, pool + own, device=device)
        if mode == "copy"
        else slots[shared : shared + own]
    )
    want = [b.clone() for b in bufs]
    copy_entries(fake_pool(want), plan, src, tail, dst)
    # The single launch the plugin would make: kept entries then the tail, as one ascending list.
    tail_pos = torch.arange(prompt - shared, kv_len - shared).expand(LAYERS, HKV, -1)
    keep = torch.cat([plan.stacked(), tail_pos], -1)[None].to(device)
    dst_slots = dst[None] if mode == "copy" else None
    compact_kv(bufs, r2t, rows, [shared], keep, [own], sorted_keep=True, dst_slots=dst_slots)
    assert all(torch.equal(g, w) for g, w in zip(bufs, want, strict=True))
