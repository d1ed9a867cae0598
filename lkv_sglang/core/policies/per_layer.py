"""``PerLayerBudgets``: any policy, with a budget that differs per layer.

A wrapper, not a new scorer (as kvpress's per-layer compression press wraps any press): the
inner policy scores and protects; the wrapper only spreads the total budget over layers with
``budgets(budget, num_layers)`` (same total as uniform). ``pyramidkv`` is SnapKV wrapped with
PyramidKV's pyramid. The SGLang server holds one KV length per request, so it refuses any
wrapped policy (``not_served``); the reference path runs them all.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch

from ..plan import Observation, QuerySource
from .base import BasePolicy

SERVER_REFUSAL = (
    "keeps a different number of entries per layer, but SGLang's req_to_token row gives every "
    "layer one KV length; use the unwrapped policy (e.g. snapkv or snapkv_nopool)"
)


@dataclass(frozen=True)
class PerLayerBudgets(BasePolicy):
    inner: BasePolicy | None = None
    budgets: Callable[[int, int], list[int]] | None = None
    label: str = ""

    def __post_init__(self) -> None:
        if self.inner is None or self.budgets is None:
            raise ValueError("PerLayerBudgets needs an inner policy and a budgets function")

    @property
    def name(self) -> str:  # type: ignore[override]
        return self.label or f"{self.inner.name}+per_layer"

    @property
    def query_source(self) -> QuerySource:  # type: ignore[override]
        return self.inner.query_source

    @property
    def not_served(self) -> str:  # type: ignore[override]
        return self.inner.not_served or SERVER_REFUSAL

    def prompt_queries(self, prompt_len: int) -> range:
        return self.inner.prompt_queries(prompt_len)

    def score(self, obs: Observation) -> torch.Tensor:
        return self.inner.score(obs)

    def protected(self, budget: int) -> tuple[int, int]:
        return self.inner.protected(budget)

    def layer_budgets(self, budget: int, num_layers: int) -> list[int]:
        return self.budgets(budget, num_layers)
