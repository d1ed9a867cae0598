"""The core creates every tensor on its inputs' device.

Tensors on the ``meta`` device carry shapes but no data, so any tensor the core builds on the
CPU and mixes with them raises ("Tensor on device meta is not on the expected device cpu!"):
this finds on a CPU machine what would break on CUDA. Host-side values (budgets, lengths) stay
Python ints; ``KeepPlan``'s value checks skip meta tensors, which have no values to check.
"""

import pytest
import torch

from lkv_sglang.core.attention import group_mean, mean_attention
from lkv_sglang.core.plan import KeepPlan, Observation
from lkv_sglang.core.policies import POLICIES, make_policy
from lkv_sglang.core.policies.snapkv import max_pool
from lkv_sglang.core.selection import protected_positions, select, select_layer

META = torch.device("meta")
L, HQ, HKV, N = 3, 4, 2, 40


def meta(*shape: int) -> torch.Tensor:
    return torch.empty(*shape, device=META)


@pytest.mark.parametrize("sink,window", [(0, 0), (2, 0), (0, 5), (3, 4)])
def test_select_layer_on_meta(sink, window):
    idx = select_layer(meta(HKV, N), 10, sink, window)
    assert idx.device == META and idx.shape == (HKV, 10) and idx.dtype == torch.int64


def test_select_layer_budget_over_prompt_on_meta():
    idx = select_layer(meta(HKV, N), N + 5)
    assert idx.device == META and idx.shape == (HKV, N)


def test_protected_positions_on_the_given_device():
    assert protected_positions(N, 10, 2, 3, device=META).device == META
    assert protected_positions(N, 10, 2, 3).tolist() == [0, 1, 37, 38, 39]  # default: CPU


def test_select_on_meta():
    plan = select(meta(L, HQ, N), [8, 8, 50], HKV, sink=1, window=2)
    assert all(i.device == META for i in plan.indices)
    assert plan.budgets == [8, 8, N]


@pytest.mark.parametrize("name", sorted(POLICIES.names()))
@pytest.mark.parametrize("budget", [8, N])
def test_every_policy_selects_on_meta(name, budget):
    """Scoring (pure torch for every policy), budgets and selection, all on the scores' device."""
    obs = Observation(N, L, HKV, meta(L, HQ, N), keys=meta(L, HKV, N, 8))
    plan = make_policy(name).select(obs, budget)
    assert all(i.device == META for i in plan.indices), name


@pytest.mark.parametrize("name", ["full", "random", "streamingllm"])
def test_position_policies_follow_the_observation_device(name):
    obs = Observation(N, L, HKV, device=META)
    plan = make_policy(name).select(obs, 8)
    assert all(i.device == META for i in plan.indices)
    cpu = make_policy(name).select(Observation(N, L, HKV), 8)
    assert all(i.device.type == "cpu" for i in cpu.indices)


def test_random_policy_draws_the_same_on_every_device():
    """The seeded draw comes from a CPU generator, then moves: same scores on any device."""
    pol = make_policy("random", seed=3)
    a = pol.score(Observation(N, L, HKV))
    b = pol.score(Observation(N, L, HKV, device=META))
    assert b.device == META and b.shape == a.shape


def test_observation_device_must_match_attention():
    assert Observation(N, L, HKV, meta(L, HQ, N)).device == META
    assert Observation(N, L, HKV).device == torch.device("cpu")
    with pytest.raises(ValueError, match="device"):
        Observation(N, L, HKV, torch.zeros(L, HQ, N), device=META)


def test_keep_all_and_stacked_on_meta():
    plan = KeepPlan.keep_all(N, L, HKV, device=META)
    assert plan.is_full and plan.stacked().device == META


def test_attention_primitives_on_meta():
    out = mean_attention(meta(HQ, 5, 8), meta(HKV, N, 8), 0.3, query_start=N - 5, read_len=30)
    assert out.device == META and out.shape == (HQ, 30)
    long = mean_attention(meta(HQ, 9, 8), meta(HKV, N, 8), 0.3, 0, chunk=4, key_chunk=16)
    assert long.device == META and long.shape == (HQ, N)
    assert group_mean(meta(L, HQ, N), HKV).device == META
    assert max_pool(meta(L, HQ, N), 7).device == META


def test_lookahead_module_on_meta():
    """The module is built on the CPU (nn.Module convention) and moved; its init and LoRA then
    stay on the parameters' device."""
    from lkv_sglang.core.lookahead import LookaheadConfig, LookaheadModule

    shapes = {t: (16, 16) for t in ("q_proj", "k_proj", "v_proj", "o_proj")}
    shapes |= {"gate_proj": (16, 32), "up_proj": (16, 32), "down_proj": (32, 16)}
    cfg = LookaheadConfig("tiny", {}, hidden_size=16, num_layers=1, proj_shapes=shapes)
    module = LookaheadModule(cfg).to(META)
    module.init_embeddings(meta(50, 16), generator=torch.Generator().manual_seed(0))
    assert module.embeddings.device == META
    assert module.lora_delta(0, "down_proj", meta(3, 32)).device == META
