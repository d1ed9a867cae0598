"""The Triton compaction kernel equals its torch reference, bit for bit, and moves only own slots.

Copies are exact (raw integer moves), so the tolerance is equality in every dtype.
"""

from __future__ import annotations

import pytest
import torch

from lkv_kernels import compact_kv_ref, pad_keep
from lkv_kernels.compact_triton import compact_kv

LAYERS, HEADS, DIM = 2, 3, 8


def plan(own: int, budget: int, order: str, gen: torch.Generator) -> torch.Tensor:
    """(LAYERS, HEADS, budget) kept own-part positions: ascending, shuffled or reversed."""
    out = torch.empty(LAYERS, HEADS, budget, dtype=torch.int64)
    for layer in range(LAYERS):
        for h in range(HEADS):
            idx = torch.randperm(own, generator=gen)[:budget].sort().values
            if order == "shuffled":
                idx = idx[torch.randperm(budget, generator=gen)]
            elif order == "reversed":
                idx = idx.flip(0)
            out[layer, h] = idx
    return out


def setup(paged, page: int, dtype: torch.dtype, order: str, device: torch.device, seed: int = 0):
    """Three requests: a protected prefix, a prompt shorter than the budget (kept whole), ragged."""
    gen = torch.Generator().manual_seed(seed)
    lens, prot, budget = [45, 12, 40], [16, 0, 5], [20, 12, 30]  # request 1: own 12 <= budget
    r2t, rows, pool = paged(lens, page, 64, gen)
    plans = [plan(n - p, b, order, gen) for n, p, b in zip(lens, prot, budget, strict=True)]
    plans[1] = torch.arange(12).expand(LAYERS, HEADS, 12).clone()  # prompt shorter than budget
    keep, budgets = pad_keep(plans, device=device)
    bufs = [
        torch.randn(pool, HEADS, DIM, generator=gen).to(dtype).to(device) for _ in range(2 * LAYERS)
    ]
    return bufs, r2t.to(device), rows, prot, keep, budgets, lens


def expected(bufs, r2t, rows, prot, keep, budgets) -> list[torch.Tensor]:
    """What every buffer must hold afterwards, computed from an untouched copy."""
    out = [b.clone() for b in bufs]
    for b in range(keep.shape[0]):
        row, p = r2t[rows[b]].long(), prot[b]
        for i, buf in enumerate(bufs):
            n = int(budgets[b, i % LAYERS])
            for h in range(HEADS):
                out[i][row[p : p + n], h] = buf[row[p + keep[b, i % LAYERS, h, :n]], h]
    return out


@pytest.mark.parametrize("dtype", [torch.float32, torch.float16, torch.bfloat16])
@pytest.mark.parametrize("page", [1, 16])
@pytest.mark.parametrize("order", ["ascending", "shuffled", "reversed"])
def test_kernel_equals_reference(paged, page: int, dtype: torch.dtype, order: str, device) -> None:
    bufs, r2t, rows, prot, keep, budgets, _ = setup(paged, page, dtype, order, device)
    want = expected(bufs, r2t, rows, prot, keep, budgets)
    ref = [b.clone() for b in bufs]
    compact_kv_ref(ref, r2t, rows, prot, keep, budgets)
    got = [b.clone() for b in bufs]
    compact_kv(got, r2t, rows, prot, keep, budgets)  # sortedness detected
    for g, r, w in zip(got, ref, want, strict=True):
        assert torch.equal(r, w)
        assert torch.equal(g, w)
    # Everything outside each request's first `budget` own slots is untouched (prefix included).
    written = torch.zeros(bufs[0].shape[0], dtype=torch.bool, device=device)
    for b, p in enumerate(prot):
        written[r2t[rows[b], p : p + int(budgets[b].max())].long()] = True
    for g, orig in zip(got, bufs, strict=True):
        assert torch.equal(g[~written], orig[~written])


def test_sorted_in_place_path_on_overlap(paged, device) -> None:
    """Strictly ascending lists with sources ahead of destinations, without scratch."""
    bufs, r2t, rows, prot, keep, budgets, lens = setup(
        paged, 16, torch.float32, "ascending", device, 1
    )
    want = expected(bufs, r2t, rows, prot, keep, budgets)
    own = [n - p for n, p in zip(lens, prot, strict=True)]
    compact_kv(bufs, r2t, rows, prot, keep, budgets, sorted_keep=True, own_len=own, block_k=4)
    assert all(torch.equal(g, w) for g, w in zip(bufs, want, strict=True))


