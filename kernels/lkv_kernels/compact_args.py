"""Arguments of KV compaction, checked once for the kernel and its reference."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import torch

from ._checks import FLOAT_DTYPES, INDEX_DTYPES, as_host_ints, check_nonnegative, check_tensor

Ints = Sequence[int] | torch.Tensor
KEEP_DTYPES = (torch.int32, torch.int64)
COPY_DTYPES = FLOAT_DTYPES + (torch.float8_e4m3fn, torch.float8_e5m2, torch.uint8, torch.int8)


class CompactBatch(NamedTuple):
    """Host-side description: (B,) int64 CPU ``req_rows`` and ``protected_len``; (B, L) budgets."""

    req_rows: torch.Tensor
    protected_len: torch.Tensor
    budgets: torch.Tensor


def pad_keep(
    plans: Sequence[torch.Tensor | Sequence[torch.Tensor]], device: torch.device | str | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """Pack per-request keep indices into the launcher's padded form.

    Parameters
    ----------
    plans : one entry per request: a (num_layers, num_kv_heads, budget) tensor, or a sequence of
        num_layers (num_kv_heads, budget_l) tensors (``KeepPlan.indices``).

    Returns
    -------
    keep : (B, num_layers, num_kv_heads, max_budget) int64, padded with 0.
    budgets : (B, num_layers) int64 CPU tensor.
    """
    layers = [list(p.unbind(0)) if isinstance(p, torch.Tensor) else list(p) for p in plans]
    if not layers or len({len(ls) for ls in layers}) != 1:
        raise ValueError("every request needs the same (non-zero) number of layers")
    sizes = [[int(t.shape[-1]) for t in ls] for ls in layers]
    budgets = torch.tensor(sizes, dtype=torch.int64, device="cpu")  # host ints: no device sync
    heads = layers[0][0].shape[0]
    device = device if device is not None else layers[0][0].device
    keep = torch.zeros(
        len(layers), len(layers[0]), heads, int(budgets.max()), dtype=torch.int64, device=device
    )
    for b, ls in enumerate(layers):
        for i, t in enumerate(ls):
            keep[b, i, :, : t.shape[-1]] = t
    return keep, budgets


def check_compact_args(
    buffers: Sequence[torch.Tensor],
    req_to_token: torch.Tensor,
    req_rows: Ints,
    protected_len: Ints,
    keep: torch.Tensor,
    budgets: Ints | torch.Tensor,
    dst_slots: torch.Tensor | None = None,
) -> CompactBatch:
    """Validate shapes, dtypes, strides and host lengths; see ``compact_kv`` for the meaning."""
    if len(buffers) == 0:
        raise ValueError("buffers is empty")
    first = check_tensor("buffers[0]", buffers[0], 3, COPY_DTYPES)
    for i, t in enumerate(buffers):
        check_tensor(f"buffers[{i}]", t, 3, COPY_DTYPES, device=first.device)
        if t.shape != first.shape or t.dtype != first.dtype or t.stride() != first.stride():
            raise ValueError(
                f"buffers[{i}] {tuple(t.shape)} {t.dtype} strides {t.stride()} differ from "
                f"buffers[0] {tuple(first.shape)} {first.dtype} strides {first.stride()}"
            )
    check_tensor("req_to_token", req_to_token, 2, INDEX_DTYPES, device=first.device)
    check_tensor("keep", keep, 4, KEEP_DTYPES, device=first.device)
    bsz, layers, heads, _ = keep.shape
    if heads != first.shape[1]:
        raise ValueError(f"keep has {heads} heads but the buffers have {first.shape[1]} KV heads")
    if len(buffers) % layers:
        raise ValueError(f"{len(buffers)} buffers is not a multiple of keep's {layers} layers")
    rows = as_host_ints("req_rows", req_rows, bsz)
    prot = as_host_ints("protected_len", protected_len, bsz)
    check_nonnegative("req_rows", rows)
    check_nonnegative("protected_len", prot)
    bud = torch.as_tensor(budgets, dtype=torch.int64, device="cpu")
    if bud.dim() == 1:
        bud = bud[:, None].expand(-1, layers)
    if tuple(bud.shape) != (bsz, layers):
        raise ValueError(f"budgets {tuple(bud.shape)} must be ({bsz},) or ({bsz}, {layers})")
    check_nonnegative("budgets", bud.reshape(-1))
    if int(bud.max()) > keep.shape[3]:
        raise ValueError(f"a budget {int(bud.max())} exceeds keep's last dim {keep.shape[3]}")
    if int(rows.max()) >= req_to_token.shape[0]:
        raise ValueError(f"req_rows {rows.tolist()} out of range for {req_to_token.shape[0]} rows")
    if int((prot + bud.amax(1)).max()) > req_to_token.shape[1]:
        raise ValueError(f"protected_len + budget exceeds max_ctx {req_to_token.shape[1]}")
    if dst_slots is not None:
        check_tensor("dst_slots", dst_slots, 2, INDEX_DTYPES, device=first.device)
        if dst_slots.shape[0] != bsz or dst_slots.shape[1] < int(bud.max()):
            raise ValueError(
                f"dst_slots {tuple(dst_slots.shape)} must be ({bsz}, >= {int(bud.max())})"
            )
    return CompactBatch(rows, prot, bud.contiguous())


def check_keep_values(keep: torch.Tensor, cb: CompactBatch, own_len: Ints) -> None:
    """Value checks (one device sync): each kept index lies in [0, own_len[b]), none repeats."""
    own = as_host_ints("own_len", own_len, len(cb.req_rows))
    for b in range(len(own)):
        for layer in range(keep.shape[1]):
            k = keep[b, layer, :, : int(cb.budgets[b, layer])]
            if k.numel() == 0:
                continue
            lo, hi = int(k.min()), int(k.max())
            if lo < 0 or hi >= int(own[b]):
                raise ValueError(
                    f"request {b} layer {layer}: keep in [{lo}, {hi}] outside [0, {int(own[b])})"
                )
            s = k.sort(-1).values
            if bool((s[:, 1:] == s[:, :-1]).any()):
                raise ValueError(f"request {b} layer {layer}: duplicate kept positions")


def keep_is_sorted(keep: torch.Tensor, budgets: torch.Tensor) -> bool:
    """True when every head's kept positions are strictly ascending (one device sync)."""
    if keep.shape[3] < 2:
        return True
    pos = torch.arange(1, keep.shape[3], device=keep.device)
    valid = pos[None, None, None, :] < budgets.to(keep.device)[:, :, None, None]
    return bool(((keep[..., 1:] > keep[..., :-1]) | ~valid).all())
