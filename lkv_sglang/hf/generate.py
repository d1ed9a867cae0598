"""Reference generation with eviction: prefill, score, select, prune, decode."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import torch
from transformers import DynamicCache

from ..core.budgets import check_budget
from ..core.lookahead import LookaheadModule
from ..core.plan import KeepPlan
from ..core.policies import BasePolicy, make_policy
from .cache import cache_entries, greedy_decode, prune_cache
from .lora import attach_lookahead
from .observe import PREFILL_RECORDING, observe, prefill_rows
from .recorder import RECORDER


@dataclass
class GenerationResult:
    """One request through the reference path.

    output_ids: generated tokens (no EOS); plan: the kept prompt entries; prompt_len: N;
    kv_entries: (full, kept) prompt KV entries summed over layers and KV heads;
    timings: seconds per phase (prefill, score, select, prune, decode).
    """

    output_ids: list[int]
    plan: KeepPlan
    prompt_len: int
    kv_entries: tuple[int, int]
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def eviction_seconds(self) -> float:
        return sum(self.timings.get(k, 0.0) for k in ("score", "select", "prune"))


def eos_ids(model) -> set[int]:
    eos = model.generation_config.eos_token_id
    if eos is None:
        return set()
    return {eos} if isinstance(eos, int) else set(eos)


@torch.no_grad()
def prefill(
    model, input_ids: torch.Tensor, policy: BasePolicy
) -> tuple[DynamicCache, int, torch.Tensor | None]:
    """(cache, first greedy token, recorded prefill attention or None)."""
    n = input_ids.shape[1]
    mode = PREFILL_RECORDING.get(policy.query_source)
    if mode:
        RECORDER.start(mode, read_len=n, rows=prefill_rows(policy, n))
    try:
        out = model(
            input_ids=input_ids, past_key_values=DynamicCache(), use_cache=True, logits_to_keep=1
        )
    finally:
        scores = RECORDER.stop() if mode else None
    return out.past_key_values, int(out.logits[0, -1].argmax()), scores


def as_policy(policy: str | BasePolicy) -> BasePolicy:
    return make_policy(policy) if isinstance(policy, str) else policy


@torch.no_grad()
def generate(
    model,
    input_ids: torch.Tensor | list[int],
    policy: str | BasePolicy = "full",
    budget: int = 128,
    max_new_tokens: int = 32,
    lookahead: LookaheadModule | None = None,
    draft_model=None,
    stop_on_eos: bool = True,
) -> GenerationResult:
    """Greedy generation for one prompt with its prompt KV pruned to ``budget`` per layer/head.

    ``input_ids``: (1, N) or a list of N token ids. ``lookahead``: the module for
    ``lookaheadkv`` (attached to ``model`` here). ``draft_model``: SpecKV's draft (default: the
    model itself). Returns a ``GenerationResult``.
    """
    check_budget(budget)
    pol = as_policy(policy)
    ids = torch.as_tensor(input_ids, dtype=torch.long)
    ids = (ids[None] if ids.dim() == 1 else ids).to(model.device)
    if ids.shape[0] != 1 or ids.shape[1] < 1:
        raise ValueError(
            f"input_ids must be one non-empty prompt, shape (1, N); got {tuple(ids.shape)}"
        )
    if lookahead is not None:
        attach_lookahead(model, lookahead)
    eos = eos_ids(model) if stop_on_eos else set()
    n = ids.shape[1]
    t: dict[str, float] = {}

    t0 = time.perf_counter()
    cache, first, prefill_scores = prefill(model, ids, pol)
    t["prefill"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    obs = observe(
        model,
        pol,
        cache,
        n,
        first,
        budget,
        eos,
        prefill_scores,
        lookahead,
        draft_model,
        prompt_ids=ids,
    )
    t["score"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    plan = pol.select(obs, budget)
    t["select"] = time.perf_counter() - t0

    full_entries = cache_entries(cache)
    t0 = time.perf_counter()
    if not plan.is_full:
        cache = prune_cache(cache, plan)
    t["prune"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    out = greedy_decode(model, cache, first, n, max_new_tokens, eos)
    t["decode"] = time.perf_counter() - t0
    return GenerationResult(out, plan, n, (full_entries, plan.kept_entries), t)
