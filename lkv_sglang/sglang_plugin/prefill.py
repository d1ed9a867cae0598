"""After a request's last prefill chunk: observe, select with the core, compact, account.

Runs around ``process_batch_result_prefill``: candidates are picked before SGLang's own
processing (which checkpoints prompts into the radix tree and releases finished requests),
pruning happens after it and before the prefill batch is merged into the running batch, so
the merged decode batch already carries the compacted KV lengths.
"""

from __future__ import annotations

import logging
import os
import time

import torch

from ..core.plan import KeepPlan, Observation, QuerySource
from .accounting import log_event, pool_counts
from .admission import note_freed
from .compact import compact_request
from .context import CONTEXT
from .meta import attach_summary
from .policy import policy_for
from .requests import server_settings
from .state import PruneState, state_of

logger = logging.getLogger(__name__)
ENV_DUMP = "LKV_SGLANG_DUMP_PLANS"  # a directory: save each request's observation and plan there


def layer_ids(kv_pool) -> range:
    return range(kv_pool.start_layer, kv_pool.start_layer + kv_pool.layer_num)


def uses_lookahead(state: PruneState) -> bool:
    return policy_for(state.settings.policy).query_source is QuerySource.LOOKAHEAD


def own_prompt_exceeds_budget(req, state: PruneState) -> bool:
    """Whether the prompt past the shared prefix is longer than the budget (else nothing to prune)."""
    return len(req.origin_input_ids) - (state.shared_len or 0) > state.settings.budget


def lookahead_scores(
    proc, items: list[tuple[object, PruneState]]
) -> dict[int, tuple[torch.Tensor, int]]:
    """Lookahead passes (``--lookahead-batch`` requests each) for every request in ``items`` that
    will be pruned with lookaheadkv.

    Returns id(req) -> ((num_layers, local_kv_heads, N), requests in its pass). Raises if a pass
    fails (the callers' requests then keep their full KV).
    """
    wanted = [
        (req, st) for req, st in items if uses_lookahead(st) and own_prompt_exceeds_budget(req, st)
    ]
    if not wanted:
        return {}
    from sglang.srt.runtime_context import get_parallel

    from .lookahead_pass import lookahead_attention

    par = get_parallel()
    step = server_settings().lookahead_batch
    out = {}
    for start in range(0, len(wanted), step):
        part = wanted[start : start + step]
        scores = lookahead_attention(
            proc.model_worker.model_runner.model,
            CONTEXT.lookahead,
            proc.token_to_kv_pool_allocator.get_kvcache(),
            proc.req_to_token_pool.req_to_token,
            [req.kv.req_pool_idx for req, _ in part],
            [len(req.origin_input_ids) for req, _ in part],
            tp_rank=par.tp_rank,
            tp_size=par.tp_size,
        )
        out.update({id(req): (s, len(part)) for (req, _), s in zip(part, scores, strict=True)})
    return out


def observed_attention(
    proc, state: PruneState, lookahead: torch.Tensor | None
) -> torch.Tensor | None:
    """(num_layers, heads, N) for the request's policy, or None (position-only).

    heads: the local query heads (prompt-window policies) or KV heads (lookaheadkv: ``lookahead``,
    the batch pass's scores, already averaged over each GQA group)."""
    kv_pool = proc.token_to_kv_pool_allocator.get_kvcache()
    source = policy_for(state.settings.policy).query_source
    if source in (QuerySource.PROMPT_WINDOW, QuerySource.PROMPT_ALL):
        missing = [lid for lid in layer_ids(kv_pool) if lid not in state.attn_sum]
        if missing:
            raise RuntimeError(f"lkv_sglang: no prompt attention was observed for layers {missing}")
        return torch.stack(
            [state.attn_sum[lid] / state.attn_rows[lid] for lid in layer_ids(kv_pool)]
        )
    if source is QuerySource.LOOKAHEAD:
        if lookahead is None:
            raise RuntimeError("lkv_sglang: the lookahead pass gave no scores for this request")
        return lookahead
    if source is QuerySource.NONE:
        return None
    raise RuntimeError(
        f"lkv_sglang: policy {state.settings.policy!r} scores with {source.value}, not served"
    )


def keep_plan(
    proc,
    req,
    state: PruneState,
    shared_len: int,
    prompt_len: int,
    lookahead: torch.Tensor | None = None,
) -> KeepPlan:
    """The core's selection over the request's own prompt part [shared_len, N)."""
    kv_pool = proc.token_to_kv_pool_allocator.get_kvcache()
    attn = observed_attention(proc, state, lookahead)
    own = prompt_len - shared_len
    if attn is not None:
        attn = attn[:, :, shared_len:prompt_len]
    obs = Observation(own, kv_pool.layer_num, kv_pool.head_num, attn)
    plan = policy_for(state.settings.policy).select(obs, state.settings.budget)
    dump = os.environ.get(ENV_DUMP)
    if dump:  # debugging aid: what was scored and kept, per request
        torch.save(
            {"attention": attn, "indices": plan.indices, "shared": shared_len},
            os.path.join(dump, f"{req.rid}.pt"),
        )
    return plan


