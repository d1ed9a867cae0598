"""Hooks inside the model forward: logical decode positions, and observing prompt attention.

Decode: a pruned request's KV length is ``kept + generated`` while RoPE must see the logical
position ``prompt + generated``; ``ForwardBatch.positions`` gets the request's offset.

Extend: for requests whose policy scores with prompt queries (snapkv: the last 32; h2o: all),
each ``RadixAttention`` call adds those queries' softmax attention over the request's keys
(read back from the KV pool, where the layer has just written them) to the request's sums.
Backend-agnostic: it only reads ``q`` and the pool. Works across prefill chunks.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from ..core.attention import mean_attention
from ..core.plan import QuerySource
from .policy import policy_for
from .state import PruneState, state_of


@dataclass(frozen=True)
class CaptureRow:
    """One request's observed query rows in an extend batch.

    rows: [row_start, row_start + count) of the batch's flattened tokens, at logical positions
    first_pos ... ; key_len: KV entries the request holds after this chunk (keys are
    req_to_token[pool_row, :key_len]); prompt_len: N, the width of the attention sums.
    """

    state: PruneState
    pool_row: int
    row_start: int
    count: int
    first_pos: int
    key_len: int
    prompt_len: int


@dataclass(frozen=True)
class CapturePlan:
    """The rows to observe in the next extend forward.

    SGLang runs the forward on a copy of the ``ForwardBatch`` built by ``init_new`` (with
    translated cache locations), so the plan is kept per process (one forward at a time) and
    matched to the forward by its (prefix, extend) lengths.
    """

    prefix_lens: tuple[int, ...]
    extend_lens: tuple[int, ...]
    rows: tuple[CaptureRow, ...]
    req_to_token: torch.Tensor
    kv_pool: object

    def matches(self, forward_batch) -> bool:
        return (
            forward_batch.forward_mode.is_extend()
            and tuple(forward_batch.extend_prefix_lens_cpu or ()) == self.prefix_lens
            and tuple(forward_batch.extend_seq_lens_cpu or ()) == self.extend_lens
        )


_PLAN: CapturePlan | None = None  # the forward in flight (one forward at a time per process)


def observed_positions(state: PruneState, prompt_len: int) -> int:
    """First prompt position whose query the request's policy observes (prompt_len: none)."""
    policy = policy_for(state.settings.policy)
    if policy.query_source is QuerySource.PROMPT_WINDOW:
        return max(0, prompt_len - policy.num_queries)
    if policy.query_source is QuerySource.PROMPT_ALL:
        return 0
    return prompt_len


def capture_plan(batch, forward_batch, model_runner) -> CapturePlan | None:
    prefix_lens = forward_batch.extend_prefix_lens_cpu
    extend_lens = forward_batch.extend_seq_lens_cpu
    if prefix_lens is None or extend_lens is None:
        return None
    decoding = {id(r) for r in (batch.decoding_reqs or ())}
    rows, start = [], 0
    for req, prefix, ext in zip(batch.reqs, prefix_lens, extend_lens, strict=True):
        state = state_of(req)
        if state is not None and id(req) not in decoding and not state.pruned:
            n = len(req.origin_input_ids)
            lo, hi = max(observed_positions(state, n), prefix), min(n, prefix + ext)
            if hi > lo:
                rows.append(
                    CaptureRow(
                        state,
                        int(req.kv.req_pool_idx),
                        start + lo - prefix,
                        hi - lo,
                        lo,
                        prefix + ext,
                        n,
                    )
                )
        start += ext
    if not rows:
        return None
    return CapturePlan(
        tuple(prefix_lens),
        tuple(extend_lens),
        tuple(rows),
        model_runner.req_to_token_pool.req_to_token,
        model_runner.token_to_kv_pool,
    )


def after_forward_batch_init(ret, cls, batch, model_runner, *args, **kwargs):
    """AFTER ``ForwardBatch.init_new``: offsets for decode, a capture plan for extend."""
    global _PLAN
    _PLAN = None
    if not batch.reqs or ret.forward_mode.is_idle():
        return ret
    if ret.forward_mode.is_decode():
        offsets = [s.position_offset if (s := state_of(r)) is not None else 0 for r in batch.reqs]
        if any(offsets):
            if len(offsets) != ret.positions.shape[0]:
                raise RuntimeError(
                    f"lkv_sglang: {ret.positions.shape[0]} decode rows for {len(offsets)} requests"
                )
            ret.positions = ret.positions + torch.tensor(
                offsets, dtype=ret.positions.dtype, device=ret.positions.device
            )
    elif ret.forward_mode.is_extend():
        _PLAN = capture_plan(batch, ret, model_runner)
    return ret


@torch.no_grad()
def after_radix_attention(result, layer, q, k, v, forward_batch, *args, **kwargs):
    """AFTER ``RadixAttention.forward``: add observed queries' attention to the requests' sums."""
    plan = _PLAN
    if plan is None or not plan.matches(forward_batch):
        return result
    lid, hq, dim = layer.layer_id, layer.tp_q_head_num, layer.qk_head_dim
    queries = q.reshape(-1, hq, dim)
    key_buf = plan.kv_pool.get_key_buffer(lid)
    for row in plan.rows:
        qr = queries[row.row_start : row.row_start + row.count].transpose(0, 1)  # (Hq, T, D)
        slots = plan.req_to_token[row.pool_row, : row.key_len].to(torch.int64)
        keys = key_buf[slots].transpose(0, 1)  # (Hkv, key_len, D)
        read = min(row.prompt_len, row.key_len)
        mean = mean_attention(qr, keys, layer.scaling, query_start=row.first_pos, read_len=read)
        total = row.state.attn_sum.get(lid)
        if total is None:
            total = torch.zeros(hq, row.prompt_len, dtype=torch.float32, device=mean.device)
            row.state.attn_sum[lid] = total
        total[:, :read] += mean * row.count
        row.state.attn_rows[lid] = row.state.attn_rows.get(lid, 0) + row.count
    return result
