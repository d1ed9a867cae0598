"""Plain-torch reference of lookahead scoring over a paged cache (the kernel's oracle).

Self-contained on purpose: ``lkv_kernels`` imports nothing of ``lkv_sglang`` (the layer rule),
and an oracle written the plainest way (one softmax over every key, no chunking) is an
independent check of both the Triton kernel and the core's chunked ``mean_attention``.
"""

from __future__ import annotations

import torch

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
        att = plain_mean_attention(q, key, sb.scale_for(query.shape[2]), int(sb.query_start[b]))
        out[b, :, :r] = att[:, :r].reshape(hkv, -1, r).mean(1)  # GQA: mean over each group
    return out


def plain_mean_attention(
    q: torch.Tensor, key: torch.Tensor, scale: float, query_start: int, key_chunk: int = 4096
) -> torch.Tensor:
    """(Hq, n_keys) float32: mean over the queries of their causal softmax over ``key``.

    q (Hq, q_len, D): query i sits at position query_start + i and sees keys 0 .. that position;
    key (Hkv, n_keys, D), query head h reads KV head h // (Hq / Hkv). Two passes over key chunks
    (the log-sum-exp, then the probabilities), as the Triton kernel does, and each KV head serves
    its query group as one matrix: besides the result, about ``8 * Hq * q_len * key_chunk``
    bytes, whatever ``n_keys`` (this reference is also the CPU serving path).
    """
    hq, t, d = q.shape
    hkv, n_keys = key.shape[0], key.shape[1]
    group = hq // hkv
    rows = q.float().reshape(hkv, group * t, d)
    pos = (query_start + torch.arange(t, device=q.device)).repeat(group)

    def logits(s: int, e: int) -> torch.Tensor:
        out = rows @ key[:, s:e].float().transpose(1, 2) * scale  # (Hkv, group * t, e - s)
        future = torch.arange(s, e, device=q.device)[None, :] > pos[:, None]
        return out.masked_fill_(future, float("-inf"))

    chunks = [(s, min(n_keys, s + key_chunk)) for s in range(0, n_keys, key_chunk)]
    lse = torch.stack([logits(s, e).logsumexp(-1) for s, e in chunks]).logsumexp(0)
    out = torch.empty(hq, n_keys, dtype=torch.float32, device=q.device)
    for s, e in chunks:
        probs = torch.exp(logits(s, e) - lse[..., None])  # (Hkv, group * t, e - s)
        out[:, s:e] = probs.reshape(hkv, group, t, e - s).mean(2).reshape(hq, e - s)
    return out
