"""LookaheadKV's two robustness options (issue 10): off by default, and each does what it says."""

from __future__ import annotations

import pytest
import torch

from lkv_sglang.core.plan import Observation
from lkv_sglang.core.policies import make_policy

N, LAYERS, HKV, GROUP = 40, 2, 2, 3


def obs_peaked_at(position: int) -> Observation:
    """Attention that is a clear maximum at ``position`` and rises slowly towards the start."""
    attn = torch.linspace(1.0, 0.5, N).repeat(LAYERS, HKV * GROUP, 1)
    attn[..., position] = 10.0
    return Observation(N, LAYERS, HKV, attn / attn.sum(-1, keepdim=True))


def kept(policy, obs, budget) -> set[int]:
    plan = policy.select(obs, budget)
    sets = {tuple(sorted(h.tolist())) for layer in plan.indices for h in layer}
    assert len(sets) == 1  # the same scores in every layer and head
    return set(sets.pop())


def test_defaults_are_the_papers():
    pol = make_policy("lookaheadkv")
    assert (pol.pool_kernel, pol.window) == (1, 0) and pol.protected(8) == (0, 0)
    assert kept(pol, obs_peaked_at(20), 4) == {20, 0, 1, 2}  # pure top-k


def test_pool_keeps_the_neighbours_of_a_peak():
    assert kept(make_policy("lookaheadkv", pool_kernel=3), obs_peaked_at(20), 4) >= {19, 20, 21}


def test_window_keeps_the_last_prompt_tokens():
    got = kept(make_policy("lookaheadkv", window=3), obs_peaked_at(20), 5)
    assert {N - 3, N - 2, N - 1, 20} <= got


@pytest.mark.parametrize("bad", [dict(pool_kernel=2), dict(pool_kernel=0), dict(window=-1)])
def test_bad_options_are_refused(bad):
    with pytest.raises(ValueError, match=next(iter(bad))):
        make_policy("lookaheadkv", **bad)
