"""Score and select: from what was observed (or the lookahead pass) to the core's ``KeepPlan``.

``lookahead_scores`` runs the lookahead passes for every request of a prefill batch that will
be pruned with lookaheadkv; ``keep_plan`` hands one request's observation to its policy's
``select`` (the core). Scores cover the prompt from ``select_from`` (0 for scope "prompt": the
whole prompt, a matched prefix included; the prefix's end for scope "suffix").
"""

from __future__ import annotations

import os

import torch

from ..core.plan import KeepPlan, Observation, QuerySource
from . import sglang_view as sv
from .runtime import RUNTIME
from .state import PruneState

ENV_DUMP = "LKV_SGLANG_DUMP_PLANS"  # a directory: save each request's observation and plan there


def uses_lookahead(state: PruneState) -> bool:
    return RUNTIME.policy(state.settings.policy).query_source is QuerySource.LOOKAHEAD


def exceeds_budget(req, state: PruneState) -> bool:
    """Whether the prompt the kept set is chosen from is longer than the budget."""
    return sv.prompt_len(req) - state.select_from > state.settings.budget


def lookahead_scores(
    proc, items: list[tuple[object, PruneState]]
) -> dict[int, tuple[torch.Tensor, int]]:
    """Lookahead passes (``--lookahead-batch`` requests each) for the lookaheadkv requests of
    ``items`` that will be pruned.

    Returns id(req) -> ((num_layers, local_kv_heads, N), requests in its pass). Raises if a pass
    fails (the callers' requests then keep their full KV).
    """
    wanted = [(req, st) for req, st in items if uses_lookahead(st) and exceeds_budget(req, st)]
    if not wanted:
        return {}
    from sglang.srt.runtime_context import get_parallel

    from .lookahead_pass import lookahead_attention

    par = get_parallel()
    step = RUNTIME.settings.lookahead_batch
    out = {}
    for start in range(0, len(wanted), step):
        part = wanted[start : start + step]
        scores = lookahead_attention(
            sv.served_model(proc),
            RUNTIME.lookahead,
            sv.kv_pool(proc),
            sv.req_to_token(proc),
            [sv.pool_row(req) for req, _ in part],
            [sv.prompt_len(req) for req, _ in part],
            tp_rank=par.tp_rank,
            tp_size=par.tp_size,
        )
        out.update({id(req): (s, len(part)) for (req, _), s in zip(part, scores, strict=True)})
    return out


def observed_attention(
    pool, state: PruneState, lookahead: torch.Tensor | None
) -> torch.Tensor | None:
    """(num_layers, heads, N) for the request's policy, or None (position-only).

    heads: the local query heads (prompt-query policies) or KV heads (lookaheadkv: ``lookahead``,
    the batch pass's scores, already averaged over each GQA group)."""
    source = RUNTIME.policy(state.settings.policy).query_source
    if source in (QuerySource.PROMPT_WINDOW, QuerySource.PROMPT_ALL):
        missing = [lid for lid in sv.layer_ids(pool) if lid not in state.attn_sum]
        if missing:
            raise RuntimeError(f"lkv_sglang: no prompt attention was observed for layers {missing}")
        return torch.stack(
            [state.attn_sum[lid] / state.attn_rows[lid] for lid in sv.layer_ids(pool)]
        )
    if source is QuerySource.LOOKAHEAD:
        if lookahead is None:
            raise RuntimeError("lkv_sglang: the lookahead pass gave no scores for this request")
        return lookahead
    if source in (QuerySource.NONE, QuerySource.KEYS):  # keys: read in keep_plan
        return None
    raise RuntimeError(
        f"lkv_sglang: policy {state.settings.policy!r} scores with {source.value}, not served"
    )


def keep_plan(proc, req, state: PruneState, lookahead: torch.Tensor | None = None) -> KeepPlan:
    """The core's selection over the request's prompt [select_from, N)."""
    pool = sv.kv_pool(proc)
    start, n = state.select_from, sv.prompt_len(req)
    attn = observed_attention(pool, state, lookahead)
    if attn is not None:
        attn = attn[:, :, start:n]
    keys = None
    if RUNTIME.policy(state.settings.policy).query_source is QuerySource.KEYS:
        slots = sv.req_to_token(proc)[sv.pool_row(req), start:n].to(torch.int64)
        keys = torch.stack([pool.get_key_buffer(lid)[slots] for lid in sv.layer_ids(pool)])
        keys = keys.transpose(1, 2)  # (layers, KV heads, prompt, head dim)
    device = pool.get_key_buffer(pool.start_layer).device  # position-only policies follow the pool
    obs = Observation(
        n - start,
        pool.layer_num,
        sv.pool_heads(pool),
        attn,
        device=device if attn is None and keys is None else None,
        keys=keys,
    )
    plan = RUNTIME.policy(state.settings.policy).select(obs, state.settings.budget)
    dump = os.environ.get(ENV_DUMP)
    if dump:  # debugging aid: what was scored and kept, per request
        torch.save(
            {"attention": attn, "indices": plan.indices, "select_from": start},
            os.path.join(dump, f"{sv.request_id(req)}.pt"),
        )
    return plan


def kernels_used(proc) -> str:
    """Which implementation scored and compacted (``lkv_kernels``' dispatch): triton or torch."""
    import lkv_kernels

    pool = sv.kv_pool(proc)
    return (
        "triton"
        if lkv_kernels.use_triton(pool.get_key_buffer(pool.start_layer).device)
        else "torch"
    )
