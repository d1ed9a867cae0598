"""The plugin serving the default model (SmolLM2-135M-Instruct via ``resolve_model``).

Greedy output of the server equals the transformers reference path for the same policy and
budget on a real prompt (the needle document), and the pool holds only the kept entries.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytestmark = [pytest.mark.sglang, pytest.mark.slow]

NEEDLE = Path(__file__).resolve().parents[2] / "examples" / "needle.txt"
BUDGET, NEW = 64, 16


@pytest.fixture(scope="module")
def smol(tmp_path_factory):
    from lkv_sglang.hf import load_model
    from lkv_sglang.models import resolve_model
    from lkv_sglang.runner import chat_ids

    model, tok = load_model("smollm2-135m")

    def prompt(tag: str) -> list[int]:  # one document per test: only the chat header is shared
        return chat_ids(tok, f"({tag}) " + NEEDLE.read_text())[0].tolist()

    return resolve_model("smollm2-135m"), model, prompt


@pytest.fixture(scope="module")
def smol_lookahead(smol, tmp_path_factory, lookahead_factory):
    _, model, _ = smol
    out = tmp_path_factory.mktemp("lookahead_smol")
    return lookahead_factory(model, out, "smollm2-135m"), out


@pytest.fixture(scope="module")
def server(server_factory, smol, smol_lookahead):
    path, _, _ = smol
    _, ckpt = smol_lookahead
    return server_factory(
        path,
        [
            "--eviction",
            "snapkv",
            "--eviction-budget",
            str(BUDGET),
            "--lookahead-path",
            str(ckpt),
            # SGLang's start-up check compares system memory before and after loading the
            # weights; other jobs on a shared CPU machine move it (the pool is fixed by
            # max_total_tokens either way)
            "--mem-fraction-static",
            "0.3",
        ],
        timeout=600,
        max_total_tokens=8192,
    )


@pytest.mark.parametrize("policy", ["snapkv", "lookaheadkv"])
def test_default_model_matches_reference(server, smol, smol_lookahead, ref_prefix, policy):
    """Scope "suffix": requests share the chat template's first tokens, so a later one hits the
    radix cache for them: that prefix is kept whole and only the own suffix is pruned (the
    reference does the same; with no hit it is the plain reference path)."""
    _, model, prompt = smol
    module, _ = smol_lookahead
    ids = prompt(policy)
    assert len(ids) > 4 * BUDGET
    start = server.wait_idle()
    out = server.generate(ids, NEW, {"eviction": policy, "eviction_scope": "suffix"})
    shared = out["meta_info"]["cached_tokens"]
    assert shared < len(ids) - BUDGET, "the own suffix must be longer than the budget"
    expected = ref_prefix(
        model,
        ids,
        policy,
        BUDGET,
        shared,
        NEW,
        lookahead=module if policy == "lookaheadkv" else None,
    )
    assert out["output_ids"] == expected
    prune = server.events("prune")[-1]
    assert prune["pruned"] and prune["after"]["used"] - start.get("used", 0) == shared + BUDGET
    end = server.wait_idle()
    assert end["used"] == 0


@pytest.mark.parametrize("policy", ["snapkv", "lookaheadkv"])
def test_repeat_and_second_turn_equal_the_cold_request(server, smol, smol_lookahead, ref, policy):
    """Scope "prompt" (the default): the needle prompt cold, again (a radix hit), and a second
    turn over it each give the plain reference path's tokens and hold ``budget`` KV entries."""
    _, model, prompt = smol
    module, _ = smol_lookahead
    look = module if policy == "lookaheadkv" else None
    ids = prompt(f"{policy} turns")
    expected = ref(model, ids, policy, BUDGET, NEW, lookahead=look)
    start = server.wait_idle()
    cold = server.generate(ids, NEW, {"eviction": policy})
    again = server.generate(ids, NEW, {"eviction": policy})
    assert cold["output_ids"] == expected and again["output_ids"] == expected
    assert again["meta_info"]["cached_tokens"] > len(ids) // 2
    assert server.events("prune")[-1]["after"]["used"] - start.get("used", 0) == BUDGET
    turn2 = ids + cold["output_ids"] + ids[-12:]
    second = server.generate(turn2, NEW, {"eviction": policy})
    assert second["meta_info"]["cached_tokens"] > len(ids) // 2
    assert second["output_ids"] == ref(model, turn2, policy, BUDGET, NEW, lookahead=look)
    assert server.events("prune")[-1]["after"]["used"] - start.get("used", 0) == BUDGET
    assert server.wait_idle()["used"] == 0


def test_empty_text_is_a_400_and_the_server_stays_up(server, smol):
    """SmolLM2's tokenizer turns "" into no token: SGLang 0.5.23 alone would run a 0-token batch
    and its scheduler would die; the plugin answers 400."""
    status, body = server.post("/generate", {"text": "", "sampling_params": {"max_new_tokens": 4}})
    assert status == 400 and "empty" in json.dumps(body), body
    _, _, prompt = smol
    assert server.generate(prompt("after empty")[:200], 4, {"eviction": "none"})["output_ids"]
