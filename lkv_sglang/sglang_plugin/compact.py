"""Physically compact one request's own prompt KV to its kept entries and give the rest back.

Layout of the request's ``req_to_token`` row after its last prefill chunk (L = KV length, N =
prompt length, P = prefix matched from the radix cache at admission, owned by the tree):

    [0, P) shared prefix (never touched) | [P, N) own prompt | [N, L) tokens re-prefilled
                                                                     after a retraction

Per layer and KV head the kept own-prompt entries are copied, in the plan's order, into the
same ``kept`` slots, followed by the [N, L) tail; one row then serves every layer and head
(keys are stored after RoPE and attention ignores key order). The new KV length is
M = P + kept + (L - N). Two ways, by who owns [P, L) after SGLang's post-prefill checkpoint:

* the radix tree (it inserted the unpruned prompt): fresh slots are allocated for the kept
  entries, the request's tree lock moves back to the shared prefix, and the unpruned [P, L)
  stays in the tree as evictable cache (later requests still hit it; it is reclaimed under
  pressure) -- the pruned KV itself is never published;
* the request (radix cache off, or the request may not be inserted): compacted in place into
  its first slots and the rest freed to the allocator.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from ..core.plan import KeepPlan


@dataclass(frozen=True)
class Compaction:
    """What one compaction did. ``own_slots``: slots the request now owns past the shared prefix;
    ``released``: prompt slots it no longer holds (freed, or left to the tree as evictable)."""

    kv_len: int
    own_slots: int
    released: int
    mode: str  # "copy" (tree kept the unpruned prompt) or "in_place"


def copy_entries(kv_pool, plan: KeepPlan, src: torch.Tensor, tail: torch.Tensor, dst: torch.Tensor) -> None:
    """Write kept entries, then the tail, into ``dst`` in every layer.

    src: (N_own,) slots of the own prompt part (plan indices index it); tail: (T,) slots kept
    whole; dst: (kept + T,) slots. Source rows are gathered before writing (overlap is safe).
    """
    kept = plan.indices[0].shape[1]
    for layer, idx in enumerate(plan.indices):
        lid = kv_pool.start_layer + layer
        heads = torch.arange(idx.shape[0])[:, None]  # (Hkv, 1)
        src_slots = torch.cat([src[idx], tail.expand(idx.shape[0], -1)], dim=1)  # (Hkv, kept + T)
        for buf in (kv_pool.get_key_buffer(lid), kv_pool.get_value_buffer(lid)):
            rows = buf[src_slots, heads]  # (Hkv, kept + T, D): a copy
            buf[dst[None, :], heads] = rows
    assert dst.numel() == kept + tail.numel()


def _lock_shared_prefix(tree_cache, req, shared_len: int):
    """Move the request's tree lock from the whole prompt back to its shared prefix.

    Returns True when done; False leaves the old lock (the prompt stays locked: correct, it
    only keeps more memory).
    """
    from sglang.srt.mem_cache.base_prefix_cache import MatchPrefixParams
    from sglang.srt.mem_cache.radix_cache import RadixKey

    key = RadixKey(req.origin_input_ids[:shared_len], req.extra_key, cache_salt=req.cache_salt)
    match = tree_cache.match_prefix(MatchPrefixParams(key=key))
    if match.device_prefix_len != shared_len:
        return False
    lock = tree_cache.lock(match.last_device_node) if shared_len > 0 else None
    tree_cache.unlock(req.lock)
    req.lock = lock
    req.last_node = match.last_device_node
    return True


def compact_request(proc, req, plan: KeepPlan, shared_len: int, prompt_len: int) -> Compaction | None:
    """Compact ``req``'s own prompt KV to ``plan`` (indices relative to position ``shared_len``).

    ``proc``: SGLang's batch-result processor (allocator, pools, tree, model worker). Returns None when nothing changed
    (no room for the copy); the request then keeps its full KV, which is always correct.
    """
    allocator, tree = proc.token_to_kv_pool_allocator, proc.tree_cache
    kv_pool = allocator.get_kvcache()
    r2t = proc.req_to_token_pool.req_to_token
    row, kv_len = req.kv.req_pool_idx, req.kv.kv_committed_len
    slots = r2t[row, :kv_len].to(torch.int64).clone()
    src, tail = slots[shared_len:prompt_len], slots[prompt_len:kv_len]
    kept = plan.indices[0].shape[1]
    own = kept + tail.numel()
    new_len = shared_len + own
    tree_owned = req.kv.cache_protected_len > shared_len

    if tree_owned:
        # The request's lock still covers [0, L): eviction for this alloc cannot take it.
        if allocator.available_size() < own:
            allocator.evict_to_free_tokens(tree, own)
        dst = allocator.alloc(own)
        if dst is None:
            return None
        dst, mode = dst.to(torch.int64), "copy"
        copy_entries(kv_pool, plan, src, tail, dst)
        r2t[row, shared_len:new_len] = dst.to(r2t.dtype)
        r2t[row, new_len:kv_len] = 0
        if not _lock_shared_prefix(tree, req, shared_len):
            mode = "copy_prompt_locked"  # correct, but the unpruned prompt stays locked
        req.kv.cache_protected_len = shared_len
    else:
        dst = slots[shared_len:new_len]
        copy_entries(kv_pool, plan, src, tail, dst)
        allocator.free(slots[new_len:kv_len])
        r2t[row, new_len:kv_len] = 0
        mode = "in_place"
    req.skip_radix_cache_insert = True  # pruned KV must never be published under plain tokens
    req.kv.kv_committed_len = new_len
    req.kv.kv_allocated_len = new_len
    return Compaction(new_len, own, kv_len - new_len, mode)
