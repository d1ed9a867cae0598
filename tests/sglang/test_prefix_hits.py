"""Eviction survives the radix cache (scope "prompt", the default), with the overlap scheduler on.

A request's kept set is chosen over its whole prompt, so the same prompt sent again, and a
second turn that extends a first one, give exactly the tokens of the plain (cold) reference
path, while the radix cache still saves their prefill (``cached_tokens`` > 0), and each holds
``budget`` KV entries by SGLang's own accounting, whatever was matched. One tiny-Llama server per
page size, SGLang's default overlap scheduler on, chunked prefill of 32.
"""

from __future__ import annotations

import concurrent.futures as cf
import json
import random
import urllib.request

import pytest

from lkv_sglang.core.policies import served_policies
from lkv_sglang.launcher import start_server

pytestmark = pytest.mark.sglang

BUDGET, NEW = 12, 10
SERVED = [p for p in served_policies() if p != "full"]  # every policy the server prunes with
PAGES = [1, 16]


@pytest.fixture(scope="module", params=PAGES, ids=[f"page{p}" for p in PAGES])
def server(request, tiny_llama_dir, tiny_lookahead, tmp_path_factory):
    _, ckpt = tiny_lookahead
    flags = [
        "--eviction",
        "snapkv",
        "--eviction-budget",
        str(BUDGET),
        "--lookahead-path",
        str(ckpt),
        "--chunked-prefill-size",
        "32",
        "--page-size",
        str(request.param),
    ]  # no --disable-overlap-schedule: SGLang's default scheduler
    srv = start_server(tiny_llama_dir, flags, tmp_path_factory.mktemp(f"hits{request.param}"))
    srv.page = request.param
    yield srv
    srv.stop()


def whole_pages(n: int, page: int) -> int:
    return -(-n // page) * page


def held_after_prune(server, start: dict) -> int:
    """KV the last pruned request holds, by SGLang's counts (used = total - free - evictable)."""
    return server.events("prune")[-1]["after"]["used"] - start.get("used", 0)


def assert_pool_back(server, start: dict) -> None:
    end = server.wait_idle()
    assert end["used"] == 0, end
    assert end["available"] + end["evictable"] == start["available"] + start["evictable"]


@pytest.mark.parametrize("policy", SERVED)
def test_repeat_and_second_turn_give_the_cold_tokens(
    server, tiny_hf, tiny_lookahead, prompts, ref, policy
):
    module, _ = tiny_lookahead
    look = module if policy == "lookaheadkv" else None
    vocab = tiny_hf.config.vocab_size
    ids = prompts(random.Random(len(policy)), 70, vocab)
    cold_expected = ref(tiny_hf, ids, policy, BUDGET, NEW, lookahead=look)
    start = server.wait_idle()
    cold = server.generate(ids, NEW, {"eviction": policy})
    assert cold["output_ids"] == cold_expected
    assert held_after_prune(server, start) == whole_pages(BUDGET, server.page)
    again = server.generate(ids, NEW, {"eviction": policy})
    assert again["meta_info"]["cached_tokens"] > 0 or policy == "h2o", "no radix hit"
    assert again["output_ids"] == cold_expected
    info = again["meta_info"]["lkv_eviction"][0]
    assert info["pruned"] and info["kept_tokens"] == BUDGET and info["scope"] == "prompt"
    assert info["kv_tokens"] == BUDGET
    assert held_after_prune(server, start) == whole_pages(BUDGET, server.page)
    turn2 = ids + cold["output_ids"] + prompts(random.Random(99), 9, vocab)[1:]
    second = server.generate(turn2, NEW, {"eviction": policy})
    if policy != "h2o":  # h2o needs every prompt query: it never reuses a prefix
        assert second["meta_info"]["cached_tokens"] >= whole_pages(40, server.page) - server.page
    else:
        assert second["meta_info"]["cached_tokens"] == 0
    assert second["output_ids"] == ref(tiny_hf, turn2, policy, BUDGET, NEW, lookahead=look)
    assert held_after_prune(server, start) == whole_pages(BUDGET, server.page)
    assert_pool_back(server, start)


def test_suffix_scope_keeps_the_prefix_shared(server, tiny_hf, prompts, ref_prefix):
    vocab = tiny_hf.config.vocab_size
    rnd = random.Random(31)
    doc = prompts(rnd, 48, vocab)
    start = server.wait_idle()
    server.generate(doc + prompts(rnd, 30, vocab), NEW, {"eviction_scope": "suffix"})
    b_ids = doc + prompts(rnd, 30, vocab)
    b = server.generate(b_ids, NEW, {"eviction_scope": "suffix"})
    shared = b["meta_info"]["cached_tokens"]
    assert shared >= whole_pages(48, server.page) - server.page
    assert b["output_ids"] == ref_prefix(tiny_hf, b_ids, "snapkv", BUDGET, shared, NEW)
    info = b["meta_info"]["lkv_eviction"][0]
    assert info["scope"] == "suffix" and info["kept_tokens"] == shared + BUDGET
    assert_pool_back(server, start)


def test_sixteen_concurrent_mixed_requests_with_overlap(
    server, tiny_hf, tiny_lookahead, prompts, ref
):
    module, _ = tiny_lookahead
    vocab = tiny_hf.config.vocab_size
    rnd = random.Random(17)
    doc = prompts(rnd, 40, vocab)
    cases = []
    for i in range(16):
        policy = SERVED[i % len(SERVED)]
        ids = (doc if i % 2 else prompts(rnd, 8, vocab)) + prompts(rnd, 20 + 3 * i, vocab)[1:]
        cases.append((policy, ids))
    start = server.wait_idle()
    with cf.ThreadPoolExecutor(16) as pool:
        outs = list(pool.map(lambda c: server.generate(c[1], NEW, {"eviction": c[0]}), cases))
    for (policy, ids), out in zip(cases, outs, strict=True):
        look = module if policy == "lookaheadkv" else None
        assert out["output_ids"] == ref(tiny_hf, ids, policy, BUDGET, NEW, lookahead=look), policy
    assert_pool_back(server, start)


def stream_lines(url: str, body: dict) -> list[str]:
    req = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(req, timeout=300) as r:
        return [
            line.decode()[len("data: ") :].strip()
            for line in r
            if line.startswith(b"data: ") and not line.startswith(b"data: [DONE]")
        ]


def test_streamed_responses_end_with_the_report(server, tiny_hf, prompts):
    ids = prompts(random.Random(41), 60, tiny_hf.config.vocab_size)
    sp = {"max_new_tokens": NEW, "temperature": 0, "ignore_eos": True}
    chunks = stream_lines(
        server.url + "/generate", {"input_ids": ids, "sampling_params": sp, "stream": True}
    )
    assert len(chunks) > 1
    last = json.loads(chunks[-1])
    report = last["meta_info"]["lkv_eviction"][0]
    assert report["pruned"] and report["prompt_tokens"] == 60 and report["kept_tokens"] == BUDGET
    chat = stream_lines(
        server.url + "/v1/chat/completions",
        {
            "model": "default",
            "messages": [{"role": "user", "content": "tell me " * 40}],
            "max_tokens": NEW,
            "temperature": 0,
            "stream": True,
        },
    )
    final = json.loads(chat[-1])
    assert final["lkv_eviction"]["pruned"] and final["lkv_eviction"]["kept_tokens"] == BUDGET
    assert all("lkv_eviction" not in json.loads(c) for c in chat[:-1])
