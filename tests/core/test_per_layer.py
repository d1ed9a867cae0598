"""``PerLayerBudgets`` wraps any policy: the inner policy's scores, the wrapper's budgets."""

from __future__ import annotations

import pytest
import torch

from lkv_sglang.core.budgets import pyramid_budgets
from lkv_sglang.core.plan import Observation
from lkv_sglang.core.policies import make_policy
from lkv_sglang.core.policies.per_layer import PerLayerBudgets


def steps(budget: int, layers: int) -> list[int]:
    return [budget // 2, budget + budget // 2, budget][:layers]


@pytest.mark.parametrize("inner", ["random", "snapkv_nopool", "streamingllm"])
def test_any_policy_gets_per_layer_budgets(inner):
    attn = torch.rand(3, 4, 100)
    obs = Observation(100, 3, 2, attn)
    base = make_policy(inner)
    wrapped = PerLayerBudgets(inner=base, budgets=steps)
    plan = wrapped.select(obs, 20)
    assert plan.budgets == [10, 30, 20] and wrapped.query_source is base.query_source
    scores = base.score(obs)
    if inner == "random":  # no protected tokens: kept = the inner policy's top scores
        for layer, idx in enumerate(plan.indices):
            kv = (
                scores[layer].reshape(2, -1, 100).mean(1) if scores.shape[1] != 2 else scores[layer]
            )
            top = kv.topk(plan.budgets[layer], -1).indices.sort(-1).values
            assert torch.equal(idx.sort(-1).values, top)
    assert "one KV length" in wrapped.not_served


def test_pyramidkv_is_snapkv_in_the_pyramid():
    obs = Observation(300, 6, 2, torch.rand(6, 4, 300))
    plan = make_policy("pyramidkv").select(obs, 40)
    assert plan.budgets == pyramid_budgets(40, 6, beta=20, floor=1)
    assert make_policy("pyramidkv").name == "pyramidkv"


def test_wrapper_needs_its_parts():
    with pytest.raises(ValueError, match="needs an inner policy"):
        PerLayerBudgets()
