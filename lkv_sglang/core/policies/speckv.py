"""``speckv`` (Galim et al., 2025, "Draft-based Approximate Inference for LLMs"): score with the
queries of a draft model's greedy answer (a smaller model of the same tokenizer, or the
target itself)."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from ..plan import Observation, QuerySource
from .base import POLICIES, BasePolicy


@POLICIES.register("speckv")
@dataclass(frozen=True)
class SpecKVPolicy(BasePolicy):
    name = "speckv"
    query_source = QuerySource.DRAFT_MODEL
    not_served = (
        "a reference-path baseline (lkv_sglang.hf); its draft model is not run in the server"
    )
    num_queries: int = 32  # draft answer length

    def score(self, obs: Observation) -> torch.Tensor:
        return obs.require_attention(self.name)
