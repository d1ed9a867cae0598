"""The plugin serving the default model (SmolLM2-135M-Instruct via ``resolve_model``).

Greedy output of the server equals the transformers reference path for the same policy and
budget on a real prompt (the needle document), and the pool holds only the kept entries.
"""

from __future__ import annotations

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
        ["--eviction", "snapkv", "--eviction-budget", str(BUDGET), "--lookahead-path", str(ckpt)],
        timeout=600,
        max_total_tokens=8192,
    )


@pytest.mark.parametrize("policy", ["snapkv", "lookaheadkv"])
def test_default_model_matches_reference(server, smol, smol_lookahead, ref_prefix, policy):
    """Requests share the chat template's first tokens, so a later one hits the radix cache for
    them: that prefix is kept whole and only the own suffix is pruned (the reference does the
    same; with no hit it is the plain reference path)."""
    _, model, prompt = smol
    module, _ = smol_lookahead
    ids = prompt(policy)
    assert len(ids) > 4 * BUDGET
    start = server.wait_idle()
    out = server.generate(ids, NEW, {"eviction": policy})
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
