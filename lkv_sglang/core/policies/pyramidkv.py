"""``pyramidkv`` (Cai et al., 2024, "PyramidKV: Dynamic KV Cache Compression based on Pyramidal
Information Funneling"): SnapKV scores with budgets falling from lower to upper layers, the
same average budget."""

from __future__ import annotations

from dataclasses import dataclass

from ..budgets import pyramid_budgets
from .base import POLICIES
from .snapkv import SnapKVPolicy


@POLICIES.register("pyramidkv")
@dataclass(frozen=True)
class PyramidKVPolicy(SnapKVPolicy):
    name = "pyramidkv"
    not_served = (
        "keeps a different number of entries per layer, but SGLang's req_to_token row gives every "
        "layer one KV length; use snapkv or snapkv_nopool"
    )
    beta: int = 20

    def layer_budgets(self, budget: int, num_layers: int) -> list[int]:
        return pyramid_budgets(budget, num_layers, beta=self.beta, floor=1)

    def protected(self, budget: int) -> tuple[int, int]:
        # the window cannot exceed the smallest layer's budget; selection truncates per layer
        return 0, self.num_queries if self.keep_window else 0
