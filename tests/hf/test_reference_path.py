"""The transformers reference path on tiny random Llama (GQA 4/2) and Qwen2 (GQA 6/2) models."""

import pytest
import torch
from transformers import DynamicCache

from lkv_sglang.core.plan import KeepPlan
from lkv_sglang.core.policies import POLICIES, make_policy
from lkv_sglang.hf import generate
from lkv_sglang.hf.cache import cache_lengths, greedy_decode, prune_cache
from lkv_sglang.hf.generate import prefill


def prompt(tok, n, seed=0):
    return torch.randint(10, len(tok), (1, n), generator=torch.Generator().manual_seed(seed))


N, NEW = 48, 10


def plain_greedy(model, ids, n_new):
    out = model.generate(ids, max_new_tokens=n_new, do_sample=False, min_new_tokens=n_new)
    return out[0, ids.shape[1] :].tolist()


@pytest.mark.parametrize("policy", POLICIES.names())
def test_budget_at_least_prompt_equals_plain_generate(tiny, policy):
    model, tok, la = tiny
    ids = prompt(tok, N)
    ref = plain_greedy(model, ids, NEW)
    for budget in (N, N + 7):
        res = generate(
            model, ids, policy, budget=budget, max_new_tokens=NEW, lookahead=la, stop_on_eos=False
        )
        assert res.plan.is_full
        assert res.output_ids == ref, f"{policy} budget {budget}"


@pytest.mark.parametrize("policy", [p for p in POLICIES.names() if p != "full"])
def test_pruned_cache_holds_exactly_the_plan(tiny, policy):
    model, tok, la = tiny
    ids = prompt(tok, N, seed=1)
    budget = 12
    res = generate(
        model, ids, policy, budget=budget, max_new_tokens=3, lookahead=la, stop_on_eos=False
    )
    pol = make_policy(policy)
    assert res.plan.budgets == [min(b, N) for b in pol.layer_budgets(budget, len(res.plan.indices))]
    cache, _, _ = prefill(model, ids, make_policy("full"))
    pruned = prune_cache(cache, res.plan)
    assert cache_lengths(pruned) == res.plan.budgets
    for layer, idx in enumerate(res.plan.indices):
        full_k = cache.layers[layer].keys[0]
        for h in range(idx.shape[0]):
            assert torch.equal(pruned.layers[layer].keys[0, h], full_k[h, idx[h]])
    assert res.kv_entries[1] == sum(
        b * idx.shape[0] for b, idx in zip(res.plan.budgets, res.plan.indices, strict=True)
    )


def test_pruning_changes_the_output(tiny):
    model, tok, la = tiny
    ids = prompt(tok, N, seed=2)
    full = generate(model, ids, "full", budget=4, max_new_tokens=NEW, stop_on_eos=False).output_ids
    outs = {
        p: generate(
            model, ids, p, budget=4, max_new_tokens=NEW, lookahead=la, stop_on_eos=False
        ).output_ids
        for p in ("random", "streamingllm", "snapkv")
    }
    assert any(o != full for o in outs.values())


def test_reordered_keep_all_plan_does_not_change_output(tiny):
    """Keys carry RoPE already; decode positions are logical: a permuted full cache is the same."""
    model, tok, _ = tiny
    ids = prompt(tok, N, seed=3)
    cache, first, _ = prefill(model, ids, make_policy("full"))
    g = torch.Generator().manual_seed(0)
    layers, heads = len(cache.layers), cache.layers[0].keys.shape[1]
    perm = KeepPlan(
        N,
        tuple(
            torch.stack([torch.randperm(N, generator=g) for _ in range(heads)])
            for _ in range(layers)
        ),
    )
    ref = greedy_decode(model, cache, first, N, NEW, set())
    cache2, _, _ = prefill(model, ids, make_policy("full"))
    out = greedy_decode(model, prune_cache(cache2, perm), first, N, NEW, set())
    assert out == ref


