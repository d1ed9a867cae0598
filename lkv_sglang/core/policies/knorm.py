"""``knorm`` (Devoto et al., 2024, "A Simple and Effective L2 Norm-Based Strategy for KV Cache
Compression"): keys with a low L2 norm draw high attention, so keep the lowest-norm keys.
No queries at all: it scores the prompt's keys (``QuerySource.KEYS``)."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from ..plan import Observation, QuerySource
from .base import POLICIES, BasePolicy


@POLICIES.register("knorm")
@dataclass(frozen=True)
class KeyNormPolicy(BasePolicy):
    name = "knorm"
    query_source = QuerySource.KEYS

    def score(self, obs: Observation) -> torch.Tensor:
        return -obs.require_keys(self.name).float().norm(dim=-1)  # (layers, KV heads, N)
