"""``lookaheadkv`` (LookaheadKV, ICLR 2026): score with the attention of 32 learned lookahead
tokens (masked LoRA active on them only). No pooling, no protected tokens (METHOD.md).

Two options, off by default (the paper's method), measured in issue 10 as robustness aids:
``pool_kernel`` max-pools the scores (keeps the neighbours of a kept token: the other digits of
a number) and ``window`` always keeps the last prompt tokens (the question and the template's
tail)."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from ..plan import Observation, QuerySource
from .base import POLICIES, BasePolicy
from .snapkv import max_pool


@POLICIES.register("lookaheadkv")
@dataclass(frozen=True)
class LookaheadKVPolicy(BasePolicy):
    name = "lookaheadkv"
    query_source = QuerySource.LOOKAHEAD
    num_queries: int = 32
    pool_kernel: int = 1
    window: int = 0

    def __post_init__(self) -> None:
        if self.pool_kernel < 1 or self.pool_kernel % 2 == 0:
            raise ValueError(f"pool_kernel must be an odd number >= 1; got {self.pool_kernel}")
        if self.window < 0:
            raise ValueError(f"window must be >= 0; got {self.window}")

    def score(self, obs: Observation) -> torch.Tensor:
        return max_pool(obs.require_attention(self.name), self.pool_kernel)

    def protected(self, budget: int) -> tuple[int, int]:
        return 0, self.window
