"""``h2o`` (Zhang et al., 2023, "H2O: Heavy-Hitter Oracle"): attention accumulated over every
prompt query (heavy hitters) plus a recent window (``recent_ratio`` of the budget)."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from ..plan import Observation, QuerySource
from .base import POLICIES, BasePolicy


@POLICIES.register("h2o")
@dataclass(frozen=True)
class H2OPolicy(BasePolicy):
    name = "h2o"
    query_source = QuerySource.PROMPT_ALL
    recent_ratio: float = 0.5

    def score(self, obs: Observation) -> torch.Tensor:
        return obs.require_attention(self.name)

    def protected(self, budget: int) -> tuple[int, int]:
        return 0, int(budget * self.recent_ratio)
