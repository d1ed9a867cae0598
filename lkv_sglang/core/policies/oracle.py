"""``oracle``: the true importance, i.e. the attention of the model's own full greedy answer.
Needs the answer before eviction, so it is a benchmark ceiling, not a serving policy."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from ..plan import Observation, QuerySource
from .base import POLICIES, BasePolicy


@POLICIES.register("oracle")
@dataclass(frozen=True)
class OraclePolicy(BasePolicy):
    name = "oracle"
    query_source = QuerySource.ANSWER
    not_served = "needs the model's own answer before pruning (a benchmark ceiling, not servable)"
    num_queries: int = 64  # answer tokens generated (max)

    def score(self, obs: Observation) -> torch.Tensor:
        return obs.require_attention(self.name)
