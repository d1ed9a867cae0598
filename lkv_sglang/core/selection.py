"""The one selection routine every policy shares: top-budget per layer and KV head."""

from __future__ import annotations

import torch

from .attention import group_mean
from .plan import KeepPlan


def protected_positions(
    prompt_len: int,
    budget: int,
    sink: int,
    window: int,
    device: torch.device | str = "cpu",
) -> torch.Tensor:
    """Positions always kept: the first ``sink`` and the last ``window``, at most ``budget``.

    When they exceed the budget, sinks win first, then the most recent tokens. Returns an
    int64 tensor on ``device`` (the scores' device when called by ``select_layer``).
    """
    sink = min(sink, budget, prompt_len)
    window = min(window, budget - sink, prompt_len - sink)
    head = torch.arange(sink, dtype=torch.int64, device=device)
    tail = torch.arange(prompt_len - window, prompt_len, dtype=torch.int64, device=device)
    return torch.cat([head, tail])


def select_layer(scores: torch.Tensor, budget: int, sink: int = 0, window: int = 0) -> torch.Tensor:
    """Keep ``budget`` entries of one layer.

    Parameters
    ----------
    scores : (num_kv_heads, N) float; higher is more important.
    budget : entries kept per KV head; ``budget >= N`` keeps everything.

    Returns
    -------
    (num_kv_heads, min(budget, N)) int64 on ``scores.device``, ascending: protected positions
    plus the top scores among the rest (ties broken towards earlier positions by ``torch.topk``
    on CPU). Reads no values on the host: no device sync.
    """
    heads, n = scores.shape
    if budget >= n:
        return torch.arange(n, dtype=torch.int64, device=scores.device).expand(heads, n).clone()
    keep = protected_positions(n, budget, sink, window, device=scores.device)
    free = budget - keep.numel()
    if free > 0:
        masked = scores.float().clone()
        masked[:, keep] = float("-inf")
        top = masked.topk(free, dim=-1).indices
        idx = torch.cat([keep.expand(heads, -1), top], dim=-1)
    else:
        idx = keep.expand(heads, -1)
    return idx.sort(-1).values


def select(
    scores: torch.Tensor,
    budgets: list[int],
    num_kv_heads: int,
    sink: int = 0,
    window: int = 0,
) -> KeepPlan:
    """Top-``budgets[l]`` entries per layer and KV head.

    ``scores``: (num_layers, num_heads, N); query heads are averaged to their KV head
    (``group_mean``) first. A prompt no longer than a layer's budget keeps every entry there.
    """
    if scores.dim() != 3 or scores.shape[0] != len(budgets):
        raise ValueError(f"scores {tuple(scores.shape)} do not match {len(budgets)} layer budgets")
    per_kv = group_mean(scores, num_kv_heads)
    n = per_kv.shape[-1]
    return KeepPlan(
        n, tuple(select_layer(per_kv[layer], b, sink, window) for layer, b in enumerate(budgets))
    )
