"""``full``: no eviction, the quality ceiling of every benchmark."""

from __future__ import annotations

from dataclasses import dataclass

from ..plan import KeepPlan, Observation
from .base import POLICIES, BasePolicy


@POLICIES.register("full")
@dataclass(frozen=True)
class FullPolicy(BasePolicy):
    name = "full"

    def select(self, obs: Observation, budget: int) -> KeepPlan:
        return KeepPlan.keep_all(
            obs.prompt_len, obs.num_layers, obs.num_kv_heads, device=obs.device
        )
