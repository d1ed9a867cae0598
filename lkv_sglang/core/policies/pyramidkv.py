"""``pyramidkv`` (Cai et al., 2024, "PyramidKV: Dynamic KV Cache Compression based on Pyramidal
Information Funneling"): SnapKV scores with budgets falling from lower to upper layers, the
same average budget: ``snapkv`` wrapped in ``PerLayerBudgets`` with PyramidKV's pyramid. The
window SnapKV protects cannot exceed the smallest layer's budget; selection truncates per layer.
"""

from __future__ import annotations

from functools import partial

from ..budgets import pyramid_budgets
from .base import POLICIES
from .per_layer import PerLayerBudgets
from .snapkv import SnapKVPolicy


@POLICIES.register("pyramidkv")
def pyramidkv(beta: int = 20, **snapkv) -> PerLayerBudgets:
    return PerLayerBudgets(
        inner=SnapKVPolicy(**snapkv),
        budgets=partial(pyramid_budgets, beta=beta, floor=1),
        label="pyramidkv",
    )
