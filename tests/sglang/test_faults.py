"""No request a client can send takes the server down; a failed compaction leaves that request
whole and the server serving. Tiny Llama, ``--eviction snapkv``, SGLang's default overlap
scheduler."""

from __future__ import annotations

import json
import random
import urllib.error
import urllib.request

import pytest

from lkv_sglang.launcher import start_server

pytestmark = pytest.mark.sglang

BUDGET, NEW = 8, 6


def flags(ckpt) -> list[str]:
    return ["--eviction", "snapkv", "--eviction-budget", str(BUDGET), "--lookahead-path", str(ckpt)]


@pytest.fixture(scope="module")
def server(tiny_llama_dir, tiny_lookahead, tmp_path_factory):
    _, ckpt = tiny_lookahead
    srv = start_server(tiny_llama_dir, flags(ckpt), tmp_path_factory.mktemp("faults"))
    yield srv
    srv.stop()


def raw_post(server, path: str, data: bytes) -> tuple[int, dict]:
    req = urllib.request.Request(
        server.url + path, data=data, headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(req, timeout=120) as r:
            raw = r.read()
            return r.status, json.loads(raw) if raw.strip() else {}
    except urllib.error.HTTPError as e:
        return e.code, {}


def sp(**extra) -> dict:
    return {"max_new_tokens": NEW, "temperature": 0, **extra}


BATTERY = {  # name: (body, allowed statuses)
    # the tiny tokenizer turns "" into [BOS]: a one-token prompt, answered (SmolLM2's is empty:
    # a 400, see test_empty_prompt_is_refused_before_the_scheduler)
    "empty text": ({"text": "", "sampling_params": sp()}, {200, 400}),
    "empty ids": ({"input_ids": [], "sampling_params": sp()}, {400}),
    "over the context": ({"input_ids": [7] * 70_000, "sampling_params": sp()}, {400}),
    "max_new_tokens 0": ({"input_ids": [7] * 40, "sampling_params": sp(max_new_tokens=0)}, {200}),
    "max_new_tokens -1": ({"input_ids": [7] * 40, "sampling_params": sp(max_new_tokens=-1)}, {400}),
    "n 2": ({"input_ids": [9] * 40, "sampling_params": sp(n=2)}, {200}),
    "beam search": ({"input_ids": [9] * 40, "sampling_params": sp(beam_width=2)}, {400}),
    "huge custom_params": (
        {
            "input_ids": [5] * 40,
            "sampling_params": sp(custom_params={f"k{i}": i for i in range(5000)}),
        },
        {200},
    ),
    "bad budget type": (
        {"input_ids": [5] * 40, "sampling_params": sp(custom_params={"eviction_budget": [1]})},
        {400},
    ),
    "unknown field": (  # SGLang ignores unknown top-level fields: answered normally
        {"input_ids": [5] * 40, "sampling_params": sp(), "nonsense": 1},
        {200, 400, 422},
    ),
    "unknown sampling field": ({"input_ids": [5] * 40, "sampling_params": sp(bogus=1)}, {400, 422}),
}


def test_bad_requests_get_4xx_and_the_server_keeps_serving(server, tiny_hf, prompts, ref):
    ids = prompts(random.Random(3), 40, tiny_hf.config.vocab_size)
    expected = ref(tiny_hf, ids, "snapkv", BUDGET, NEW)
    got = {}
    for name, (body, _allowed) in BATTERY.items():
        got[name], answer = raw_post(server, "/generate", json.dumps(body).encode())
        if got[name] == 200 and name == "empty text":
            assert answer["meta_info"]["prompt_tokens"] >= 1, answer
        assert server.generate(ids, NEW)["output_ids"] == expected, f"after {name}"
    got["malformed json"], _ = raw_post(server, "/generate", b'{"text": "abc", "sampling_')
    bad = {n: s for n, s in got.items() if s not in (BATTERY[n][1] if n in BATTERY else {400, 422})}
    assert not bad, f"unexpected statuses: {bad} (all: {got})"
    assert server.generate(ids, NEW)["output_ids"] == expected


@pytest.fixture(scope="module")
def failing(tiny_llama_dir, tiny_lookahead, tmp_path_factory):
    _, ckpt = tiny_lookahead
    srv = start_server(
        tiny_llama_dir,
        flags(ckpt),
        tmp_path_factory.mktemp("failing"),
        env={"LKV_SGLANG_FAIL_COMPACTION": "1"},
    )
    yield srv
    srv.stop()


@pytest.mark.parametrize("radix", ["hit", "miss"])
def test_failed_compaction_leaves_the_request_whole(failing, tiny_hf, prompts, ref, radix):
    ids = prompts(random.Random(8 if radix == "hit" else 9), 50, tiny_hf.config.vocab_size)
    start = failing.wait_idle()
    if radix == "hit":
        failing.generate(ids, NEW)
    out = failing.generate(ids, NEW)
    assert out["output_ids"] == ref(tiny_hf, ids, "full", BUDGET, NEW)
    info = out["meta_info"]["lkv_eviction"][0]
    assert not info["pruned"] and "injected compaction failure" in info["error"]
    end = failing.wait_idle()
    assert end["used"] == 0
    assert end["available"] + end["evictable"] == start["available"] + start["evictable"]


def test_empty_prompt_is_refused_before_the_scheduler():
    """The HTTP-process check itself (SmolLM2's tokenizer turns "" into no token at all)."""
    from types import SimpleNamespace

    from lkv_sglang.sglang_plugin.lifecycle import after_validate_one_request

    with pytest.raises(ValueError, match="the prompt is empty"):
        after_validate_one_request(None, None, SimpleNamespace(input_embeds=None), [])
    after_validate_one_request(None, None, SimpleNamespace(input_embeds=None), [1])
    after_validate_one_request(None, None, SimpleNamespace(input_embeds=[[0.0]]), [])
