"""Tensor parallelism (``--tp 2``) on the CPU engine (gloo): every rank scores and compacts its own
KV heads and gives the transformers reference path's tokens. The tiny Llama has 4 query and 2
KV heads, one KV head per rank. Before the lookahead pass reduced ``o_proj``/``down_proj``
partial sums (SGLang builds them with ``reduce_results=False``) lookaheadkv differed here."""

from __future__ import annotations

import random

import pytest

from lkv_sglang.launcher import start_server

pytestmark = pytest.mark.sglang

BUDGET, NEW = 12, 10


@pytest.fixture(scope="module")
def server(tiny_llama_dir, tiny_lookahead, tmp_path_factory):
    _, ckpt = tiny_lookahead
    flags = [
        "--tp",
        "2",
        "--eviction",
        "lookaheadkv",
        "--eviction-budget",
        str(BUDGET),
        "--lookahead-path",
        str(ckpt),
    ]
    env = {"SGLANG_CPU_OMP_THREADS_BIND": "0|1"}  # one NUMA node: one core per rank
    srv = start_server(tiny_llama_dir, flags, tmp_path_factory.mktemp("tp2"), env=env, timeout=400)
    yield srv
    srv.stop()


@pytest.mark.parametrize("policy", ["lookaheadkv", "snapkv", "h2o"])
def test_tp2_matches_reference(server, tiny_hf, tiny_lookahead, prompts, ref, policy):
    module, _ = tiny_lookahead
    ids = prompts(random.Random(len(policy) + 50), 60, tiny_hf.config.vocab_size)
    look = module if policy == "lookaheadkv" else None
    expected = ref(tiny_hf, ids, policy, BUDGET, NEW, lookahead=look)
    out = server.generate(ids, NEW, {"eviction": policy})
    assert out["meta_info"]["lkv_eviction"][0]["pruned"]
    assert out["output_ids"] == expected
    again = server.generate(ids, NEW, {"eviction": policy})  # a radix hit, scope prompt
    assert again["output_ids"] == expected
