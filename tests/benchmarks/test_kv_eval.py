"""kv_eval.evaluate_example on a tiny model: its batched answers and its plans are each
policy's own (what the reference path gives for that policy and budget alone)."""

from __future__ import annotations

import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

import kv_eval  # noqa: E402

from lkv_sglang.core.policies import make_policy  # noqa: E402
from lkv_sglang.hf import load_model  # noqa: E402
from lkv_sglang.hf.cache import greedy_decode, prune_cache  # noqa: E402
from lkv_sglang.hf.generate import prefill  # noqa: E402
from lkv_sglang.hf.geometry import new_lookahead  # noqa: E402
from lkv_sglang.hf.observe import observe  # noqa: E402

N, NEW, BUDGETS = 36, 6, [8, 16]
POLICIES = ["snapkv", "h2o", "streamingllm"]


def test_answers_and_recall_are_each_policys_own(tiny_model_dir):
    model, tok = load_model(str(tiny_model_dir))
    la = new_lookahead(model, "tiny", seed=0)
    ids = torch.randint(10, len(tok), (1, N), generator=torch.Generator().manual_seed(5))
    truth = torch.rand(model.config.num_hidden_layers, model.config.num_key_value_heads, N)
    ev = kv_eval.evaluate_example(
        model,
        ids,
        truth,
        recall_policies=POLICIES,
        recall_budgets=BUDGETS,
        task_policies=POLICIES,
        task_budgets=BUDGETS,
        lookahead=la,
        untrained=la,
        eos=set(),
        max_new=NEW,
    )
    for name in POLICIES:
        pol = make_policy(name)
        cache, first, obs_rows = prefill(model, ids, pol)  # H2O: every row; others: the window
        for b in BUDGETS:
            obs = observe(model, pol, cache, N, first, b, set(), obs_rows, la, None)
            plan = pol.select(obs, b)
            assert ev["recall"][name][b] == kv_eval.recall(plan, truth, b), (name, b)
            want = greedy_decode(model, prune_cache(cache, plan), first, N, NEW, set())
            assert ev["answers"][name][b] == want, (name, b)
    assert len({tuple(ev["answers"][p][8]) for p in POLICIES}) > 1  # plans differ
