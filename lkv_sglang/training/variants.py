"""Selection variants evaluated beside plain top-k (options, not defaults; issue 10's
robustness ideas): ``poolK`` keeps the neighbours of high-scoring tokens (max-pool of the
predicted scores, kernel K); ``windowW`` always keeps the last W prompt tokens (the question
and the chat template's tail)."""

from __future__ import annotations

import re

import torch
import torch.nn.functional as F

from ..core.selection import select_layer

PATTERN = re.compile(r"^(plain|pool(\d+)|window(\d+))$")


def check_variant(name: str) -> None:
    if not PATTERN.match(name):
        raise ValueError(f"unknown selection variant {name!r}; use plain, poolK (odd K) or windowW")
    m = PATTERN.match(name)
    if m.group(2) and int(m.group(2)) % 2 == 0:
        raise ValueError(f"pool kernel must be odd; got {name!r}")


def kept(pred: torch.Tensor, budget: int, variant: str = "plain") -> torch.Tensor:
    """(L, H, min(budget, N)) kept positions for predicted scores ``pred`` (L, H, N)."""
    check_variant(variant)
    m = PATTERN.match(variant)
    n = pred.shape[-1]
    b = min(budget, n)
    if m.group(2):
        k = int(m.group(2))
        pooled = F.max_pool1d(pred.reshape(-1, 1, n), k, stride=1, padding=k // 2)
        return pooled.reshape(pred.shape).topk(b, dim=-1).indices
    if m.group(3):
        w = int(m.group(3))
        return torch.stack([select_layer(layer, b, 0, w) for layer in pred])
    return pred.topk(b, dim=-1).indices