def test_logical_positions_after_pruning_match_masked_full_attention(tiny):
    """Pruning to a plan equals decoding on the full cache with the dropped keys masked out
    (the same kept set in every head, so one mask serves all heads)."""
    model, tok, _ = tiny
    ids = prompt(tok, N, seed=4)
    keep = torch.tensor(sorted(set(range(0, N, 3)) | {N - 1}))
    layers = len(model.model.layers)
    heads = model.config.num_key_value_heads
    plan = KeepPlan(N, tuple(keep.expand(heads, -1).clone() for _ in range(layers)))
    cache, first, _ = prefill(model, ids, make_policy("full"))
    pruned_out = greedy_decode(model, prune_cache(cache, plan), first, N, NEW, set())
    # reference: the full cache at its original positions, the dropped keys hidden by a mask
    dropped = torch.ones(N, dtype=torch.bool)
    dropped[keep] = False
    cache_full, _, _ = prefill(model, ids, make_policy("full"))
    out, cur = [], first
    for step in range(NEW):
        out.append(cur)
        mask = torch.cat([~dropped, torch.ones(step + 1, dtype=torch.bool)])[None, None, None]
        logits = model(
            input_ids=torch.tensor([[cur]]),
            position_ids=torch.tensor([[N + step]]),
            past_key_values=cache_full,
            attention_mask=None,
            use_cache=True,
            lkv_key_mask=mask,
        ).logits
        cur = int(logits[0, -1].argmax())
    assert pruned_out == out
    unpruned = greedy_decode(
        model, prefill(model, ids, make_policy("full"))[0], first, N, NEW, set()
    )
    assert unpruned != out, "the mask must matter for this check to mean anything"


def test_batch_of_two_is_refused(tiny):
    model, tok, _ = tiny
    with pytest.raises(ValueError, match="one non-empty prompt"):
        generate(model, torch.zeros(2, 5, dtype=torch.long), "full")


@pytest.mark.parametrize("bad", [0, -4])
def test_bad_budget_named(tiny, bad):
    model, tok, _ = tiny
    with pytest.raises(ValueError, match=f"got {bad}"):
        generate(model, prompt(tok, 8), "snapkv", budget=bad)


def test_lookaheadkv_without_module_is_a_clear_error(tiny_llama_dir):
    from lkv_sglang.hf import load_model

    model, tok = load_model(str(tiny_llama_dir))
    with pytest.raises(ValueError, match="needs a lookahead module"):
        generate(model, prompt(tok, 20), "lookaheadkv", budget=4)


def test_scoring_passes_leave_no_trace(tiny):
    model, tok, la = tiny
    ids = prompt(tok, N, seed=5)
    for policy in ("lookaheadkv", "laq", "speckv", "oracle"):
        cache, first, scores = prefill(model, ids, make_policy(policy))
        from lkv_sglang.hf.observe import observe

        observe(model, make_policy(policy), cache, N, first, 8, set(), scores, la, None)
        assert cache_lengths(cache) == [N] * len(cache.layers)
        assert isinstance(cache, DynamicCache)


def test_speckv_with_a_separate_draft_model(tiny, tiny_llama_dir, tmp_path):
    """A draft model of the same vocabulary drafts; the target scores with the draft's tokens."""
    from lkv_sglang.hf import load_model
    from lkv_sglang.models.tiny import build_tiny

    model, tok, _ = tiny
    draft, _ = load_model(str(build_tiny(tmp_path / "draft", "llama", seed=1)))
    if draft.config.vocab_size != model.config.vocab_size:
        with pytest.raises(ValueError, match="same tokenizer"):
            generate(model, prompt(tok, N), "speckv", budget=8, draft_model=draft)
        return
    res = generate(
        model, prompt(tok, N, seed=6), "speckv", budget=8, max_new_tokens=4, draft_model=draft
    )
    own = generate(model, prompt(tok, N, seed=6), "speckv", budget=8, max_new_tokens=4)
    assert res.plan.budgets == own.plan.budgets
    assert any(
        not torch.equal(a, b) for a, b in zip(res.plan.indices, own.plan.indices, strict=True)
    )