def kernels_used(proc) -> str:
    """Which implementation scored and compacted (``lkv_kernels``' dispatch): triton or torch."""
    import lkv_kernels

    kv_pool = proc.token_to_kv_pool_allocator.get_kvcache()
    device = kv_pool.get_key_buffer(kv_pool.start_layer).device
    return "triton" if lkv_kernels.use_triton(device) else "torch"


def set_batch_len(batch, i: int, new_len: int) -> None:
    """Row ``i`` of the prefill batch now holds ``new_len`` KV entries (merged into decode later)."""
    for name in ("seq_lens", "seq_lens_cpu", "orig_seq_lens"):
        t = getattr(batch, name, None)
        if t is not None:
            t = t.clone()  # never mutate a tensor a ForwardBatch may alias
            t[i] = new_len
            setattr(batch, name, t)
    batch.seq_lens_sum = None


def prune_request(
    proc,
    batch,
    i: int,
    req,
    state: PruneState,
    lookahead: torch.Tensor | None = None,
    shared_ms: float = 0.0,
    pass_batch: int = 0,
    pass_error: str | None = None,
) -> None:
    """Select and compact one request. ``lookahead``: its scores from the lookahead pass over
    ``pass_batch`` requests, which took ``shared_ms`` per request, or failed with ``pass_error``."""
    t0 = time.perf_counter()
    prompt_len, shared = len(req.origin_input_ids), state.shared_len or 0
    summary = {
        "policy": state.settings.policy,
        "budget": state.settings.budget,
        "prompt_tokens": prompt_len,
        "cached_prefix_tokens": shared,
        "kept_tokens": prompt_len,
        "pruned": False,
        "eviction_ms": 0.0,
    }
    if lookahead is not None:
        summary["lookahead_batch"] = pass_batch  # requests scored together in one pass
    before = pool_counts(proc)
    result, kept = None, prompt_len - shared
    if own_prompt_exceeds_budget(req, state):
        try:
            if pass_error is not None and uses_lookahead(state):
                raise RuntimeError(f"the lookahead pass failed: {pass_error}")
            plan = keep_plan(proc, req, state, shared, prompt_len, lookahead)
        except Exception as e:  # scoring failed before any state changed: serve it unpruned
            logger.exception("lkv_sglang: scoring request %s failed; it keeps its full KV", req.rid)
            summary["error"] = f"{type(e).__name__}: {e}"
            plan = None
        if plan is not None and not plan.is_full:
            kept = plan.budgets[0]
            result = compact_request(proc, req, plan, shared, prompt_len)
            summary["kernels"] = kernels_used(proc)
    if result is not None:
        set_batch_len(batch, i, result.kv_len)
        state.pruned = True
        state.position_offset = result.released  # logical length - KV length, for RoPE
        note_freed()
        summary.update(
            kept_tokens=shared + kept, pruned=True, mode=result.mode, kv_tokens=result.kv_len
        )
    state.attn_sum.clear()
    state.attn_rows.clear()
    summary["eviction_ms"] = round((time.perf_counter() - t0) * 1000 + shared_ms, 3)
    state.summary = summary
    attach_summary(req, summary)
    log_event("prune", rid=req.rid, **summary, before=before, after=pool_counts(proc))


def around_prefill_result(original, proc, batch, result):
    """AROUND ``SchedulerBatchResultProcessor.process_batch_result_prefill``."""
    if server_settings().policy == "none":
        return original(proc, batch, result)
    decoding = {id(r) for r in (batch.decoding_reqs or ())}
    candidates = []
    for i, req in enumerate(batch.reqs):
        state = state_of(req)
        if state is None or state.pruned or id(req) in decoding:
            continue
        if state.shared_len is None:  # first chunk: what the radix cache matched at admission
            state.shared_len = int(req.kv.cache_protected_len)
        if req.inflight_middle_chunks <= 0 and not req.finished() and not req.is_retracted:
            candidates.append((i, req, state))
    out = original(proc, batch, result)
    live = []
    for i, req, state in candidates:
        if req.finished() or req.is_retracted or not req.kv.holds_kv:
            state.attn_sum.clear()
            state.attn_rows.clear()
            continue
        live.append((i, req, state))
    t0 = time.perf_counter()
    try:
        scores, pass_error = lookahead_scores(proc, [(req, st) for _, req, st in live]), None
    except Exception as e:  # nothing has changed yet: those requests are served unpruned
        logger.exception("lkv_sglang: the lookahead pass over %d requests failed", len(live))
        scores, pass_error = {}, f"{type(e).__name__}: {e}"
    share = (
        (time.perf_counter() - t0) * 1000 / max(len(scores), 1)
    )  # each request's part of the passes
    for i, req, state in live:
        mine, pass_batch = scores.get(id(req), (None, 0))
        prune_request(
            proc,
            batch,
            i,
            req,
            state,
            mine,
            share if mine is not None else 0.0,
            pass_batch,
            pass_error,
        )
    return out
