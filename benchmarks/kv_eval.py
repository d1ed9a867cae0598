"""One example's eviction evaluation, shared by quality.py (v1 data) and quality_v2.py (v2 data).

``evaluate_example`` prefills a prompt once, builds every policy's keep plan at every budget,
scores each plan's importance recall against the ground truth, and greedily decodes the
answer from the pruned cache where a task score is wanted. The callers load the data, score
the decoded text, and aggregate.
"""

from __future__ import annotations

import time
from collections import defaultdict

import torch

from lkv_sglang.core.plan import KeepPlan, QuerySource
from lkv_sglang.core.policies import make_policy
from lkv_sglang.core.selection import select
from lkv_sglang.hf.batch_decode import greedy_decode_many
from lkv_sglang.hf.cache import prune_cache
from lkv_sglang.hf.generate import prefill
from lkv_sglang.hf.lora import attach_lookahead
from lkv_sglang.hf.observe import observe
from lkv_sglang.training.ground_truth import recall_at

# every policy whose keep plan (hence recall) the evaluation computes, besides "oracle"
POLICIES = [
    "random",
    "streamingllm",
    "h2o",
    "snapkv",
    "snapkv_nopool",
    "pyramidkv",
    "knorm",
    "laq",
    "speckv",
    "lookaheadkv_untrained",
    "lookaheadkv",
]
SLOW = ("laq", "speckv")  # they decode a draft answer per example (laq: per budget)


def policy_from_spec(spec: str):
    """``name`` or ``name:key=int,key=int`` (e.g. ``lookaheadkv:window=32,pool_kernel=3``): a
    policy with options, recorded under the whole spec; ``_untrained`` picks the module only."""
    name, _, opts = spec.partition(":")
    params = {}
    for part in filter(None, opts.split(",")):
        key, _, value = part.partition("=")
        if not value.lstrip("-").isdigit():
            raise ValueError(f"policy option {part!r} in {spec!r} must be key=integer")
        params[key] = int(value)
    return make_policy(name.removesuffix("_untrained"), **params)


def recall(plan: KeepPlan, truth: torch.Tensor, budget: int) -> float:
    """Mean over layers and KV heads of |kept ∩ true top-budget| / budget (layers may keep
    different counts, as PyramidKV's do, so ``recall_at`` runs one layer at a time)."""
    per_layer = [
        recall_at(idx[None], truth[layer][None], budget) for layer, idx in enumerate(plan.indices)
    ]
    return sum(per_layer) / len(per_layer)


def evaluate_example(
    model,
    ids: torch.Tensor,
    truth: torch.Tensor,
    *,
    recall_policies: list[str],
    recall_budgets: list[int],
    task_policies: list[str],
    task_budgets: list[int],
    lookahead,
    untrained,
    eos: set[int],
    max_new: int,
) -> dict:
    """Recall and decoded answers of one prompt ``ids`` (1, N) on the model's device.

    ``truth`` (layers, KV heads, N) is the ground-truth importance (on the model's device).
    Policy names: ``oracle`` (top-budget of ``truth`` itself), any registered policy, and
    ``lookaheadkv_untrained`` (``untrained`` module). ``full`` is the caller's business.
    Returns {"recall": {policy: {budget: r}}, "answers": {policy: {budget: token ids}},
    "select_seconds": {policy: [s]}}.
    """
    n = ids.shape[1]
    layers, num_kv = truth.shape[0], truth.shape[1]
    cache, first, win = prefill(model, ids, make_policy("snapkv"))
    allrows = None  # every prompt row's attention (H2O's source): a second prefill, on demand
    names = list(dict.fromkeys([*recall_policies, *task_policies]))
    budgets = sorted({*recall_budgets, *task_budgets})
    rec: dict = defaultdict(dict)
    to_decode: list[tuple[str, int, object]] = []  # (policy, budget, pruned cache)
    select_s: dict = defaultdict(list)
    for name in names:
        if name == "full":
            continue
        obs = None
        reads_all_rows = (
            name != "oracle" and policy_from_spec(name).query_source is QuerySource.PROMPT_ALL
        )
        if allrows is None and reads_all_rows:
            _, _, allrows = prefill(model, ids, make_policy("h2o"))  # (a prefill: not timed)
        for b in budgets:
            want_recall = name in recall_policies and b in recall_budgets
            want_task = name in task_policies and b in task_budgets
            if not (want_recall or want_task):
                continue
            t0 = time.perf_counter()
            if name == "oracle":
                plan = (
                    select(truth, [b] * layers, num_kv)
                    if b < n
                    else KeepPlan.keep_all(n, layers, num_kv, device=truth.device)
                )
            else:
                pol = policy_from_spec(name)
                if obs is None or pol.query_source is QuerySource.SELF_DRAFT:
                    la = untrained if name.partition(":")[0].endswith("_untrained") else lookahead
                    if pol.query_source is QuerySource.LOOKAHEAD:
                        attach_lookahead(model, la)
                    pre = allrows if pol.query_source is QuerySource.PROMPT_ALL else win
                    obs = observe(model, pol, cache, n, first, b, eos, pre, la, None)
                plan = pol.select(obs, b)
            select_s[name].append(time.perf_counter() - t0)
            if want_recall:
                rec[name][b] = recall(plan, truth, b)
            if want_task:
                to_decode.append((name, b, prune_cache(cache, plan)))
    # one batch per cache shape (every uniform-budget plan at one budget): one forward per token
    tokens = greedy_decode_many(model, [c for _, _, c in to_decode], first, n, max_new, eos)
    answers: dict = defaultdict(dict)
    for (name, b, _), toks in zip(to_decode, tokens, strict=True):
        answers[name][b] = toks
    return {"recall": dict(rec), "answers": dict(answers), "select_seconds": dict(select_s)}
