"""Triton KV compaction: every layer's K and V buffers in one launch, safe under overlap.

One program per (request, buffer, KV head) owns every entry it reads and writes, so programs
never race. Sorted keep lists (the core's selection output) are copied in place, block by
block in ascending order: a strictly ascending list has ``keep[k] >= k``, so a block's sources
lie at or after its own destinations and after every earlier block's, and a barrier between a
block's loads and its stores covers the rest. Unsorted lists go through a scratch buffer:
gather all, barrier, then scatter. Given destination slots disjoint from the sources (the
copy mode), any order is copied directly. Entries are moved as raw integers of the element width, so
any 1/2/4-byte dtype (fp8, fp16, bf16, fp32) is copied bit for bit.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import triton
import triton.language as tl

from .compact_args import Ints, check_compact_args, check_keep_values, keep_is_sorted

_RAW = {1: (torch.int8, tl.int8), 2: (torch.int16, tl.int16), 4: (torch.int32, tl.int32)}


@triton.jit
def _compact(
    PTRS,
    R2T,
    ROWS,
    PROT,
    KEEP,
    BUDGET,
    SCRATCH,
    DST,
    num_layers,
    stride_r2t,
    stride_slot,
    stride_head,
    stride_kb,
    stride_kl,
    stride_kh,
    stride_bb,
    stride_sb,
    stride_sp,
    stride_sh,
    stride_sk,
    stride_db,
    RAW: tl.constexpr,
    HEAD_DIM: tl.constexpr,
    BLOCK_D: tl.constexpr,
    BLOCK_K: tl.constexpr,
    SORTED: tl.constexpr,
    DST_GIVEN: tl.constexpr,
):
    b = tl.program_id(0)
    p = tl.program_id(1)
    h = tl.program_id(2)
    layer = p % num_layers
    budget = tl.load(BUDGET + b * stride_bb + layer)
    base = tl.load(PTRS + p).to(tl.pointer_type(RAW))
    row = tl.load(ROWS + b)
    prot = tl.load(PROT + b)
    offs_d = tl.arange(0, BLOCK_D)
    d_mask = offs_d < HEAD_DIM
    keep_base = KEEP + b * stride_kb + layer * stride_kl + h * stride_kh
    scratch = SCRATCH + b * stride_sb + p * stride_sp + h * stride_sh
    if DST_GIVEN:
        dst_base = DST + b * stride_db
    else:
        dst_base = R2T + row * stride_r2t + prot
    for k0 in range(0, budget, BLOCK_K):
        offs_k = k0 + tl.arange(0, BLOCK_K)
        k_mask = offs_k < budget
        src_pos = prot + tl.load(keep_base + offs_k, mask=k_mask, other=0)
        src = tl.load(R2T + row * stride_r2t + src_pos, mask=k_mask, other=0).to(tl.int64)
        mask = k_mask[:, None] & d_mask[None, :]
        x = tl.load(
            base + src[:, None] * stride_slot + h * stride_head + offs_d[None, :], mask=mask
        )
        if SORTED:
            dst = tl.load(dst_base + offs_k, mask=k_mask, other=0).to(tl.int64)
            tl.debug_barrier()
            move = mask & (src != dst)[:, None]
            tl.store(
                base + dst[:, None] * stride_slot + h * stride_head + offs_d[None, :], x, mask=move
            )
            tl.debug_barrier()
        else:
            tl.store(scratch + offs_k[:, None] * stride_sk + offs_d[None, :], x, mask=mask)
    if not SORTED:
        tl.debug_barrier()
        for k0 in range(0, budget, BLOCK_K):
            offs_k = k0 + tl.arange(0, BLOCK_K)
            k_mask = offs_k < budget
            mask = k_mask[:, None] & d_mask[None, :]
            dst = tl.load(dst_base + offs_k, mask=k_mask, other=0).to(tl.int64)
            x = tl.load(scratch + offs_k[:, None] * stride_sk + offs_d[None, :], mask=mask)
            tl.store(
                base + dst[:, None] * stride_slot + h * stride_head + offs_d[None, :], x, mask=mask
            )


def compact_kv(
    buffers: Sequence[torch.Tensor],
    req_to_token: torch.Tensor,
    req_rows: Ints,
    protected_len: Ints,
    keep: torch.Tensor,
    budgets: Ints | torch.Tensor,
    sorted_keep: bool | None = None,
    own_len: Ints | None = None,
    data_ptrs: torch.Tensor | None = None,
    block_k: int | None = None,
    dst_slots: torch.Tensor | None = None,
) -> None:
    """Move each request's kept entries into the first slots of its own part, in place.

    For request ``b``, buffer ``i`` (layer ``i % L``) and KV head ``h``: logical position
    ``protected_len[b] + k`` receives what was at ``protected_len[b] + keep[b, i % L, h, k]``,
    for ``k < budgets[b, i % L]``. Positions below ``protected_len[b]`` (the radix tree's)
    are never written; own slots past the budget keep stale data for the caller to free.
    With ``dst_slots`` the entries go to ``dst_slots[b, k]`` instead (e.g. freshly allocated
    slots while the radix tree keeps the unpruned prompt); ``req_to_token`` is only read.

    Parameters
    ----------
    buffers : 2L same-shaped (pool_size, num_kv_heads, head_dim) tensors, e.g.
        ``[*pool.k_buffer, *pool.v_buffer]``; any 1/2/4-byte dtype; last dim contiguous.
    req_to_token : (rows, max_ctx) int32/int64, the request-to-slot map (any page size).
    req_rows, protected_len : (B,) ints on the host.
    keep : (B, L, num_kv_heads, max_budget) int32/int64 on the buffers' device: positions
        relative to the request's own part (``pad_keep`` builds it from KeepPlan indices).
    budgets : (B,) or (B, L) ints on the host: entries kept per request (and layer).
    sorted_keep : True when every head's list is strictly ascending (what the core's selection
        returns): in place, no scratch. None checks it (one device sync).
    own_len : (B,) own-part lengths; when given, keep values are checked (one device sync).
    data_ptrs : optional (2L,) int64/uint64 device tensor of ``buffers``' data pointers (SGLang's
        ``pool.data_ptrs``), avoiding a host-to-device copy per call.
    block_k : entries moved per step (default 64 on CUDA, 16 in the interpreter).
    dst_slots : optional (B, >= max budget) int32/int64 destination slots, disjoint from every
        source slot (then any keep order is copied directly, without scratch).
    """
    cb = check_compact_args(
        buffers, req_to_token, req_rows, protected_len, keep, budgets, dst_slots
    )
    dev = keep.device
    if own_len is not None:
        check_keep_values(keep, cb, own_len)
    if dst_slots is not None:
        sorted_keep = True  # disjoint destinations: the direct path is safe in any order
    elif sorted_keep is None:
        sorted_keep = keep_is_sorted(keep, cb.budgets)
    bsz, layers, heads, max_budget = keep.shape
    first = buffers[0]
    if first.element_size() not in _RAW:
        raise TypeError(f"buffer element size {first.element_size()} not supported")
    raw_torch, raw_tl = _RAW[first.element_size()]
    if data_ptrs is None:
        data_ptrs = torch.tensor([t.data_ptr() for t in buffers], dtype=torch.int64, device=dev)
    elif data_ptrs.numel() != len(buffers):
        raise ValueError(f"data_ptrs has {data_ptrs.numel()} entries for {len(buffers)} buffers")
    if max_budget == 0 or int(cb.budgets.max()) == 0:
        return
    dim = first.shape[2]
    if sorted_keep:
        scratch = torch.empty(1, 1, 1, 1, dtype=raw_torch, device=dev)
    else:
        scratch = torch.empty(
            bsz, len(buffers), heads, max_budget * dim, dtype=raw_torch, device=dev
        )
    budgets_dev = cb.budgets.to(dev, non_blocking=True)
    rows = cb.req_rows.to(dev, non_blocking=True)
    prot = cb.protected_len.to(dev, non_blocking=True)
    dst = dst_slots if dst_slots is not None else rows
    bk = block_k or (16 if dev.type != "cuda" else 64)
    _compact[(bsz, len(buffers), heads)](
        data_ptrs,
        req_to_token,
        rows,
        prot,
        keep,
        budgets_dev,
        scratch,
        dst,
        layers,
        req_to_token.stride(0),
        first.stride(0),
        first.stride(1),
        keep.stride(0),
        keep.stride(1),
        keep.stride(2),
        budgets_dev.stride(0),
        scratch.stride(0),
        scratch.stride(1),
        scratch.stride(2),
        dim,
        dst.stride(0),
        RAW=raw_tl,
        HEAD_DIM=dim,
        BLOCK_D=triton.next_power_of_2(dim),
        BLOCK_K=bk,
        SORTED=bool(sorted_keep),
        DST_GIVEN=dst_slots is not None,
    )
