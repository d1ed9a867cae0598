"""``random``: uniformly random entries, a sanity floor for every scorer."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from ..plan import Observation
from .base import POLICIES, BasePolicy


@POLICIES.register("random")
@dataclass(frozen=True)
class RandomPolicy(BasePolicy):
    name = "random"
    seed: int = 0

    def score(self, obs: Observation) -> torch.Tensor:
        gen = torch.Generator().manual_seed(self.seed)
        return torch.rand(obs.num_layers, obs.num_kv_heads, obs.prompt_len, generator=gen)
