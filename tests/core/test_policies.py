"""One matrix over every registered policy: a new policy without an entry here fails."""

import pytest
import torch

from lkv_sglang.core.attention import group_mean
from lkv_sglang.core.plan import Observation, QuerySource
from lkv_sglang.core.policies import POLICIES, make_policy
from lkv_sglang.core.selection import select_layer

# name -> (expected query source, (sink, window) at budget 64, pooled?)
CASES = {
    "full": (QuerySource.NONE, None),
    "random": (QuerySource.NONE, (0, 0)),
    "streamingllm": (QuerySource.NONE, (4, 0)),
    "h2o": (QuerySource.PROMPT_ALL, (0, 32)),
    "snapkv": (QuerySource.PROMPT_WINDOW, (0, 32)),
    "snapkv_nopool": (QuerySource.PROMPT_WINDOW, (0, 32)),
    "pyramidkv": (QuerySource.PROMPT_WINDOW, (0, 32)),
    "laq": (QuerySource.SELF_DRAFT, (0, 0)),
    "speckv": (QuerySource.DRAFT_MODEL, (0, 0)),
    "lookaheadkv": (QuerySource.LOOKAHEAD, (0, 0)),
    "oracle": (QuerySource.ANSWER, (0, 0)),
    "knorm": (QuerySource.KEYS, (0, 0)),
}
L, HQ, HKV, N = 4, 6, 2, 300


def obs(seed=0):
    g = torch.Generator().manual_seed(seed)
    keys = torch.randn(L, HKV, N, 8, generator=g)
    return Observation(N, L, HKV, torch.rand(L, HQ, N, generator=g).softmax(-1), keys=keys)


def test_every_policy_has_a_case():
    assert set(POLICIES.names()) == set(CASES), "add the new policy to CASES"


@pytest.mark.parametrize("name", sorted(CASES))
def test_query_source(name):
    assert make_policy(name).query_source is CASES[name][0]


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("budget", [1, 64, 299])
def test_kept_count_and_top_scores(name, budget):
    pol = make_policy(name)
    o = obs()
    plan = pol.select(o, budget)
    if name == "full":
        assert plan.is_full
        return
    budgets = pol.layer_budgets(budget, L)
    assert plan.budgets == [min(b, N) for b in budgets]
    if name != "pyramidkv":
        assert budgets == [budget] * L
    sink, window = pol.protected(budget)
    scores = group_mean(pol.score(o), HKV)
    for layer in range(L):
        expect = select_layer(scores[layer], budgets[layer], sink, window)
        assert torch.equal(plan.indices[layer], expect)
        assert plan.indices[layer].shape == (HKV, min(budgets[layer], N))


@pytest.mark.parametrize("name", sorted(CASES))
def test_prompt_no_longer_than_budget_is_untouched(name):
    plan = make_policy(name).select(obs(), N)
    assert plan.is_full and plan.prompt_len == N


@pytest.mark.parametrize("name", sorted(CASES))
def test_deterministic(name):
    a, b = make_policy(name).select(obs(3), 50), make_policy(name).select(obs(3), 50)
    assert all(torch.equal(x, y) for x, y in zip(a.indices, b.indices, strict=True))


def test_unknown_policy_lists_known():
    with pytest.raises(ValueError, match=r"unknown eviction policy 'nope'; known: full, h2o"):
        make_policy("nope")


@pytest.mark.parametrize("bad", [0, -1])
def test_bad_budget(bad):
    with pytest.raises(ValueError, match=f"got {bad}"):
        make_policy("snapkv").select(obs(), bad)


def test_policy_needing_attention_says_so():
    with pytest.raises(ValueError, match="'snapkv' needs attention"):
        make_policy("snapkv").select(Observation(N, L, HKV), 10)


def test_streamingllm_keeps_sinks_and_recent():
    plan = make_policy("streamingllm").select(obs(), 10)
    assert plan.indices[0][0].tolist() == [0, 1, 2, 3] + list(range(N - 6, N))


def test_snapkv_pooling_changes_choice_but_not_window():
    o = obs(5)
    pooled, plain = make_policy("snapkv").select(o, 64), make_policy("snapkv_nopool").select(o, 64)
    window = set(range(N - 32, N))
    for p in (pooled, plain):
        assert all(window <= set(row.tolist()) for idx in p.indices for row in idx)
    assert any(not torch.equal(a, b) for a, b in zip(pooled.indices, plain.indices, strict=True))
