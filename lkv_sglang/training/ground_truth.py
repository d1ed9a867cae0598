"""True importance: the mean attention of the model's own answer tokens to each prompt key."""

from __future__ import annotations

import torch

from ..core.attention import group_mean


def normalise(scores: torch.Tensor, eps: float = 1e-10) -> torch.Tensor:
    """Scale (..., N) scores to sum 1 over N."""
    return scores / (scores.sum(-1, keepdim=True) + eps)


def importance_target(answer_attention: torch.Tensor, num_kv_heads: int) -> torch.Tensor:
    """(L, Hq, N) mean answer attention -> (L, Hkv, N) distribution per layer and KV head."""
    return normalise(group_mean(answer_attention.float(), num_kv_heads))


def kl_loss(target: torch.Tensor, predicted: torch.Tensor, eps: float = 1e-10) -> torch.Tensor:
    """mean over (layer, head) of KL(target || predicted); both normalised over the last dim."""
    t, p = normalise(target), normalise(predicted)
    return (t * (torch.log(t + eps) - torch.log(p + eps))).sum(-1).mean()


def recall_at(kept: torch.Tensor, truth: torch.Tensor, budget: int) -> float:
    """Fraction of the true top-``budget`` set that ``kept`` holds, mean over layers and heads.

    kept: (L, H, B) int64 positions; truth: (L, H, N) true importance.
    """
    n = truth.shape[-1]
    k = min(budget, n)
    top = truth.topk(k, dim=-1).indices
    m_kept = torch.zeros_like(truth, dtype=torch.bool).scatter_(-1, kept, True)
    m_true = torch.zeros_like(truth, dtype=torch.bool).scatter_(-1, top, True)
    return float(((m_kept & m_true).sum(-1).float() / k).mean())
