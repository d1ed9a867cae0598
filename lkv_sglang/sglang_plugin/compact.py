"""Physically compact one request's prompt KV to its kept entries and give the rest back.

Layout of the request's ``req_to_token`` row after its last prefill chunk (L = KV length, N =
prompt length, P = prefix matched from the radix cache at admission, owned by the tree):

    [0, P) matched prefix (tree slots) | [P, N) own prompt | [N, L) tokens re-prefilled
                                                               after a retraction

The kept set is chosen over [S, N): S = 0 for scope "prompt" (the whole prompt: kept entries
may come from the matched prefix, whose slots are read, never written), S = P for scope
"suffix" (the prefix stays in the row, shared). Per layer and KV head the kept entries are
copied, in the plan's order, into the same ``kept`` slots after S, followed by the [N, L) tail;
one row then serves every layer and head (keys are stored after RoPE and attention ignores key
order). The new KV length is M = S + kept + (L - N). Two ways, by who owns the row past S:

* the radix tree (it inserted the unpruned prompt, or a prefix past S was matched): fresh slots
  are allocated for the kept entries, the request's tree lock moves back to [0, S) (none at all
  for S = 0), so the unpruned prompt stays in the tree as evictable cache (later requests still
  hit it; it is reclaimed under pressure) -- the pruned KV itself is never published -- and
  slots the tree does not hold (a prompt never inserted, a last partial page) are freed;
* the request (radix cache off, no prefix past S, or the request may not be inserted):
  compacted in place into its first slots and the rest freed to the allocator.

With a page size P > 1 the row keeps its page structure (position p sits at offset p % P of
its page): the shared prefix is whole pages (the radix cache matches whole pages), the copy
goes to freshly allocated whole pages, and in place only pages wholly past M are freed; the
last kept page's spare slots stay with the request for its next decoded tokens.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import torch

from ..core.plan import KeepPlan
from . import sglang_view as sv

ENV_FAIL = "LKV_SGLANG_FAIL_COMPACTION"  # "1": every compaction raises (tests only)


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

    if os.environ.get(ENV_FAIL) == "1":  # fault injection for tests: before anything is written
        raise RuntimeError(f"{ENV_FAIL}=1: injected compaction failure")
    stacked = plan.stacked()  # (L, Hkv, kept): the server's budgets are uniform
    layers, heads, kept = stacked.shape
    tail = torch.arange(
        plan.prompt_len, plan.prompt_len + tail_len, dtype=torch.int64, device=stacked.device
    )
    keep = torch.cat([stacked, tail.expand(layers, heads, tail_len)], -1)
    host = keep.cpu()  # a host-side decision that reads values: explicitly on the CPU
    ascending = host.shape[-1] < 2 or bool((host[..., 1:] > host[..., :-1]).all())
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


class NoRoom(RuntimeError):
    """The kept entries need fresh slots and the pool has none (the request stays whole)."""


def _lock_prefix(tree_cache, req, start: int) -> bool:
    """Move the request's tree lock from the whole prompt back to its first ``start`` tokens
    (none when ``start`` is 0: the prefix nodes become evictable cache).

    Returns True when done; False leaves the old lock (the prompt stays locked: correct, it
    only keeps more memory).
    """
    from sglang.srt.mem_cache.base_prefix_cache import MatchPrefixParams

    match = tree_cache.match_prefix(MatchPrefixParams(key=sv.radix_key(req, start)))
    if match.device_prefix_len != start:
        return False
    lock = tree_cache.lock(match.last_device_node) if start > 0 else None
    tree_cache.unlock(sv.tree_lock(req))
    sv.set_tree_lock(req, lock, match.last_device_node)
    return True


def compact_request(proc, req, plan: KeepPlan, start: int, prompt_len: int) -> Compaction:
    """Compact ``req``'s prompt KV [start, N) to ``plan`` (indices relative to ``start``).

    ``start``: 0 (scope "prompt": kept entries may come from a matched prefix, which is read,
    never written) or the matched prefix's end (scope "suffix": the prefix stays in the row).
    ``proc``: SGLang's batch-result processor (allocator, pools, tree). Raises ``NoRoom`` before
    anything changed when the copy finds no free slots; the request then keeps its full KV.
    """
    allocator, tree = sv.allocator(proc), sv.tree(proc)
    kv_pool, r2t = sv.kv_pool(proc), sv.req_to_token(proc)
    page = sv.page_size(allocator)
    row, kv_len, protected = sv.pool_row(req), sv.kv_len(req), sv.protected_len(req)
    slots = r2t[row, :kv_len].to(torch.int64).clone()
    tail_len = kv_len - prompt_len  # re-prefilled after a retraction, kept whole
    kept = plan.indices[0].shape[1]
    own = kept + tail_len
    new_len = start + own
    if start % page:
        raise RuntimeError(f"kept-set start {start} is not a multiple of the page size {page}")

    if protected > start:
        # The tree owns [0, protected): entries there are read, never overwritten. The request's
        # lock still covers them, so eviction for this alloc cannot take them.
        # Whole pages: slot k of them lies at offset k % page, as position start + k must.
        whole = _round_up(own, page)
        if allocator.available_size() < whole:
            allocator.evict_to_free_tokens(tree, whole)
        dst = allocator.alloc(whole)
        if dst is None:
            raise NoRoom(
                f"the kept entries need {whole} free KV slots and the pool has "
                f"{allocator.available_size()}: the request keeps its full prompt"
            )
        try:
            copy_entries(kv_pool, r2t, row, start, plan, tail_len, dst.to(torch.int64)[:own])
        except Exception:
            allocator.free(dst)  # nothing of the request changed: give the fresh pages back
            raise
        dst, mode = dst.to(torch.int64)[:own], "copy"
        # What the tree does not hold is the request's own and goes back now that its entries
        # were copied: the prompt when it was never inserted, or its last partial page.
        tree_end = _round_up(protected, page)
        if tree_end < kv_len:
            allocator.free(slots[tree_end:kv_len])
        r2t[row, start:new_len] = dst.to(r2t.dtype)
        r2t[row, new_len:kv_len] = 0
        # On a GPU the copy is queued on the forward stream before anything that could reuse
        # the unlocked slots, so unlocking here cannot race it.
        if not _lock_prefix(tree, req, start):
            mode = "copy_prompt_locked"  # correct, but the unpruned prompt stays locked
        sv.set_protected_len(req, start)
    else:
        copy_entries(kv_pool, r2t, row, start, plan, tail_len)
        # Only pages wholly past the new length go back; the last kept page's free slots are
        # where the next decoded tokens go (the allocator continues a partly filled page).
        first_free = _round_up(new_len, page)
        if first_free < kv_len:
            allocator.free(slots[first_free:kv_len])
        r2t[row, new_len:kv_len] = 0
        mode = "in_place"
    sv.set_skip_tree_insert(req, True)  # pruned KV must never be published under plain tokens
    sv.set_kv_len(req, new_len)
    return Compaction(new_len, own, kv_len - new_len, mode)
