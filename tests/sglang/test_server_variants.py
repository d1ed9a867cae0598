"""Chunked prefill (radix on) and radix cache off: same answers as the reference path, exact
accounting. One server per variant, one at a time."""

from __future__ import annotations

import random

import pytest

from lkv_sglang.testing.sglang_server import start_server

pytestmark = pytest.mark.sglang

BUDGET, NEW = 10, 10
VARIANTS = {
    "chunked16": ["--chunked-prefill-size", "16"],
    "no-radix": ["--disable-radix-cache"],
}


@pytest.fixture(scope="module", params=list(VARIANTS))
def variant(request, tiny_llama_dir, tiny_lookahead, tmp_path_factory):
    _, ckpt = tiny_lookahead
    flags = ["--disable-overlap-schedule", "--eviction", "h2o", "--eviction-budget", str(BUDGET),
             "--lookahead-path", str(ckpt), *VARIANTS[request.param]]
    server = start_server(tiny_llama_dir, flags, tmp_path_factory.mktemp(request.param))
    yield request.param, server
    server.stop()


@pytest.mark.parametrize("policy", ["h2o", "snapkv", "lookaheadkv"])
def test_matches_reference_and_frees_exactly(variant, tiny_hf, tiny_lookahead, prompts, ref, policy):
    name, server = variant
    module, _ = tiny_lookahead
    ids = prompts(random.Random(5), 70, tiny_hf.config.vocab_size)
    start = server.wait_idle()
    out = server.generate(ids, NEW, {"eviction": policy})
    assert out["output_ids"] == ref(tiny_hf, ids, policy, BUDGET, NEW, lookahead=module if policy == "lookaheadkv" else None)
    prune = server.events("prune")[-1]
    assert prune["pruned"] and prune["after"]["used"] - start.get("used", 0) == BUDGET
    assert prune["mode"] == ("in_place" if name == "no-radix" else "copy")
    end = server.wait_idle()
    assert end["used"] == 0 and end["available"] + end["evictable"] == start["available"] + start["evictable"]
    if name == "no-radix":
        assert end["available"] == start["available"]  # every slot back to the allocator


def test_shared_prefix_across_chunks(variant, tiny_hf, prompts, ref, ref_prefix):
    name, server = variant
    rnd = random.Random(9)
    vocab = tiny_hf.config.vocab_size
    doc = prompts(rnd, 40, vocab)
    a_ids, b_ids = doc + prompts(rnd, 34, vocab), doc + prompts(rnd, 34, vocab)
    start = server.wait_idle()
    a = server.generate(a_ids, NEW, {"eviction": "snapkv"})
    assert a["output_ids"] == ref(tiny_hf, a_ids, "snapkv", BUDGET, NEW)
    b = server.generate(b_ids, NEW, {"eviction": "snapkv"})
    shared = b["meta_info"]["cached_tokens"]
    if name == "no-radix":
        assert shared == 0
    else:
        assert shared >= len(doc)
    assert b["output_ids"] == ref_prefix(tiny_hf, b_ids, "snapkv", BUDGET, shared, NEW)
    end = server.wait_idle()
    assert end["used"] == 0 and end["available"] + end["evictable"] == start["available"] + start["evictable"]
