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

With a page size P > 1 the row keeps its page structure (position p sits at offset p % P of
its page): the shared prefix is whole pages (the radix cache matches whole pages), the copy
goes to freshly allocated whole pages, and in place only pages wholly past M are freed; the
last kept page's spare slots stay with the request for its next decoded tokens.
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


def copy_entries(
    kv_pool,
    req_to_token: torch.Tensor,
    row: int,
    shared_len: int,
    plan: KeepPlan,
    tail_len: int,
    dst: torch.Tensor | None = None,
) -> None:
    """Write each layer's and head's kept entries, then the ``tail_len`` tail, in every layer.

    Logical positions are relative to ``shared_len`` in ``req_to_token[row]``: plan indices
    index the own prompt part [0, plan.prompt_len), the tail follows it. ``dst`` None: in place,
    into the row's own first slots; ``dst`` (kept + tail_len,): fresh slots (``req_to_token`` is
    only read). One ``lkv_kernels.compact`` call moves every layer's K and V: the Triton kernel
    on a GPU (or with ``LKV_KERNELS=triton``), its torch reference otherwise.
    """
    import lkv_kernels

    stacked = plan.stacked()  # (L, Hkv, kept): the server's budgets are uniform
    layers, heads, kept = stacked.shape
    tail = torch.arange(plan.prompt_len, plan.prompt_len + tail_len, dtype=torch.int64)
    keep = torch.cat([stacked, tail.expand(layers, heads, tail_len)], -1)
    ascending = keep.shape[-1] < 2 or bool((keep[..., 1:] > keep[..., :-1]).all())  # host check
    ids = range(kv_pool.start_layer, kv_pool.start_layer + layers)
    k_bufs = [kv_pool.get_key_buffer(i) for i in ids]
    v_bufs = [kv_pool.get_value_buffer(i) for i in ids]
    device = k_bufs[0].device
    keep = keep[None].to(device)
    dst_slots = None if dst is None else dst.to(device=device, dtype=torch.int64)[None]
    k0, v0 = k_bufs[0], v_bufs[0]
    alike = k0.shape == v0.shape and k0.stride() == v0.stride() and k0.dtype == v0.dtype
    for bufs in [k_bufs + v_bufs] if alike else [k_bufs, v_bufs]:
        lkv_kernels.compact(
            bufs,
            req_to_token,
            [row],
            [shared_len],
            keep,
            [kept + tail_len],
            sorted_keep=ascending,
            dst_slots=dst_slots,
        )


def _round_up(n: int, page: int) -> int:
    return -(-n // page) * page


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


def compact_request(
    proc, req, plan: KeepPlan, shared_len: int, prompt_len: int
) -> Compaction | None:
    """Compact ``req``'s own prompt KV to ``plan`` (indices relative to position ``shared_len``).

    ``proc``: SGLang's batch-result processor (allocator, pools, tree, model worker). Returns None when nothing changed
    (no room for the copy); the request then keeps its full KV, which is always correct.
    """
    allocator, tree = proc.token_to_kv_pool_allocator, proc.tree_cache
    kv_pool = allocator.get_kvcache()
    r2t = proc.req_to_token_pool.req_to_token
    page = max(int(getattr(allocator, "page_size", 1) or 1), 1)
    row, kv_len = req.kv.req_pool_idx, req.kv.kv_committed_len
    slots = r2t[row, :kv_len].to(torch.int64).clone()
    tail_len = kv_len - prompt_len  # re-prefilled after a retraction, kept whole
    kept = plan.indices[0].shape[1]
    own = kept + tail_len
    new_len = shared_len + own
    tree_owned = req.kv.cache_protected_len > shared_len
    if shared_len % page:
        raise RuntimeError(f"shared prefix {shared_len} is not a multiple of the page size {page}")

    if tree_owned:
        # The request's lock still covers [0, L): eviction for this alloc cannot take it.
        # Whole pages: slot k of them lies at offset k % page, as position shared + k must.
        whole = _round_up(own, page)
        if allocator.available_size() < whole:
            allocator.evict_to_free_tokens(tree, whole)
        dst = allocator.alloc(whole)
        if dst is None:
            return None
        dst, mode = dst.to(torch.int64)[:own], "copy"
        copy_entries(kv_pool, r2t, row, shared_len, plan, tail_len, dst)
        # What the tree did not take is the request's own: with pages, the prompt's last partial
        # page (the tree holds whole pages only). Freed now that its entries were copied.
        tree_end = _round_up(req.kv.cache_protected_len, page)
        if tree_end < kv_len:
            allocator.free(slots[tree_end:kv_len])
        r2t[row, shared_len:new_len] = dst.to(r2t.dtype)
        r2t[row, new_len:kv_len] = 0
        if not _lock_shared_prefix(tree, req, shared_len):
            mode = "copy_prompt_locked"  # correct, but the unpruned prompt stays locked
        req.kv.cache_protected_len = shared_len
    else:
        copy_entries(kv_pool, r2t, row, shared_len, plan, tail_len)
        # Only pages wholly past the new length go back; the last kept page's free slots are
        # where the next decoded tokens go (the allocator continues a partly filled page).
        first_free = _round_up(new_len, page)
        if first_free < kv_len:
            allocator.free(slots[first_free:kv_len])
        r2t[row, new_len:kv_len] = 0
        mode = "in_place"
    req.skip_radix_cache_insert = True  # pruned KV must never be published under plain tokens
    req.kv.kv_committed_len = new_len
    req.kv.kv_allocated_len = new_len
    return Compaction(new_len, own, kv_len - new_len, mode)
