"""Plain-torch reference of lookahead scoring over a paged cache (the kernel's oracle)."""

from __future__ import annotations

import torch

from lkv_sglang.core.attention import group_mean, mean_attention

from .score_args import Ints, ScoreBatch, check_layer, check_score_args


def lookahead_scores_ref(
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
) -> torch.Tensor:
    """Gather each request's keys through ``req_to_token`` and run the core's ``mean_attention``.

    Same arguments and result as ``lkv_kernels.score_triton.lookahead_scores``:
    (B, num_kv_heads, max_read) float32, zero past each request's ``read_len``.
    """
    sb = check_score_args(
        query,
        k_buffer,
        req_to_token,
        req_rows,
        q_len,
        query_start,
        read_len,
        kv_len,
        scale,
        extra_k,
    )
    return _scores(sb, query, k_buffer, req_to_token, extra_k)


def score_layer_ref(
    sb: ScoreBatch,
    query: torch.Tensor,
    k_buffer: torch.Tensor,
    req_to_token: torch.Tensor,
    extra_k: torch.Tensor | None = None,
) -> torch.Tensor:
    """The reference for one layer of a batch built by ``score_batch`` (as ``score_layer``)."""
    check_layer(sb, query, k_buffer, req_to_token, extra_k)
    return _scores(sb, query, k_buffer, req_to_token, extra_k)


def _scores(
    sb: ScoreBatch,
    query: torch.Tensor,
    k_buffer: torch.Tensor,
    req_to_token: torch.Tensor,
    extra_k: torch.Tensor | None,
) -> torch.Tensor:
    hkv = k_buffer.shape[1]
    out = torch.zeros(sb.size, hkv, sb.max_read, dtype=torch.float32, device=query.device)
    for b in range(sb.size):
        slots = req_to_token[int(sb.req_rows[b]), : int(sb.kv_len[b])].long()
        lo, n = int(sb.q_offset[b]), int(sb.q_len[b])
        key = k_buffer[slots]  # (kv_len, hkv, D)
        if extra_k is not None:
            key = torch.cat([key, extra_k[lo : lo + n]])
        key = key.permute(1, 0, 2)  # (hkv, n_keys, D)
        q = query[lo : lo + n].permute(1, 0, 2)  # (hq, q_len, D)
        r = int(sb.read_len[b])
        att = mean_attention(q, key, sb.scale_for(query.shape[2]), int(sb.query_start[b]), r)
        out[b, :, :r] = group_mean(att, hkv)
    return out
