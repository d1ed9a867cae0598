"""``snapkv`` (Li et al., 2024, "SnapKV: LLM Knows What You are Looking for Before Generation"):
attention of the last ``num_queries`` prompt tokens, max-pooled (kernel 7); that window is
always kept. ``snapkv_nopool`` is the same without pooling (a stronger recall baseline here)."""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F

from ..plan import Observation, QuerySource
from .base import POLICIES, BasePolicy


def max_pool(scores: torch.Tensor, kernel: int) -> torch.Tensor:
    """Max-pool (..., N) along N with a centred window of odd size ``kernel``."""
    if kernel <= 1:
        return scores
    flat = scores.reshape(-1, 1, scores.shape[-1])
    pooled = F.max_pool1d(flat, kernel, stride=1, padding=kernel // 2)
    return pooled.reshape(scores.shape)


@POLICIES.register("snapkv")
@dataclass(frozen=True)
class SnapKVPolicy(BasePolicy):
    name = "snapkv"
    query_source = QuerySource.PROMPT_WINDOW
    num_queries: int = 32  # observation window
    pool_kernel: int = 7
    keep_window: bool = True

    def score(self, obs: Observation) -> torch.Tensor:
        return max_pool(obs.require_attention(self.name), self.pool_kernel)

    def protected(self, budget: int) -> tuple[int, int]:
        return 0, self.num_queries if self.keep_window else 0


@POLICIES.register("snapkv_nopool")
@dataclass(frozen=True)
class SnapKVNoPoolPolicy(SnapKVPolicy):
    name = "snapkv_nopool"
    pool_kernel: int = 1
