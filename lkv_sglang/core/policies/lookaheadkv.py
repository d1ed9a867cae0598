"""``lookaheadkv`` (LookaheadKV, ICLR 2026): score with the attention of 32 learned lookahead
tokens (masked LoRA active on them only). No pooling, no protected tokens (METHOD.md)."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from ..plan import Observation, QuerySource
from .base import POLICIES, BasePolicy


@POLICIES.register("lookaheadkv")
@dataclass(frozen=True)
class LookaheadKVPolicy(BasePolicy):
    name = "lookaheadkv"
    query_source = QuerySource.LOOKAHEAD
    num_queries: int = 32

    def score(self, obs: Observation) -> torch.Tensor:
        return obs.require_attention(self.name)
