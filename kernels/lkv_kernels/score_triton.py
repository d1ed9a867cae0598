"""Triton lookahead scoring over a paged cache: two passes, never the full attention matrix.

Pass 1 (grid: request, KV head, key block): per query row, the max and sum of exp of its
logits over the key block. The partials are combined in torch into each row's softmax
normaliser. Pass 2 (grid: request, KV head, key block of the read range): the normalised
probabilities of every query row of the GQA group, summed over rows, written once per key.
Rows are (group member, query) pairs, so the GQA mean and the query mean are one sum.
"""

from __future__ import annotations

import math

import torch
import triton
import triton.language as tl

from .score_args import Ints, ScoreBatch, check_layer, score_batch

LOG2E = 1.4426950408889634


@triton.jit
def _score_pass(
    Q,
    K,
    R2T,
    ROWS,
    QOFF,
    QLEN,
    QSTART,
    KVLEN,
    NKEYS,
    READLEN,
    EXTRA,
    M,
    L,
    OUT,
    sm_scale_log2,
    stride_qt,
    stride_qh,
    stride_ks,
    stride_kh,
    stride_r2t,
    stride_et,
    stride_eh,
    stride_mb,
    stride_mh,
    stride_mn,
    stride_ob,
    stride_oh,
    GROUP: tl.constexpr,
    HEAD_DIM: tl.constexpr,
    BLOCK_D: tl.constexpr,
    BLOCK_M: tl.constexpr,
    BLOCK_N: tl.constexpr,
    PASS: tl.constexpr,
    HALF_DOT: tl.constexpr,
    HAS_EXTRA: tl.constexpr,
):
    b = tl.program_id(0)
    h = tl.program_id(1)
    nb = tl.program_id(2)
    kv_len = tl.load(KVLEN + b)
    n_keys = tl.load(NKEYS + b)
    read_len = tl.load(READLEN + b)
    n0 = nb * BLOCK_N
    limit = n_keys if PASS == 1 else read_len
    if n0 < limit:
        row = tl.load(ROWS + b)
        q_off = tl.load(QOFF + b)
        q_len = tl.load(QLEN + b)
        q_start = tl.load(QSTART + b)
        offs_n = n0 + tl.arange(0, BLOCK_N)
        offs_d = tl.arange(0, BLOCK_D)
        n_mask = offs_n < n_keys
        pool_mask = offs_n < kv_len
        d_mask = offs_d < HEAD_DIM
        slots = tl.load(R2T + row * stride_r2t + offs_n, mask=pool_mask, other=0).to(tl.int64)
        k = tl.load(
            K + slots[:, None] * stride_ks + h * stride_kh + offs_d[None, :],
            mask=pool_mask[:, None] & d_mask[None, :],
            other=0.0,
        )
        if HAS_EXTRA:  # keys kv_len .. n_keys - 1: the queries' own, not in the pool
            e_mask = n_mask & (offs_n >= kv_len)
            e_row = q_off + offs_n - kv_len
            k += tl.load(
                EXTRA + e_row[:, None] * stride_et + h * stride_eh + offs_d[None, :],
                mask=e_mask[:, None] & d_mask[None, :],
                other=0.0,
            )
        if not HALF_DOT:
            k = k.to(tl.float32)
        kt = tl.trans(k)
        acc = tl.zeros([BLOCK_N], dtype=tl.float32)
        rows = GROUP * q_len
        ml_base = b * stride_mb + h * stride_mh + nb * stride_mn
        for m0 in range(0, rows, BLOCK_M):
            offs_m = m0 + tl.arange(0, BLOCK_M)
            m_mask = offs_m < rows
            g = offs_m // q_len
            t = offs_m % q_len
            q = tl.load(
                Q
                + (q_off + t)[:, None] * stride_qt
                + (h * GROUP + g)[:, None] * stride_qh
                + offs_d[None, :],
                mask=m_mask[:, None] & d_mask[None, :],
                other=0.0,
            )
            if HALF_DOT:
                s = tl.dot(q, kt)
            else:
                s = tl.dot(q.to(tl.float32), kt, input_precision="ieee")
            s = s * sm_scale_log2
            visible = (
                (offs_n[None, :] <= (q_start + t)[:, None]) & n_mask[None, :] & m_mask[:, None]
            )
            s = tl.where(visible, s, float("-inf"))
            if PASS == 1:
                bm = tl.max(s, 1)
                bm_safe = tl.where(bm == float("-inf"), 0.0, bm)
                bl = tl.sum(tl.exp2(s - bm_safe[:, None]), 1)
                tl.store(M + ml_base + offs_m, bm, mask=m_mask)
                tl.store(L + ml_base + offs_m, bl, mask=m_mask)
            else:
                rm = tl.load(M + ml_base + offs_m, mask=m_mask, other=0.0)
                rl = tl.load(L + ml_base + offs_m, mask=m_mask, other=1.0)
                p = tl.exp2(s - rm[:, None]) / rl[:, None]
                acc += tl.sum(tl.where(visible, p, 0.0), 0)
        if PASS == 2:
            tl.store(
                OUT + b * stride_ob + h * stride_oh + offs_n,
                acc / rows.to(tl.float32),
                mask=offs_n < read_len,
            )


