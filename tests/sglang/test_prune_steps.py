"""The plugin's pruning steps on fakes of SGLang's objects (no server): a copy that finds no free
slots leaves the request whole and says why; tensor-parallel ranks agree before compacting."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import torch

from lkv_sglang.core.plan import KeepPlan
from lkv_sglang.sglang_plugin import lifecycle
from lkv_sglang.sglang_plugin.compact import NoRoom, compact_request

pytestmark = pytest.mark.sglang


class Allocator:
    """A pool with ``free_slots`` slots that the tree cannot make more of."""

    page_size = 1

    def __init__(self, free_slots: int, pool) -> None:
        self.free_slots, self.pool, self.freed = free_slots, pool, []

    def available_size(self) -> int:
        return self.free_slots

    def evict_to_free_tokens(self, tree, n: int) -> None:
        pass  # nothing evictable

    def alloc(self, n: int):
        return None if n > self.free_slots else torch.arange(100, 100 + n)

    def free(self, slots) -> None:
        self.freed.append(slots)

    def get_kvcache(self):
        return self.pool


def request(n: int, protected: int) -> SimpleNamespace:
    kv = SimpleNamespace(
        req_pool_idx=0, kv_committed_len=n, kv_allocated_len=n, cache_protected_len=protected
    )
    return SimpleNamespace(kv=kv, skip_radix_cache_insert=False, origin_input_ids=list(range(n)))


def test_no_free_slot_for_the_copy_leaves_the_request_whole():
    n, budget = 40, 8
    bufs = [torch.randn(200, 2, 4) for _ in range(2)]
    pool = SimpleNamespace(
        start_layer=0,
        layer_num=1,
        get_key_buffer=lambda i: bufs[0],
        get_value_buffer=lambda i: bufs[1],
    )
    r2t = torch.arange(200).reshape(1, 200).clone()
    owner = SimpleNamespace(
        token_to_kv_pool_allocator=Allocator(3, pool),
        req_to_token_pool=SimpleNamespace(req_to_token=r2t),
        tree_cache=None,
    )
    req = request(n, protected=n)  # the tree took the unpruned prompt: compaction must copy
    plan = KeepPlan(n, (torch.arange(budget).expand(2, budget).clone(),))
    before = [b.clone() for b in bufs]
    with pytest.raises(NoRoom, match="need 8 free KV slots and the pool has 3"):
        compact_request(owner, req, plan, 0, n)
    assert req.kv.kv_committed_len == n and req.kv.cache_protected_len == n
    assert not req.skip_radix_cache_insert and torch.equal(r2t, torch.arange(200).reshape(1, 200))
    assert all(torch.equal(a, b) for a, b in zip(bufs, before, strict=True))
    assert owner.token_to_kv_pool_allocator.freed == []


def test_ranks_agree_before_compacting(monkeypatch):
    """A request this rank planned but another rank could not is left whole here too."""
    import sglang.srt.distributed as dist
    import sglang.srt.runtime_context as ctx

    monkeypatch.setattr(ctx, "get_parallel", lambda: SimpleNamespace(tp_size=2, tp_rank=0))
    other_rank = torch.tensor([1, 0, 0], dtype=torch.int32)  # it planned the first one only
    monkeypatch.setattr(dist, "tensor_model_parallel_all_reduce", lambda t: t + other_rank)
    buf = torch.zeros(4)
    owner = SimpleNamespace(
        token_to_kv_pool_allocator=SimpleNamespace(
            get_kvcache=lambda: SimpleNamespace(start_layer=0, get_key_buffer=lambda i: buf)
        )
    )
    prunes = [SimpleNamespace(keep=k, failed=None) for k in ("plan", "plan", None)]
    for p in prunes:
        p.fail = lambda error, p=p: setattr(p, "failed", error) or setattr(p, "keep", None)
    lifecycle.agree_across_ranks(owner, prunes)
    assert prunes[0].keep == "plan" and prunes[0].failed is None
    assert prunes[1].keep is None and "another tensor-parallel rank" in prunes[1].failed
    assert prunes[2].failed is None  # never planned here: nothing to take back
