"""Importance recall@budget when layers keep different counts (PyramidKV), as the quality
benchmark computes it: ``recall_at`` (training.ground_truth) one layer at a time, then the mean
over layers (``recall`` in the benchmark scripts, loaded here from its file)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest
import torch

from lkv_sglang.core.budgets import pyramid_budgets
from lkv_sglang.core.plan import KeepPlan, Observation
from lkv_sglang.core.policies import make_policy
from lkv_sglang.core.selection import select
from lkv_sglang.training.ground_truth import recall_at

BENCH = Path(__file__).resolve().parents[2] / "benchmarks"


def _benchmark_recall():
    """``recall`` from the benchmark scripts (kv_eval.py if present, else quality.py)."""
    sys.path.insert(0, str(BENCH))  # the scripts import their sibling modules by name
    try:
        for name in ("kv_eval", "quality"):
            path = BENCH / f"{name}.py"
            if not path.exists():
                continue
            spec = importlib.util.spec_from_file_location(f"_bench_{name}", path)
            mod = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(mod)
            if hasattr(mod, "recall"):
                return mod.recall
    finally:
        sys.path.remove(str(BENCH))
    raise AssertionError("no recall(plan, truth, budget) in benchmarks/kv_eval.py or quality.py")


@pytest.fixture(scope="module")
def recall():
    return _benchmark_recall()


L, H, N = 6, 2, 200


def distinct_truth(seed: int = 0) -> torch.Tensor:
    """(L, H, N) importance with no ties, so the true top-budget set is unique."""
    g = torch.Generator().manual_seed(seed)
    return torch.rand(L, H, N, generator=g).argsort(-1).float() / N


def hand_recall(plan: KeepPlan, truth: torch.Tensor, budget: int) -> float:
    """Mean over layers of the mean over KV heads of |kept ∩ true top-budget| / budget."""
    per_layer = []
    for layer, idx in enumerate(plan.indices):
        heads = []
        for h in range(idx.shape[0]):
            top = set(truth[layer, h].topk(budget).indices.tolist())
            heads.append(len(set(idx[h].tolist()) & top) / budget)
        per_layer.append(sum(heads) / len(heads))
    return sum(per_layer) / len(per_layer)


@pytest.mark.parametrize("budget", [1, 16, 64])
def test_oracle_plan_has_recall_one(recall, budget):
    truth = distinct_truth()
    plan = select(truth, [budget] * L, H)  # the true top-budget per layer and head
    assert recall(plan, truth, budget) == pytest.approx(1.0)
    assert recall_at(plan.stacked(), truth, budget) == pytest.approx(1.0)


def test_keep_all_has_recall_one(recall):
    truth = distinct_truth()
    assert recall(KeepPlan.keep_all(N, L, H), truth, 32) == pytest.approx(1.0)


def test_disjoint_plan_has_recall_zero(recall):
    truth = distinct_truth(1)
    budget = 20
    # per layer a different count, none of them in the true top-budget
    budgets = pyramid_budgets(budget, L)
    assert len(set(budgets)) > 1
    low = truth.argsort(-1)  # ascending: the least important first
    plan = KeepPlan(N, tuple(low[layer, :, :b].sort(-1).values for layer, b in enumerate(budgets)))
    assert recall(plan, truth, budget) == 0.0


def test_disjoint_uniform_plan_agrees_with_recall_at(recall):
    truth = distinct_truth(2)
    plan = select(-truth, [10] * L, H)  # the 10 least important per layer and head
    assert recall(plan, truth, 10) == 0.0 == recall_at(plan.stacked(), truth, 10)


def test_per_layer_counts_hand_computed(recall):
    # one KV head, 8 prompt entries; true top-2 = {1, 5} in layer 0, {0, 7} in layer 1
    truth = torch.tensor(
        [
            [[0.0, 0.9, 0.1, 0.2, 0.0, 0.8, 0.1, 0.0]],
            [[0.7, 0.1, 0.2, 0.0, 0.1, 0.0, 0.0, 0.9]],
        ]
    )
    plan = KeepPlan(8, (torch.tensor([[1, 2, 5]]), torch.tensor([[0]])))
    # layer 0 keeps 3 and holds both: 2/2; layer 1 keeps 1 and holds one: 1/2
    assert recall(plan, truth, 2) == pytest.approx((1.0 + 0.5) / 2)
    # a layer keeping more than the budget never scores above 1
    wide = KeepPlan(8, (torch.arange(8)[None], torch.tensor([[0, 7]])))
    assert recall(wide, truth, 2) == pytest.approx(1.0)
    narrow = KeepPlan(8, (torch.tensor([[2]]), torch.tensor([[3]])))
    assert recall(narrow, truth, 2) == 0.0


@pytest.mark.parametrize("budget", [12, 40])
def test_pyramidkv_plan_recall_is_the_hand_computed_per_layer_mean(recall, budget):
    g = torch.Generator().manual_seed(3)
    attn = torch.rand(L, 4, N, generator=g)  # 4 query heads over 2 KV heads
    plan = make_policy("pyramidkv").select(Observation(N, L, H, attn), budget)
    assert plan.budgets == pyramid_budgets(budget, L) and len(set(plan.budgets)) > 1
    truth = distinct_truth(4)
    expect = hand_recall(plan, truth, budget)
    assert 0.0 < expect < 1.0
    assert recall(plan, truth, budget) == pytest.approx(expect, abs=1e-6)
    # and each layer's term is recall_at on that layer alone
    for layer, idx in enumerate(plan.indices):
        one = KeepPlan(N, (idx,))
        assert recall_at(idx[None], truth[layer][None], budget) == pytest.approx(
            hand_recall(one, truth[layer][None], budget), abs=1e-6
        )


def test_pyramidkv_oracle_recall_is_capped_by_each_layers_count(recall):
    # oracle scores with PyramidKV's budgets: a layer keeping b_l >= budget holds the whole true
    # top-budget (1), one keeping b_l < budget holds b_l of it (b_l / budget)
    truth = distinct_truth(5)
    budget = 30
    budgets = pyramid_budgets(budget, L)
    plan = select(truth, budgets, H)
    expect = sum(min(b, budget) / budget for b in budgets) / L
    assert expect < 1.0
    assert recall(plan, truth, budget) == pytest.approx(expect)