def lookahead_scores(
    query: torch.Tensor,
    k_buffer: torch.Tensor,
    req_to_token: torch.Tensor,
    req_rows: Ints,
    q_len: Ints,
    query_start: Ints,
    read_len: Ints,
    kv_len: Ints | None = None,
    scale: float | None = None,
    out: torch.Tensor | None = None,
    extra_k: torch.Tensor | None = None,
    block_m: int | None = None,
    block_n: int | None = None,
) -> torch.Tensor:
    """Mean softmax attention of lookahead queries to each prompt key, per KV head (Triton).

    Parameters
    ----------
    query : (total_q, num_q_heads, head_dim), after RoPE: the B requests' queries packed in
        order, ``q_len[b]`` rows each. Query ``i`` of request ``b`` sits at absolute position
        ``query_start[b] + i`` and sees keys ``0 .. min(query_start[b] + i, kv_len[b] - 1)``.
    k_buffer : (pool_size, num_kv_heads, head_dim), one layer's key buffer (same dtype).
        float32, float16 or bfloat16; computed in float32 (half inputs: float32 accumulation).
    req_to_token : (rows, max_ctx) int32/int64; logical token ``j`` of request ``b`` lives in
        slot ``req_to_token[req_rows[b], j]`` (any page size).
    req_rows, q_len, query_start, read_len, kv_len : (B,) ints, host lists or CPU tensors (no
        device sync). ``kv_len`` defaults to ``query_start + q_len`` (the queries' own keys are
        in the cache). Only the first ``read_len[b]`` keys are returned; the softmax still runs
        over every key a query sees.
    scale : softmax scale, default ``head_dim ** -0.5``.
    extra_k : optional (total_q, num_kv_heads, head_dim), packed like ``query``: the queries'
        own keys when they are not in the pool (a pass that writes nothing). Keys
        ``kv_len[b] .. kv_len[b] + q_len[b] - 1`` of request ``b`` then come from here, and
        ``kv_len`` defaults to ``query_start`` (the pool holds the prompt).
    out : optional (B, num_kv_heads, >= max(read_len)) float32, last dim contiguous (e.g. one
        layer's slice of a (num_layers, B, ...) buffer); zeroed and filled.
    block_m, block_n : tile sizes (query rows, keys); defaults suit the device.

    Returns
    -------
    (B, num_kv_heads, max(read_len)) float32 (a view of ``out`` when given): the mean over the
    request's queries and the GQA group's query heads; zero past ``read_len[b]``.
    """
    sb = score_batch(
        req_to_token, req_rows, q_len, query_start, read_len, kv_len, scale, extra_k is not None
    )
    return score_layer(sb, query, k_buffer, req_to_token, extra_k, out, block_m, block_n)


