"""Observing prompt queries' attention during the extend forward (snapkv: the last 32; h2o: all).

Which prompt positions a policy observes is the core's decision (``BasePolicy.prompt_queries``).
When an extend ``ForwardBatch`` is built, ``capture_plan`` lists, per request, the rows of the
batch holding those queries; every ``RadixAttention`` call then adds their softmax attention
over the request's keys (read back from the KV pool, where the layer has just written them,
prefix slots included) to the request's sums. Backend-agnostic: it only reads ``q`` and the
pool. Works across prefill chunks. Memory: one (query heads, rows, keys) fp32 block per request
and layer, processed in row chunks (``ROW_CHUNK``).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from ..core.attention import mean_attention
from . import sglang_view as sv
from .state import PruneState, state_of

ROW_CHUNK = 64  # observed query rows scored at once (bounds the fp32 attention block)


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
    translated cache locations), so the plan is kept per process (``RUNTIME.capture``: one
    forward at a time) and matched to the forward by its (prefix, extend) lengths.
    """

    lens: tuple[tuple[int, ...], tuple[int, ...]]
    rows: tuple[CaptureRow, ...]
    req_to_token: torch.Tensor
    kv_pool: object

    def matches(self, forward_batch) -> bool:
        return sv.is_extend(forward_batch) and sv.extend_lens(forward_batch) == self.lens


def capture_plan(batch, forward_batch, model_runner, policy_of) -> CapturePlan | None:
    """The observed rows of an extend batch; ``policy_of(name)`` gives the policy instance."""
    lens = sv.extend_lens(forward_batch)
    if lens is None:
        return None
    decoding = sv.decoding_ids(batch)
    rows, start = [], 0
    for req, prefix, ext in zip(sv.batch_requests(batch), *lens, strict=True):
        state = state_of(req)
        if state is not None and id(req) not in decoding and not state.pruned:
            n = sv.prompt_len(req)
            wanted = policy_of(state.settings.policy).prompt_queries(n)
            lo, hi = max(wanted.start, prefix), min(wanted.stop, prefix + ext)
            if hi > lo:
                rows.append(
                    CaptureRow(
                        state, sv.pool_row(req), start + lo - prefix, hi - lo, lo, prefix + ext, n
                    )
                )
        start += ext
    if not rows:
        return None
    r2t, pool = sv.runner_pools(model_runner)
    return CapturePlan(lens, tuple(rows), r2t, pool)


@torch.no_grad()
def observe_layer(plan: CapturePlan, layer, q: torch.Tensor) -> None:
    """Add the planned rows' attention in one ``RadixAttention`` layer to their requests' sums."""
    lid, hq, dim, scale = sv.attention_geometry(layer)
    queries = q.reshape(-1, hq, dim)
    key_buf = plan.kv_pool.get_key_buffer(lid)
    for row in plan.rows:
        slots = plan.req_to_token[row.pool_row, : row.key_len].to(torch.int64)
        keys = key_buf[slots].transpose(0, 1)  # (Hkv, key_len, D)
        read = min(row.prompt_len, row.key_len)
        total = row.state.attn_sum.get(lid)
        if total is None:
            total = torch.zeros(hq, row.prompt_len, dtype=torch.float32, device=queries.device)
            row.state.attn_sum[lid] = total
        for c in range(0, row.count, ROW_CHUNK):
            m = min(ROW_CHUNK, row.count - c)
            lo = row.row_start + c
            qr = queries[lo : lo + m].transpose(0, 1)  # (Hq, m, D)
            mean = mean_attention(qr, keys, scale, query_start=row.first_pos + c, read_len=read)
            total[:, :read] += mean * m
        row.state.attn_rows[lid] = row.state.attn_rows.get(lid, 0) + row.count
