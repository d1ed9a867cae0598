"""``laq`` (Lookahead Q-Cache, Wang et al., 2025): score with the queries of a short greedy
pseudo-answer, decoded first from a SnapKV-pruned cache. Accurate but costly."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from ..plan import Observation, QuerySource
from .base import POLICIES, BasePolicy


@POLICIES.register("laq")
@dataclass(frozen=True)
class LAQPolicy(BasePolicy):
    name = "laq"
    query_source = QuerySource.SELF_DRAFT
    num_queries: int = 8  # draft length

    def score(self, obs: Observation) -> torch.Tensor:
        return obs.require_attention(self.name)
