"""The reference path's observations live on the model's device, also for position-only
policies (random, streamingllm), whose observation holds no tensor to follow.

Found on a lent H200: with the model on CUDA, their plans came back on the CPU and indexing
the CUDA cache (or the truth, in benchmarks/quality_v2.py) failed. The ``meta`` device stands
in for the GPU here: observing these policies runs no forward pass, only builds the plan.
"""

from __future__ import annotations

import pytest

from lkv_sglang.core.plan import QuerySource
from lkv_sglang.core.policies import make_policy
from lkv_sglang.hf import load_model
from lkv_sglang.hf.observe import observe

POSITION_ONLY = [
    name
    for name in ("random", "streamingllm")
    if make_policy(name).query_source is QuerySource.NONE
]


@pytest.fixture(scope="module")
def meta_model(tiny_llama_dir):
    model, _ = load_model(str(tiny_llama_dir))
    return model.to("meta")


def test_position_only_policies_exist():
    assert POSITION_ONLY == ["random", "streamingllm"]


@pytest.mark.parametrize("name", POSITION_ONLY)
def test_plan_on_the_models_device(meta_model, name):
    policy = make_policy(name)
    obs = observe(meta_model, policy, cache=None, prompt_len=40, first_token=0, budget=8, eos=set())
    assert obs.device.type == "meta"
    plan = policy.select(obs, 8)
    assert {idx.device.type for idx in plan.indices} == {"meta"}
