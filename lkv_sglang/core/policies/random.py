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
        # drawn on the CPU on purpose: a seeded CPU generator gives the same scores, hence the
        # same kept entries, on every device; then moved to the observation's device
        gen = torch.Generator(device="cpu").manual_seed(self.seed)
        shape = (obs.num_layers, obs.num_kv_heads, obs.prompt_len)
        return torch.rand(shape, generator=gen, device="cpu").to(obs.device)
