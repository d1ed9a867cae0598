"""The plugin in a real SGLang server on the tiny Llama (radix cache on, page size 1, CPU).

One server: ``--eviction snapkv --eviction-budget 12 --lookahead-path <tiny checkpoint>
--chunked-prefill-size 32`` (prompts over 32 tokens prefill in chunks; shorter ones in one);
other policies and budgets come through per-request overrides (``custom_params``).
"""

from __future__ import annotations

import concurrent.futures as cf
import json
import random
import time
import urllib.request

import pytest

from lkv_sglang.core.policies import served_policies

pytestmark = pytest.mark.sglang

BUDGET = 12
NEW = 12
POLICIES = [p for p in served_policies() if p != "full"]  # every policy the server prunes with


@pytest.fixture(scope="module")
def server(server_factory, tiny_llama_dir, tiny_lookahead):
    _, ckpt = tiny_lookahead
    return server_factory(
        tiny_llama_dir,
        [
            "--eviction",
            "snapkv",
            "--eviction-budget",
            str(BUDGET),
            "--lookahead-path",
            str(ckpt),
            "--chunked-prefill-size",
            "32",
        ],
    )


@pytest.fixture(scope="module")
def vocab(tiny_hf):
    return tiny_hf.config.vocab_size


def ask(server, ids, policy=None, budget=None, new=NEW, scope=None):
    params = {}
    if policy is not None:
        params["eviction"] = policy
    if budget is not None:
        params["eviction_budget"] = budget
    if scope is not None:
        params["eviction_scope"] = scope
    return server.generate(ids, new, params or None)


def test_budget_at_least_prompt_changes_nothing(server, vocab, prompts):
    rnd = random.Random(1)
    for n in (5, BUDGET, 30):
        ids = prompts(rnd, n, vocab)
        full = ask(server, ids, policy="none")["output_ids"]
        for policy in ("snapkv", "lookaheadkv"):
            out = ask(server, ids, policy=policy, budget=max(n, BUDGET))
            assert out["output_ids"] == full, (n, policy)
            assert out["meta_info"]["lkv_eviction"][0]["pruned"] is False


@pytest.mark.parametrize("policy", POLICIES)
def test_pruned_output_equals_reference_path(
    server, vocab, tiny_hf, tiny_lookahead, policy, prompts, ref
):
    module, _ = tiny_lookahead
    rnd = random.Random(hash(policy) % 1000)
    ids = prompts(rnd, 48, vocab)
    got = ask(server, ids, policy=policy)
    expected = ref(
        tiny_hf, ids, policy, BUDGET, NEW, lookahead=module if policy == "lookaheadkv" else None
    )
    full = ref(tiny_hf, ids, "full", BUDGET, NEW)
    assert got["output_ids"] == expected
    info = got["meta_info"]["lkv_eviction"][0]
    assert info["pruned"] and info["prompt_tokens"] == 48 and info["kept_tokens"] == BUDGET
    assert info["eviction_ms"] >= 0
    assert got["output_ids"][0] == full[0]  # the first token comes from the unpruned prefill
    if policy in ("snapkv", "lookaheadkv"):
        assert expected != full, (
            "the tiny model should notice pruning; otherwise this test proves little"
        )


def test_pool_holds_budget_after_prefill_and_returns_everything(server, vocab, prompts):
    rnd = random.Random(7)
    ids = prompts(rnd, 60, vocab)
    start = server.wait_idle()
    ask(server, ids, policy="snapkv")
    prune = server.events("prune")[-1]
    assert prune["before"]["used"] - start.get("used", 0) == 60  # the full prompt after prefill
    assert prune["after"]["used"] - start.get("used", 0) == BUDGET  # only the kept entries
    end = server.wait_idle()
    assert (
        end["used"] == 0
        and end["available"] + end["evictable"] == start["available"] + start["evictable"]
    )