def score_layer(
    sb: ScoreBatch,
    query: torch.Tensor,
    k_buffer: torch.Tensor,
    req_to_token: torch.Tensor,
    extra_k: torch.Tensor | None = None,
    out: torch.Tensor | None = None,
    block_m: int | None = None,
    block_n: int | None = None,
) -> torch.Tensor:
    """``lookahead_scores`` for one layer of a batch described once by ``score_batch(...)``.

    The host-side checks and the lengths' host-to-device copy happen once per batch; per layer
    only the tensors are checked. Same result as ``lookahead_scores``.
    """
    check_layer(sb, query, k_buffer, req_to_token, extra_k)
    if query.stride(2) != 1 or k_buffer.stride(2) != 1 or req_to_token.stride(1) != 1:
        raise ValueError("query, k_buffer and req_to_token need stride 1 on their last dim")
    dev = query.device
    bsz, hkv, dim = sb.size, k_buffer.shape[1], query.shape[2]
    group = query.shape[1] // hkv
    max_read = sb.max_read
    if out is None:
        out = torch.zeros(bsz, hkv, max_read, dtype=torch.float32, device=dev)
    else:
        if out.dim() != 3 or out.shape[0] != bsz or out.shape[1] != hkv or out.shape[2] < max_read:
            raise ValueError(f"out {tuple(out.shape)} must be ({bsz}, {hkv}, >= {max_read})")
        if (
            out.dtype != torch.float32
            or out.device != dev
            or (out.shape[2] > 1 and out.stride(2) != 1)
        ):
            raise ValueError(f"out must be float32 on {dev} with stride 1 on its last dim")
        out.zero_()
    interp = dev.type != "cuda"
    bm = block_m or (16 if interp else 64)
    bn = block_n or (16 if interp else 64)
    rows_pad = group * int(sb.q_len.max())
    n_blocks = math.ceil(int(sb.n_keys.max()) / bn)
    dm = sb.on(dev)
    meta = [*dm.unbind(0), extra_k if extra_k is not None else k_buffer]  # placeholder pointer
    pm = torch.full((bsz, hkv, n_blocks, rows_pad), float("-inf"), dtype=torch.float32, device=dev)
    pl = torch.zeros_like(pm)
    common = dict(
        GROUP=group,
        HEAD_DIM=dim,
        BLOCK_D=max(16, triton.next_power_of_2(dim)),
        BLOCK_M=bm,
        BLOCK_N=bn,
        HALF_DOT=(query.dtype != torch.float32 and not interp),
        HAS_EXTRA=extra_k is not None,
    )
    strides = (
        query.stride(0),
        query.stride(1),
        k_buffer.stride(0),
        k_buffer.stride(1),
        req_to_token.stride(0),
        extra_k.stride(0) if extra_k is not None else 0,
        extra_k.stride(1) if extra_k is not None else 0,
    )
    sm = sb.scale_for(dim) * LOG2E
    _score_pass[(bsz, hkv, n_blocks)](
        query,
        k_buffer,
        req_to_token,
        *meta,
        pm,
        pl,
        out,
        sm,
        *strides,
        pm.stride(0),
        pm.stride(1),
        pm.stride(2),
        out.stride(0),
        out.stride(1),
        PASS=1,
        **common,
    )
    m = pm.amax(2)  # (B, hkv, rows_pad)
    m_safe = torch.where(torch.isinf(m), torch.zeros_like(m), m)
    lsum = (pl * torch.exp2(pm - m_safe[:, :, None])).sum(2)
    read_blocks = max(1, math.ceil(max_read / bn))
    if max_read:
        _score_pass[(bsz, hkv, read_blocks)](
            query,
            k_buffer,
            req_to_token,
            *meta,
            m_safe,
            lsum,
            out,
            sm,
            *strides,
            m_safe.stride(0),
            m_safe.stride(1),
            0,
            out.stride(0),
            out.stride(1),
            PASS=2,
            **common,
        )
    return out[:, :, :max_read]
