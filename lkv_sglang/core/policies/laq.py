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
    not_served = (
        "a reference-path baseline (lkv_sglang.hf); its 8-token self-draft is not run in the server"
    )
    num_queries: int = 8  # draft length
    snap_window: int = 32  # the SnapKV pass that prunes the cache the draft is decoded from

    def prompt_queries(self, prompt_len: int) -> range:
        return range(max(0, prompt_len - self.snap_window), prompt_len)

    def score(self, obs: Observation) -> torch.Tensor:
        return obs.require_attention(self.name)
