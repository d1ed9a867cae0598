"""Arguments of lookahead scoring over a paged cache, checked once for the kernel and its reference."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import torch

from ._checks import FLOAT_DTYPES, INDEX_DTYPES, as_host_ints, check_nonnegative, check_tensor

Ints = Sequence[int] | torch.Tensor


class ScoreBatch(NamedTuple):
    """Host-side description of a ragged scoring batch (all (B,) int64 CPU tensors).

    ``q_offset[b]`` is the first row of request ``b`` in the packed queries; ``n_keys[b]`` is
    ``kv_len[b]`` plus ``q_len[b]`` when the queries' own keys come separately (``extra_k``).
    """

    req_rows: torch.Tensor
    q_len: torch.Tensor
    q_offset: torch.Tensor
    query_start: torch.Tensor
    kv_len: torch.Tensor
    n_keys: torch.Tensor
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
    extra_k: torch.Tensor | None = None,
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
    if extra_k is not None:
        check_tensor("extra_k", extra_k, 3, FLOAT_DTYPES, device=query.device)
        if extra_k.shape != (total_q, hkv, dim) or extra_k.dtype != query.dtype:
            raise ValueError(
                f"extra_k {tuple(extra_k.shape)} {extra_k.dtype} must be "
                f"({total_q}, {hkv}, {dim}) {query.dtype}: the queries' own keys, packed alike"
            )
    own = q_len_t if extra_k is not None else torch.zeros_like(q_len_t)
    default_kv = start if extra_k is not None else start + q_len_t
    kv = default_kv if kv_len is None else as_host_ints("kv_len", kv_len, n)
    for name, t in (("req_rows", rows), ("query_start", start), ("read_len", read)):
        check_nonnegative(name, t)
    if int(q_len_t.min()) < 1:
        raise ValueError(f"q_len must be >= 1 per request, got {q_len_t.tolist()}")
    if int(q_len_t.sum()) != total_q:
        raise ValueError(f"sum(q_len) = {int(q_len_t.sum())} but query has {total_q} rows")
    if int(rows.max()) >= req_to_token.shape[0]:
        raise ValueError(f"req_rows {rows.tolist()} out of range for {req_to_token.shape[0]} rows")
    check_nonnegative("kv_len", kv)
    if int(kv.max()) > req_to_token.shape[1]:
        raise ValueError(f"kv_len {kv.tolist()} exceeds max_ctx {req_to_token.shape[1]}")
    n_keys = kv + own
    if int(n_keys.min()) < 1:
        raise ValueError(f"a request sees no key: kv_len {kv.tolist()}")
    if bool((read > n_keys).any()):
        raise ValueError(f"read_len {read.tolist()} exceeds the keys {n_keys.tolist()}")
    offset = torch.cumsum(q_len_t, 0) - q_len_t
    scale = dim**-0.5 if scale is None else float(scale)
    return ScoreBatch(rows, q_len_t, offset, start, kv, n_keys, read, scale)
