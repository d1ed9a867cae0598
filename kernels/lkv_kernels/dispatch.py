"""Pick the Triton kernels on a GPU and the torch references elsewhere.

The gate is ``torch.cuda.is_available()`` and the tensors' device, never whether ``triton`` or
``flashinfer`` imports: a CPU install with triton present still takes the torch path, and
nothing on the CPU imports triton through here.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from .compact_args import Ints
from .compact_ref import compact_kv_ref
from .score_args import ScoreBatch
from .score_ref import lookahead_scores_ref, score_layer_ref


def use_gpu_kernels(device: torch.device | str | None = None) -> bool:
    """True when CUDA is available and ``device`` (if given) is a CUDA device."""
    if not torch.cuda.is_available():
        return False
    return device is None or torch.device(device).type == "cuda"


def flashinfer_enabled() -> bool:
    """True only on a GPU with flashinfer importable (lazy import; False on every CPU)."""
    if not torch.cuda.is_available():
        return False
    try:
        import flashinfer  # noqa: F401
    except ImportError:
        return False
    return True


def score(query: torch.Tensor, *args: object, **kwargs: object) -> torch.Tensor:
    """``lookahead_scores`` on CUDA tensors, else ``lookahead_scores_ref`` (same arguments)."""
    if use_gpu_kernels(query.device):
        from .score_triton import lookahead_scores

        return lookahead_scores(query, *args, **kwargs)
    kwargs = {k: v for k, v in kwargs.items() if k not in ("out", "block_m", "block_n")}
    return lookahead_scores_ref(query, *args, **kwargs)


def score_layer(
    sb: ScoreBatch,
    query: torch.Tensor,
    k_buffer: torch.Tensor,
    req_to_token: torch.Tensor,
    extra_k: torch.Tensor | None = None,
    out: torch.Tensor | None = None,
) -> torch.Tensor:
    """One layer of a batch built once by ``score_batch``: Triton on CUDA, else the reference.

    Returns (B, num_kv_heads, max(read_len)) float32 (``out``'s view when given on CUDA).
    """
    if use_gpu_kernels(query.device):
        from .score_triton import score_layer as triton_layer

        return triton_layer(sb, query, k_buffer, req_to_token, extra_k, out)
    res = score_layer_ref(sb, query, k_buffer, req_to_token, extra_k)
    if out is not None:
        out.zero_()
        out[:, :, : res.shape[2]] = res
        return out[:, :, : res.shape[2]]
    return res


def compact(
    buffers: Sequence[torch.Tensor],
    req_to_token: torch.Tensor,
    req_rows: Ints,
    protected_len: Ints,
    keep: torch.Tensor,
    budgets: Ints | torch.Tensor,
    **kwargs: object,
) -> None:
    """``compact_kv`` on CUDA tensors, else ``compact_kv_ref`` (kernel-only options ignored)."""
    if use_gpu_kernels(keep.device):
        from .compact_triton import compact_kv

        compact_kv(buffers, req_to_token, req_rows, protected_len, keep, budgets, **kwargs)
        return
    dst = kwargs.get("dst_slots")
    compact_kv_ref(buffers, req_to_token, req_rows, protected_len, keep, budgets, dst)
