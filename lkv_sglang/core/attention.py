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
    chunk : queries processed at once, bounding memory to ``chunk * k_len`` per head.

    Returns
    -------
    (num_q_heads, read_len) float32: ``mean_i softmax(q_i K^T * scale)[j]``.
    """
    hq, q_len, dim = query.shape
    hkv, k_len, dim_k = key.shape
    if dim != dim_k or hq % hkv:
        raise ValueError(f"query {tuple(query.shape)} and key {tuple(key.shape)} do not match")
    read_len = k_len if read_len is None else read_len
    group = hq // hkv
    k = key.float().repeat_interleave(group, dim=0)  # (hq, k_len, dim)
    out = torch.zeros(hq, read_len, dtype=torch.float32, device=query.device)
    key_pos = torch.arange(k_len, device=query.device)
    for lo in range(0, q_len, chunk):
        q = query[:, lo : lo + chunk].float()
        logits = torch.matmul(q, k.transpose(1, 2)) * scale  # (hq, c, k_len)
        q_pos = query_start + lo + torch.arange(q.shape[1], device=query.device)
        logits.masked_fill_(key_pos[None, :] > q_pos[:, None], float("-inf"))
        out += logits.softmax(-1)[..., :read_len].sum(1)
    return out / q_len


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
