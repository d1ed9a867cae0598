"""Mean softmax attention of a set of queries over keys: the scoring primitive of every policy.

This is the plain-torch reference the Triton scoring kernel is tested against.
"""

from __future__ import annotations

import torch


def mean_attention(
    query: torch.Tensor,
    key: torch.Tensor,
    scale: float,
    query_start: int,
    read_len: int | None = None,
    chunk: int = 256,
    key_chunk: int = 4096,
) -> torch.Tensor:
    """Mean over queries of their causal softmax attention, per query head.

    Parameters
    ----------
    query : (num_q_heads, q_len, head_dim), after RoPE. Query ``i`` sits at absolute position
        ``query_start + i`` and sees keys ``0 .. query_start + i`` (causal).
    key : (num_kv_heads, k_len, head_dim), after RoPE; ``num_q_heads`` is a multiple of
        ``num_kv_heads`` (GQA: query head ``h`` reads KV head ``h // group``).
    scale : softmax temperature, usually ``head_dim ** -0.5``.
    query_start : absolute position of the first query; ``k_len >= query_start + q_len``
        is not required (keys past a query's position are masked).
    read_len : only the first ``read_len`` keys are returned (e.g. the prompt); the softmax
        still runs over every key a query sees. Default: all keys.
    chunk : queries processed at once.
    key_chunk : keys processed at once. When a query chunk sees more keys than this, its
        softmax is computed in two passes over key chunks (log-sum-exp first, then the
        probabilities), so no (chunk, k_len) matrix is ever formed.

    Returns
    -------
    (num_q_heads, read_len) float32 on ``query``'s device: ``mean_i softmax(q_i K^T * scale)[j]``.

    Memory: besides the result, at most about ``3 * 4 * num_q_heads * chunk * key_chunk``
    bytes (float32 logits, their exponentials, a reduction) plus the float32 copy of the keys
    in use (``num_q_heads * min(k_len, key_chunk) * head_dim * 4``), whatever ``k_len``: e.g.
    32 query heads, the defaults: about 400 MiB at any prompt length. With every prompt query
    (h2o) the time is quadratic in the prompt length; the memory is not. A query chunk whose
    keys fit in one key chunk (every prompt up to ``key_chunk`` tokens) is computed in one
    pass, exactly as before chunking over keys existed.
    """
    hq, q_len, dim = query.shape
    hkv, k_len, dim_k = key.shape
    if dim != dim_k or hq % hkv:
        raise ValueError(f"query {tuple(query.shape)} and key {tuple(key.shape)} do not match")
    if chunk < 1 or key_chunk < 1:
        raise ValueError(f"chunk and key_chunk must be >= 1; got {chunk}, {key_chunk}")
    read_len = k_len if read_len is None else read_len
    group = hq // hkv
    out = torch.zeros(hq, read_len, dtype=torch.float32, device=query.device)
    if k_len <= key_chunk:  # one pass per query chunk
        k = key.float().repeat_interleave(group, dim=0)  # (hq, k_len, dim)
        key_pos = torch.arange(k_len, device=query.device)
        for lo in range(0, q_len, chunk):
            q = query[:, lo : lo + chunk].float()
            logits = torch.matmul(q, k.transpose(1, 2)) * scale  # (hq, c, k_len)
            q_pos = query_start + lo + torch.arange(q.shape[1], device=query.device)
            logits.masked_fill_(key_pos[None, :] > q_pos[:, None], float("-inf"))
            out += logits.softmax(-1)[..., :read_len].sum(1)
        return out / q_len
    for lo in range(0, q_len, chunk):
        q = query[:, lo : lo + chunk].float()
        q_pos = query_start + lo + torch.arange(q.shape[1], device=query.device)
        seen = min(k_len, query_start + lo + q.shape[1])  # later keys are masked for all
        lse = torch.full(q.shape[:2], float("-inf"), device=query.device)  # (hq, c)
        for k_lo in range(0, seen, key_chunk):
            logits = _chunk_logits(q, key, group, scale, q_pos, k_lo, min(seen, k_lo + key_chunk))
            lse = torch.logaddexp(lse, logits.logsumexp(-1))
        for k_lo in range(0, min(seen, read_len), key_chunk):
            k_hi = min(seen, read_len, k_lo + key_chunk)
            logits = _chunk_logits(q, key, group, scale, q_pos, k_lo, k_hi)
            out[:, k_lo:k_hi] += (logits - lse[..., None]).exp_().sum(1)
    return out / q_len


def _chunk_logits(
    q: torch.Tensor,
    key: torch.Tensor,
    group: int,
    scale: float,
    q_pos: torch.Tensor,
    k_lo: int,
    k_hi: int,
) -> torch.Tensor:
    """(hq, c, k_hi - k_lo) float32 scaled logits of query chunk ``q`` against keys
    ``k_lo .. k_hi - 1``, keys after a query's position masked to -inf."""
    k = key[:, k_lo:k_hi].float().repeat_interleave(group, dim=0)  # (hq, kc, dim)
    logits = torch.matmul(q, k.transpose(1, 2)) * scale
    key_pos = torch.arange(k_lo, k_hi, device=q.device)
    return logits.masked_fill_(key_pos[None, :] > q_pos[:, None], float("-inf"))


def group_mean(scores: torch.Tensor, num_kv_heads: int) -> torch.Tensor:
    """Aggregate per-query-head scores to their KV head by the mean over the GQA group.

    ``scores``: (..., num_q_heads, n) -> (..., num_kv_heads, n). Identity when already per KV head.
    """
    hq = scores.shape[-2]
    if hq == num_kv_heads:
        return scores
    if hq % num_kv_heads:
        raise ValueError(f"{hq} query heads cannot be grouped into {num_kv_heads} KV heads")
    shape = scores.shape[:-2] + (num_kv_heads, hq // num_kv_heads, scores.shape[-1])
    return scores.reshape(shape).mean(-2)
