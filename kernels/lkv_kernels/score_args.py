"""Arguments of lookahead scoring over a paged cache, checked once for the kernel and its reference."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import torch

from ._checks import FLOAT_DTYPES, INDEX_DTYPES, as_host_ints, check_nonnegative, check_tensor

Ints = Sequence[int] | torch.Tensor


class ScoreBatch(NamedTuple):
    """Host-side description of a ragged scoring batch (all (B,) int64 CPU tensors).

    ``q_offset[b]`` is the first row of request ``b`` in the packed queries.
    """

    req_rows: torch.Tensor
    q_len: torch.Tensor
    q_offset: torch.Tensor
    query_start: torch.Tensor
    kv_len: torch.Tensor
    read_len: torch.Tensor
    scale: float

    @property
    def max_read(self) -> int:
        return int(self.read_len.max()) if self.read_len.numel() else 0


def check_score_args(
    query: torch.Tensor,
    k_buffer: torch.Tensor,
    req_to_token: torch.Tensor,
    req_rows: Ints,
    q_len: Ints,
    query_start: Ints,
    read_len: Ints,
    kv_len: Ints | None = None,
    scale: float | None = None,
) -> ScoreBatch:
    """Validate shapes, dtypes, strides and lengths; see ``lookahead_scores`` for the meaning.

    Raises
    ------
    TypeError, ValueError naming the first bad argument.
    """
    check_tensor("query", query, 3, FLOAT_DTYPES)
    check_tensor("k_buffer", k_buffer, 3, FLOAT_DTYPES, device=query.device)
    check_tensor("req_to_token", req_to_token, 2, INDEX_DTYPES, device=query.device)
    total_q, hq, dim = query.shape
    _, hkv, dim_k = k_buffer.shape
    if k_buffer.dtype != query.dtype:
        raise TypeError(f"k_buffer dtype {k_buffer.dtype} differs from query dtype {query.dtype}")
    if dim_k != dim:
        raise ValueError(
            f"head_dim differs: query {tuple(query.shape)}, k_buffer {tuple(k_buffer.shape)}"
        )
    if hkv < 1 or hq % hkv:
        raise ValueError(f"{hq} query heads are not a multiple of {hkv} KV heads")
    rows = torch.as_tensor(req_rows, dtype=torch.int64, device="cpu").reshape(-1)
    n = rows.numel()
    if n == 0:
        raise ValueError("empty batch: req_rows has no entries")
    q_len_t = as_host_ints("q_len", q_len, n)
    start = as_host_ints("query_start", query_start, n)
    read = as_host_ints("read_len", read_len, n)
    kv = start + q_len_t if kv_len is None else as_host_ints("kv_len", kv_len, n)
    for name, t in (("req_rows", rows), ("query_start", start), ("read_len", read)):
        check_nonnegative(name, t)
    if int(q_len_t.min()) < 1:
        raise ValueError(f"q_len must be >= 1 per request, got {q_len_t.tolist()}")
    if int(q_len_t.sum()) != total_q:
        raise ValueError(f"sum(q_len) = {int(q_len_t.sum())} but query has {total_q} rows")
    if int(rows.max()) >= req_to_token.shape[0]:
        raise ValueError(f"req_rows {rows.tolist()} out of range for {req_to_token.shape[0]} rows")
    if int(kv.min()) < 1 or int(kv.max()) > req_to_token.shape[1]:
        raise ValueError(f"kv_len {kv.tolist()} must lie in [1, {req_to_token.shape[1]}] (max_ctx)")
    if bool((read > kv).any()):
        raise ValueError(f"read_len {read.tolist()} exceeds kv_len {kv.tolist()}")
    offset = torch.cumsum(q_len_t, 0) - q_len_t
    scale = dim**-0.5 if scale is None else float(scale)
    return ScoreBatch(rows, q_len_t, offset, start, kv, read, scale)
