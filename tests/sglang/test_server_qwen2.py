"""The tiny Qwen2 (q/k/v biases, GQA group 3) through the plugin equals the reference path."""

from __future__ import annotations

import random

import pytest

pytestmark = pytest.mark.sglang

BUDGET, NEW = 10, 10


@pytest.fixture(scope="module")
def qwen2(tiny_qwen2_dir, tmp_path_factory, lookahead_factory):
    from lkv_sglang.hf import load_model

    model, _ = load_model(str(tiny_qwen2_dir))
    out = tmp_path_factory.mktemp("lookahead_qwen2_served")
    return model, lookahead_factory(model, out, "tiny-qwen2", seed=3), out


@pytest.fixture(scope="module")
def server(server_factory, tiny_qwen2_dir, qwen2):
    _, _, ckpt = qwen2
    return server_factory(
        tiny_qwen2_dir,
        [
            "--eviction",
            "lookaheadkv",
            "--eviction-budget",
            str(BUDGET),
            "--lookahead-path",
            str(ckpt),
        ],
    )


@pytest.mark.parametrize("policy", ["lookaheadkv", "snapkv", "h2o"])
def test_qwen2_matches_reference(server, qwen2, prompts, ref, policy):
    model, module, _ = qwen2
    ids = prompts(random.Random(2), 50, model.config.vocab_size)
    out = server.generate(ids, NEW, {"eviction": policy})
    assert out["meta_info"]["cached_tokens"] == 0
    assert out["output_ids"] == ref(
        model, ids, policy, BUDGET, NEW, lookahead=module if policy == "lookaheadkv" else None
    )
    assert server.events("prune")[-1]["pruned"]


@pytest.mark.parametrize("policy", ["lookaheadkv", "snapkv"])
def test_qwen2_repeated_prompt_equals_cold(server, qwen2, prompts, ref, policy):
    """Scope "prompt": a radix hit on the whole prompt still gives the cold reference tokens."""
    model, module, _ = qwen2
    ids = prompts(random.Random(12), 60, model.config.vocab_size)
    expected = ref(
        model, ids, policy, BUDGET, NEW, lookahead=module if policy == "lookaheadkv" else None
    )
    server.generate(ids, NEW, {"eviction": policy})
    again = server.generate(ids, NEW, {"eviction": policy})
    assert again["meta_info"]["cached_tokens"] > 0
    assert again["output_ids"] == expected
    assert again["meta_info"]["lkv_eviction"][0]["kv_tokens"] == BUDGET