def test_per_layer_budgets_and_data_ptrs(paged, device) -> None:
    bufs, r2t, rows, prot, keep, budgets, _ = setup(paged, 1, torch.float16, "shuffled", device, 2)
    budgets = budgets.clone()
    budgets[0, 1] = 7  # layer 1 of request 0 keeps fewer (pyramid-style budgets)
    want = expected(bufs, r2t, rows, prot, keep, budgets)
    ptrs = torch.tensor([b.data_ptr() for b in bufs], dtype=torch.int64, device=device)
    compact_kv(bufs, r2t, rows, prot, keep, budgets, data_ptrs=ptrs)
    assert all(torch.equal(g, w) for g, w in zip(bufs, want, strict=True))


def test_budget_covering_the_prompt_changes_nothing(paged, device) -> None:
    bufs, r2t, rows, _, _, _, _ = setup(paged, 16, torch.float32, "ascending", device, 3)
    keep = torch.arange(30, device=device).expand(1, LAYERS, HEADS, 30).contiguous()
    orig = [b.clone() for b in bufs]
    compact_kv(bufs, r2t, rows[:1], [10], keep, [30], own_len=[30])
    assert all(torch.equal(g, o) for g, o in zip(bufs, orig, strict=True))


@pytest.mark.parametrize(
    ("change", "match"),
    [
        (dict(keep=torch.zeros(3, 2, 4, 30, dtype=torch.int64)), "4 heads"),
        (dict(budgets=[20, 12, 31]), "exceeds keep's last dim"),
        (dict(protected_len=[16, 0, 40]), "exceeds max_ctx"),
        (dict(req_rows=[0, 1]), "2 entries, expected 3"),
        (dict(keep=torch.zeros(3, 2, 3, 30, dtype=torch.float32)), "keep dtype"),
        (dict(own_len=[10, 12, 35]), "outside \\[0, 10\\)"),
    ],
)
def test_launcher_rejects_bad_arguments(paged, change: dict, match: str) -> None:
    bufs, r2t, rows, prot, keep, budgets, _ = setup(
        paged, 1, torch.float32, "ascending", torch.device("cpu")
    )
    kw = dict(
        buffers=bufs,
        req_to_token=r2t,
        req_rows=rows,
        protected_len=prot,
        keep=keep,
        budgets=budgets,
    )
    with pytest.raises((ValueError, TypeError), match=match):
        compact_kv(**(kw | change))


def test_buffers_must_match(paged) -> None:
    bufs, r2t, rows, prot, keep, budgets, _ = setup(
        paged, 1, torch.float32, "ascending", torch.device("cpu")
    )
    bufs[3] = bufs[3].half()
    with pytest.raises(ValueError, match="buffers\\[3\\]"):
        compact_kv(bufs, r2t, rows, prot, keep, budgets)


@pytest.mark.parametrize("order", ["ascending", "shuffled"])
def test_copy_into_fresh_slots(paged, order: str, device) -> None:
    """Copy mode: kept entries plus a whole tail go to new slots; the old ones are only read."""
    bufs, r2t, rows, prot, keep, budgets, lens = setup(paged, 16, torch.float16, order, device, 4)
    pool = bufs[0].shape[0]
    tail = torch.arange(25, 29, device=device).expand(1, LAYERS, HEADS, 4)  # own positions past N
    keep = torch.cat([keep[:1, :, :, :20], tail], -1).contiguous()  # request 0: 20 kept + 4 tail
    bufs = [torch.cat([b, torch.zeros_like(b[:24])]) for b in bufs]  # room for fresh slots
    fresh = (pool + torch.randperm(24, generator=torch.Generator().manual_seed(0))).to(device)
    row = r2t[rows[0]].long()
    want = [b.clone() for b in bufs]
    for i, buf in enumerate(bufs):
        for h in range(HEADS):
            want[i][fresh, h] = buf[row[16 + keep[0, i % LAYERS, h]], h]
    ref = [b.clone() for b in bufs]
    compact_kv_ref(ref, r2t, rows[:1], [16], keep, [24], dst_slots=fresh[None])
    compact_kv(bufs, r2t, rows[:1], [16], keep, [24], dst_slots=fresh[None].int())
    assert all(
        torch.equal(g, w) and torch.equal(r, w) for g, r, w in zip(bufs, ref, want, strict=True)
    )
