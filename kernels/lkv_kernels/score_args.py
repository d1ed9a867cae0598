"""Arguments of lookahead scoring over a paged cache, checked once for the kernel and its reference."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import torch

from ._checks import FLOAT_DTYPES, INDEX_DTYPES, as_host_ints, check_nonnegative, check_tensor

Ints = Sequence[int] | torch.Tensor


@dataclass(frozen=True)
class ScoreBatch:
    """Host-side description of a ragged scoring batch (all (B,) int64 CPU tensors).

    ``q_offset[b]`` is the first row of request ``b`` in the packed queries; ``n_keys[b]`` is
    ``kv_len[b]`` plus ``q_len[b]`` when the queries' own keys come separately (``extra_k``).
    ``scale`` None means ``head_dim ** -0.5``. Valid for every layer of one batch.
    """

    req_rows: torch.Tensor
    q_len: torch.Tensor
    q_offset: torch.Tensor
    query_start: torch.Tensor
    kv_len: torch.Tensor
    n_keys: torch.Tensor
    read_len: torch.Tensor
    scale: float | None
    extra_keys: bool
    _on_device: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def size(self) -> int:
        return int(self.q_len.numel())

    @property
    def total_q(self) -> int:
        return int(self.q_len.sum())

    @property
    def max_read(self) -> int:
        return int(self.read_len.max()) if self.read_len.numel() else 0

    def scale_for(self, head_dim: int) -> float:
        return head_dim**-0.5 if self.scale is None else self.scale

    def on(self, device: torch.device) -> torch.Tensor:
        """(7, B) int64 on ``device``: rows, offset, q_len, start, kv_len, n_keys, read_len.

        Copied once per device (one transfer for every layer of the batch).
        """
        key = str(device)
        if key not in self._on_device:
            host = torch.stack(
                [self.req_rows, self.q_offset, self.q_len, self.query_start, self.kv_len,
                 self.n_keys, self.read_len]
            )  # fmt: skip
            self._on_device[key] = host.to(device)
        return self._on_device[key]


def score_batch(
    req_to_token: torch.Tensor,
    req_rows: Ints,
    q_len: Ints,
    query_start: Ints,
    read_len: Ints,
    kv_len: Ints | None = None,
    scale: float | None = None,
    extra_keys: bool = False,
) -> ScoreBatch:
    """Check the host-side lengths once per batch; see ``lookahead_scores`` for their meaning."""
    check_tensor("req_to_token", req_to_token, 2, INDEX_DTYPES)
    rows = torch.as_tensor(req_rows, dtype=torch.int64, device="cpu").reshape(-1)
    n = rows.numel()
    if n == 0:
        raise ValueError("empty batch: req_rows has no entries")
    q_len_t = as_host_ints("q_len", q_len, n)
    start = as_host_ints("query_start", query_start, n)
    read = as_host_ints("read_len", read_len, n)
    own = q_len_t if extra_keys else torch.zeros_like(q_len_t)
    default_kv = start if extra_keys else start + q_len_t
    kv = default_kv if kv_len is None else as_host_ints("kv_len", kv_len, n)
    for name, t in (("req_rows", rows), ("query_start", start), ("read_len", read), ("kv_len", kv)):
        check_nonnegative(name, t)
    if int(q_len_t.min()) < 1:
        raise ValueError(f"q_len must be >= 1 per request, got {q_len_t.tolist()}")
    if int(rows.max()) >= req_to_token.shape[0]:
        raise ValueError(f"req_rows {rows.tolist()} out of range for {req_to_token.shape[0]} rows")
    if int(kv.max()) > req_to_token.shape[1]:
        raise ValueError(f"kv_len {kv.tolist()} exceeds max_ctx {req_to_token.shape[1]}")
    n_keys = kv + own
    if int(n_keys.min()) < 1:
        raise ValueError(f"a request sees no key: kv_len {kv.tolist()}")
    if bool((read > n_keys).any()):
        raise ValueError(f"read_len {read.tolist()} exceeds the keys {n_keys.tolist()}")
    offset = torch.cumsum(q_len_t, 0) - q_len_t
    scale = None if scale is None else float(scale)
    return ScoreBatch(rows, q_len_t, offset, start, kv, n_keys, read, scale, extra_keys)


def check_layer(
    sb: ScoreBatch,
    query: torch.Tensor,
    k_buffer: torch.Tensor,
    req_to_token: torch.Tensor,
    extra_k: torch.Tensor | None,
) -> None:
    """Check one layer's tensors against the batch (shapes, dtypes, devices, last-dim strides)."""
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
    if total_q != sb.total_q:
        raise ValueError(f"sum(q_len) = {sb.total_q} but query has {total_q} rows")
    if (extra_k is not None) != sb.extra_keys:
        raise ValueError(f"extra_k {'given' if extra_k is not None else 'missing'} but the batch "
                         f"was built with extra_keys={sb.extra_keys}")  # fmt: skip
    if extra_k is not None:
        check_tensor("extra_k", extra_k, 3, FLOAT_DTYPES, device=query.device)
        if extra_k.shape != (total_q, hkv, dim) or extra_k.dtype != query.dtype:
            raise ValueError(
                f"extra_k {tuple(extra_k.shape)} {extra_k.dtype} must be "
                f"({total_q}, {hkv}, {dim}) {query.dtype}: the queries' own keys, packed alike"
            )


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
    """``score_batch`` then ``check_layer``: every check of a one-shot call.

    Raises
    ------
    TypeError, ValueError naming the first bad argument.
    """
    sb = score_batch(
        req_to_token, req_rows, q_len, query_start, read_len, kv_len, scale, extra_k is not None
    )
    check_layer(sb, query, k_buffer, req_to_token, extra_k)
    return sb
