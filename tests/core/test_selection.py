import pytest
import torch

from lkv_sglang.core.attention import group_mean, mean_attention
from lkv_sglang.core.budgets import check_budget, pyramid_budgets, uniform_budgets
from lkv_sglang.core.plan import KeepPlan, Observation
from lkv_sglang.core.selection import protected_positions, select, select_layer


def test_mean_attention_hand_computed():
    # one head, keys e0, e1; query e0 at position 1 sees both: softmax([1, 0]) = [e/(e+1), 1/(e+1)]
    q = torch.tensor([[[1.0, 0.0]]])
    k = torch.tensor([[[1.0, 0.0], [0.0, 1.0]]])
    out = mean_attention(q, k, scale=1.0, query_start=1)
    e = torch.e
    assert torch.allclose(out, torch.tensor([[e / (e + 1), 1 / (e + 1)]]))
    # the same query at position 0 sees only key 0 (causal)
    assert torch.allclose(mean_attention(q, k, 1.0, query_start=0), torch.tensor([[1.0, 0.0]]))


def test_mean_attention_matches_naive_and_chunks():
    g = torch.Generator().manual_seed(0)
    q, k = torch.randn(6, 10, 8, generator=g), torch.randn(2, 30, 8, generator=g)
    kk = k.repeat_interleave(3, 0)
    logits = q @ kk.transpose(1, 2) * 0.3
    pos = 20 + torch.arange(10)
    logits = logits.masked_fill(torch.arange(30)[None] > pos[:, None], float("-inf"))
    ref = logits.softmax(-1).mean(1)[:, :20]
    for chunk in (1, 3, 256):
        out = mean_attention(q, k, 0.3, query_start=20, read_len=20, chunk=chunk)
        assert torch.allclose(out, ref, atol=1e-6)


def test_group_mean():
    s = torch.arange(12.0).reshape(1, 6, 2)
    out = group_mean(s, 2)
    assert out.shape == (1, 2, 2)
    assert torch.allclose(out[0, 0], s[0, :3].mean(0))


@pytest.mark.parametrize("bad", [0, -3, 1.5, "8", None, True])
def test_check_budget_rejects(bad):
    with pytest.raises(ValueError, match="budget must be a positive integer"):
        check_budget(bad)


@pytest.mark.parametrize("budget,layers", [(64, 30), (7, 5), (128, 1), (3, 24)])
def test_pyramid_same_average_and_falling(budget, layers):
    b = pyramid_budgets(budget, layers)
    assert sum(b) == budget * layers == sum(uniform_budgets(budget, layers))
    assert all(x >= 1 for x in b)
    assert b[0] >= b[-1]


@pytest.mark.parametrize("sink,window", [(0, 0), (4, 0), (0, 8), (2, 5), (20, 20)])
def test_select_layer_keeps_protected_then_top_scores(sink, window):
    g = torch.Generator().manual_seed(1)
    scores = torch.rand(3, 50, generator=g)
    budget = 16
    idx = select_layer(scores, budget, sink, window)
    assert idx.shape == (3, budget)
    prot = set(protected_positions(50, budget, sink, window).tolist())
    for h in range(3):
        kept = set(idx[h].tolist())
        assert prot <= kept
        rest = [j for j in range(50) if j not in prot]
        top = sorted(rest, key=lambda j: -scores[h, j].item())[: budget - len(prot)]
        assert kept == prot | set(top)
        assert idx[h].tolist() == sorted(idx[h].tolist())


def test_budget_at_least_prompt_keeps_everything():
    scores = torch.rand(2, 4, 10)
    plan = select(scores, [10, 12], num_kv_heads=4)
    assert plan.is_full and plan.budgets == [10, 10]


def test_select_aggregates_gqa_by_mean():
    scores = torch.zeros(1, 4, 6)
    scores[0, 0, 5] = 1.0  # query head 0 (KV head 0) likes position 5
    scores[0, 1, 2] = 0.9  # query head 1 (KV head 0) likes position 2
    scores[0, 3, 1] = 1.0  # KV head 1
    plan = select(scores, [1], num_kv_heads=2)
    assert plan.indices[0].tolist() == [[5], [1]]


def test_keep_plan_validates():
    with pytest.raises(ValueError, match="outside"):
        KeepPlan(4, (torch.tensor([[0, 4]]),))
    with pytest.raises(ValueError, match="duplicate"):
        KeepPlan(4, (torch.tensor([[1, 1]]),))
    with pytest.raises(ValueError, match="int64"):
        KeepPlan(4, (torch.tensor([[1.0]]),))


def test_observation_validates_shapes():
    with pytest.raises(ValueError, match="attention must be"):
        Observation(10, 2, 2, torch.zeros(2, 4, 9))