def test_shared_prefix_hits_radix_cache_and_both_answers_are_right(
    server, vocab, tiny_hf, prompts, ref, ref_prefix
):
    rnd = random.Random(11)
    doc = prompts(rnd, 40, vocab)
    a_ids, b_ids = doc + prompts(rnd, 36, vocab), doc + prompts(rnd, 36, vocab)
    a = ask(server, a_ids, policy="snapkv", scope="suffix")
    assert a["meta_info"]["cached_tokens"] == 0
    assert a["output_ids"] == ref(tiny_hf, a_ids, "snapkv", BUDGET, NEW)
    b = ask(server, b_ids, policy="snapkv", scope="suffix")
    shared = b["meta_info"]["cached_tokens"]
    assert shared >= len(doc), (
        "the unpruned prompt of the first request must stay in the radix cache"
    )
    info = b["meta_info"]["lkv_eviction"][0]
    assert info["cached_prefix_tokens"] == shared and info["kept_tokens"] == shared + BUDGET
    assert b["output_ids"] == ref_prefix(tiny_hf, b_ids, "snapkv", BUDGET, shared, NEW)


def test_sixteen_concurrent_requests_mixed_lengths(server, vocab, tiny_hf, prompts, ref):
    rnd = random.Random(3)
    cases = [
        (
            prompts(rnd, rnd.choice([6, 10, 25, 40, 64]), vocab),
            rnd.choice(["snapkv", "streamingllm", None]),
        )
        for _ in range(16)
    ]
    start = server.wait_idle()
    with cf.ThreadPoolExecutor(16) as pool:
        outs = list(pool.map(lambda c: ask(server, c[0], policy=c[1]), cases))
    for (ids, policy), out in zip(cases, outs, strict=True):
        assert out["output_ids"] == ref(tiny_hf, ids, policy or "snapkv", BUDGET, NEW)
    end = server.wait_idle()
    assert (
        end["used"] == 0
        and end["available"] + end["evictable"] == start["available"] + start["evictable"]
    )


def test_openai_chat_completions_with_override(server):
    body = {
        "model": "x",
        "messages": [{"role": "user", "content": "the quick brown fox " * 10}],
        "max_tokens": 8,
        "temperature": 0,
        "custom_params": {"eviction": "streamingllm", "eviction_budget": 8},
    }
    req = urllib.request.Request(
        server.url + "/v1/chat/completions",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=120) as r:
        out = json.loads(r.read())
    assert out["choices"][0]["message"]["content"] is not None
    prune = server.events("prune")[-1]
    assert prune["policy"] == "streamingllm" and prune["budget"] == 8 and prune["pruned"]


@pytest.mark.parametrize(
    "params, needle",
    [
        ({"eviction": "nope"}, "not a known policy"),
        ({"eviction_budget": 0}, "positive integer"),
        ({"eviction_budget": "12"}, "positive integer"),
        ({"eviction": "pyramidkv"}, "not served"),
    ],
)
def test_bad_request_value_is_400_and_server_stays_up(server, vocab, params, needle):
    status, body = server.post(
        "/generate",
        {
            "input_ids": [7, 8, 9] * 5,
            "sampling_params": {"max_new_tokens": 2, "custom_params": params},
        },
    )
    assert status == 400, body
    assert needle in json.dumps(body)
    assert len(ask(server, [7, 8, 9] * 5, new=2)["output_ids"]) == 2


def test_aborted_pruned_requests_free_exactly_what_they_own(server, vocab, prompts):
    rnd = random.Random(13)
    start = server.wait_idle()
    n_prunes = len(server.events("prune"))
    rids = [f"abort-me-{i}" for i in range(3)]

    def long_request(rid):
        body = {
            "rid": rid,
            "input_ids": prompts(rnd, 50, vocab),
            "sampling_params": {"max_new_tokens": 600, "temperature": 0, "ignore_eos": True},
        }
        return server.post("/generate", body, timeout=300)

    with cf.ThreadPoolExecutor(3) as pool:
        futures = [pool.submit(long_request, rid) for rid in rids]
        deadline = time.time() + 60
        while len(server.events("prune")) < n_prunes + 3 and time.time() < deadline:
            time.sleep(0.2)  # all three pruned and decoding
        for rid in rids:
            assert server.post("/abort_request", {"rid": rid})[0] == 200
        statuses = [f.result()[0] for f in futures]
    assert len(server.events("prune")) >= n_prunes + 3 and all(
        e["pruned"] for e in server.events("prune")[-3:]
    )
    assert all(s in (200, 400, 499, 500, 503) for s in statuses), statuses  # aborted, not hung
    end = server.wait_idle()
    assert (
        end["used"] == 0
        and end["available"] + end["evictable"] == start["available"] + start["evictable"]
    )
    assert len(ask(server, [7, 8, 9] * 5, new=2)["output_ids"]) == 2
