"""The SGLang plugin's scoring and compaction steps give the same result through the Triton
kernels (``LKV_KERNELS=triton``: the interpreter on CPU, native on a GPU) as through the torch
references, and both equal a plain gather written out here.

Scoring: ``lookahead_pass.layer_scores`` (one layer of the lookahead pass); the oracle gathers the
prompt keys from the pool, appends the lookahead tokens' own keys and takes the core's
``mean_attention`` then the GQA group mean. Compaction: ``compact.copy_entries`` (kept entries,
then a re-prefilled tail, in place or into fresh slots); the oracle copies per layer and head.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import torch

import lkv_kernels
from lkv_sglang.core.attention import group_mean, mean_attention
from lkv_sglang.core.plan import KeepPlan
from lkv_sglang.core.selection import select
from lkv_sglang.sglang_plugin.compact import copy_entries
from lkv_sglang.sglang_plugin.lookahead_pass import layer_scores

LAYERS, HKV, DIM = 2, 2, 16
BACKENDS = ["torch", "triton"]


def fake_pool(bufs: list[torch.Tensor]) -> SimpleNamespace:
    """What ``copy_entries`` uses of ``MHATokenToKVPool``."""
    return SimpleNamespace(
        start_layer=0,
        get_key_buffer=lambda i: bufs[i],
        get_value_buffer=lambda i: bufs[LAYERS + i],
    )


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("group", [1, 3])
@pytest.mark.parametrize("page", [1, 16])
def test_plugin_scores_match_a_plain_gather(paged, group, page, backend, device, monkeypatch):
    """A ragged batch of three requests (one shorter than the others), scored in one call."""
    monkeypatch.setenv("LKV_KERNELS", backend)
    gen = torch.Generator().manual_seed(group + page)
    prompts, t = [45, 12, 30], 6
    r2t, rows, pool = paged(prompts, page, 48, gen)
    r2t = r2t.to(device)
    kb = torch.randn(pool, HKV, DIM, generator=gen).to(device)
    q = torch.randn(t * len(prompts), HKV * group, DIM, generator=gen).to(device)
    own = torch.randn(t * len(prompts), HKV, DIM, generator=gen).to(device)
    slots = [r2t[r, :n].long() for r, n in zip(rows, prompts, strict=True)]
    sb = lkv_kernels.score_batch(
        r2t, rows, [t] * 3, prompts, prompts, scale=DIM**-0.5, extra_keys=True
    )
    got = layer_scores(sb, q, own, kb, r2t, slots, DIM**-0.5)
    got_cast = layer_scores(sb, q, own, kb.half(), r2t, slots, DIM**-0.5)  # e.g. an fp8 cache
    assert got.shape == got_cast.shape == (3, HKV, max(prompts))
    for b, n in enumerate(prompts):
        mine = slice(b * t, (b + 1) * t)
        qb = q[mine].transpose(0, 1)
        keys = torch.cat([kb[slots[b]], own[mine]]).transpose(0, 1)
        want = group_mean(mean_attention(qb, keys, DIM**-0.5, n, n), HKV)
        torch.testing.assert_close(got[b, :, :n], want, atol=1e-5, rtol=1e-3)
        assert not got[b, :, n:].any()  # padding past the request's prompt
        # A cache stored in another dtype is gathered and cast instead of read by the kernel.
        keys_cast = torch.cat([kb[slots[b]].half().float(), own[mine]]).transpose(0, 1)
        want_cast = group_mean(mean_attention(qb, keys_cast, DIM**-0.5, n, n), HKV)
        torch.testing.assert_close(got_cast[b, :, :n], want_cast)
        assert not got_cast[b, :, n:].any()


def expected_copy(bufs, plan: KeepPlan, src, tail, dst) -> None:
    """Per layer and head: kept entries then the tail, gathered before writing."""
    for layer, idx in enumerate(plan.indices):
        heads = torch.arange(idx.shape[0])[:, None]
        src_slots = torch.cat([src[idx], tail.expand(idx.shape[0], -1)], dim=1)
        for buf in (bufs[layer], bufs[LAYERS + layer]):
            buf[dst[None, :], heads] = buf[src_slots, heads].clone()


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("mode", ["in_place", "copy", "in_place_unsorted"])
@pytest.mark.parametrize("page", [1, 16])
def test_plugin_compaction_matches_a_plain_copy(paged, mode, page, backend, device, monkeypatch):
    """Request: shared prefix 16 (the tree's), own prompt to 40, a re-prefilled tail to 43."""
    monkeypatch.setenv("LKV_KERNELS", backend)
    gen = torch.Generator().manual_seed(1 + page)
    shared, prompt, kv_len, budget = 16, 40, 43, 9
    r2t, rows, pool = paged([kv_len], page, 64, gen)
    extra = 16 if mode == "copy" else 0
    bufs = [torch.randn(pool + extra, HKV, DIM, generator=gen) for _ in range(2 * LAYERS)]
    plan = select(torch.rand(LAYERS, HKV, prompt - shared, generator=gen), [budget] * LAYERS, HKV)
    if mode == "in_place_unsorted":  # any order is a valid plan; the kernel then uses scratch
        perm = torch.randperm(budget, generator=gen)
        plan = KeepPlan(plan.prompt_len, tuple(idx[:, perm] for idx in plan.indices))
    slots = r2t[rows[0], :kv_len].long()
    src, tail = slots[shared:prompt], slots[prompt:kv_len]
    own = budget + tail.numel()
    dst = torch.arange(pool, pool + own) if mode == "copy" else slots[shared : shared + own]
    want = [b.clone() for b in bufs]
    expected_copy(want, plan, src, tail, dst)
    got = [b.to(device) for b in bufs]
    copy_entries(fake_pool(got), r2t.to(device), rows[0], shared, plan, tail.numel(),
                 dst if mode == "copy" else None)  # fmt: skip
    assert all(torch.equal(g.cpu(), w) for g, w in zip(got, want, strict=True))
    assert torch.equal(got[0][slots[:shared]].cpu(), bufs[0][slots[:shared]])  # the tree's prefix


def attention_by_hand(q, keys, values, scale):
    """q (T, Hq, D) at positions N..N+T-1 over keys/values (N + T, Hkv, D), causal, in float64."""
    t, hq, _ = q.shape
    group = hq // keys.shape[1]
    k = keys.double().repeat_interleave(group, 1).transpose(0, 1)  # (Hq, K, D)
    v = values.double().repeat_interleave(group, 1).transpose(0, 1)
    logits = q.double().transpose(0, 1) @ k.transpose(1, 2) * scale  # (Hq, T, K)
    n = keys.shape[0] - t
    visible = torch.arange(keys.shape[0])[None, :] <= (n + torch.arange(t))[:, None]
    out = logits.masked_fill(~visible.to(q.device), float("-inf")).softmax(-1) @ v
    return out.transpose(0, 1).reshape(t, -1)


@pytest.mark.parametrize("group", [1, 3, 7])
def test_lookahead_attention_output_cpu(group):
    """The pass's attention output (torch path on this CPU) equals a float64 computation."""
    from lkv_sglang.sglang_plugin.lookahead_pass import attend_nhd

    gen = torch.Generator().manual_seed(group)
    q = torch.randn(5, 2 * group, DIM, generator=gen)
    keys, values = torch.randn(2, 30, 2, DIM, generator=gen)
    got = attend_nhd(q, keys, values, DIM**-0.5)
    torch.testing.assert_close(
        got.double(), attention_by_hand(q, keys, values, DIM**-0.5), atol=1e-5, rtol=1e-4
    )


@pytest.mark.parametrize("key_chunk", [1, 7, 64, 4096])
def test_lookahead_attention_output_in_key_chunks(key_chunk):
    """The running-softmax key chunks give the one-pass result, whatever the chunk size."""
    from lkv_sglang.sglang_plugin.lookahead_pass import attend

    gen = torch.Generator().manual_seed(key_chunk)
    q = torch.randn(6, 5, DIM, generator=gen)  # Hq 6 over 2 KV heads
    keys, values = torch.randn(2, 2, 90, DIM, generator=gen)
    got = attend(q, keys, values, DIM**-0.5, query_start=85, key_chunk=key_chunk)
    want = attention_by_hand(
        q.transpose(0, 1), keys.transpose(0, 1), values.transpose(0, 1), DIM**-0.5
    )
    torch.testing.assert_close(got.double(), want, atol=1e-5, rtol=1e-4)


@pytest.mark.skipif(not lkv_kernels.flashinfer_enabled(), reason="needs a CUDA GPU with flashinfer")
@pytest.mark.parametrize("group", [1, 7])
def test_lookahead_attention_output_flashinfer(group):
    """On a GPU the pass's attention output comes from FlashInfer; it must equal the torch path."""
    from lkv_sglang.sglang_plugin.lookahead_pass import attend_nhd

    gen = torch.Generator().manual_seed(group)
    q = torch.randn(32, 4 * group, 128, generator=gen).half().cuda()
    keys, values = torch.randn(2, 2000, 4, 128, generator=gen).half().cuda()
    got = attend_nhd(q, keys, values, 128**-0.5)
    want = attention_by_hand(q, keys, values, 128**-0.5)
    torch.testing.assert_close(got.double(), want, atol=2e-3, rtol=2e-2)
