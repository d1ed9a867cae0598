"""``streamingllm`` (Xiao et al., 2024, "Efficient Streaming Language Models with Attention
Sinks"): the first ``sink`` tokens plus the most recent ones."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from ..plan import Observation
from .base import POLICIES, BasePolicy


@POLICIES.register("streamingllm")
@dataclass(frozen=True)
class StreamingLLMPolicy(BasePolicy):
    name = "streamingllm"
    sink: int = 4

    def score(self, obs: Observation) -> torch.Tensor:
        pos = torch.arange(obs.prompt_len, dtype=torch.float32, device=obs.device)  # recency
        return pos.expand(obs.num_layers, obs.num_kv_heads, -1)

    def protected(self, budget: int) -> tuple[int, int]:
        return self.sink, 0
