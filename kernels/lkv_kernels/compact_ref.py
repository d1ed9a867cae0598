"""Plain-torch reference of KV compaction (the kernel's oracle)."""

from __future__ import annotations

from collections.abc import Sequence

import torch

from .compact_args import Ints, check_compact_args


def compact_kv_ref(
    buffers: Sequence[torch.Tensor],
    req_to_token: torch.Tensor,
    req_rows: Ints,
    protected_len: Ints,
    keep: torch.Tensor,
    budgets: Ints | torch.Tensor,
    dst_slots: torch.Tensor | None = None,
) -> None:
    """Same contract as ``lkv_kernels.compact_kv``: gather every kept entry, then write it."""
    cb = check_compact_args(
        buffers, req_to_token, req_rows, protected_len, keep, budgets, dst_slots
    )
    layers, heads = keep.shape[1], keep.shape[2]
    h_idx = torch.arange(heads, device=keep.device)[:, None]
    for b in range(keep.shape[0]):
        row = req_to_token[int(cb.req_rows[b])].long()
        p = int(cb.protected_len[b])
        for i, buf in enumerate(buffers):
            n = int(cb.budgets[b, i % layers])
            src = row[p + keep[b, i % layers, :, :n].long()]  # (heads, n) slots
            dst = row[p : p + n] if dst_slots is None else dst_slots[b, :n].long()
            dst = dst.expand(heads, n)
            buf[dst, h_idx] = buf[src, h_idx].clone()
