"""Pick the Triton kernels on a GPU and the torch references elsewhere.

The gate is ``torch.cuda.is_available()`` and the tensors' device, never whether ``triton`` or
``flashinfer`` imports: a CPU install with triton present still takes the torch path, and
nothing on the CPU imports triton through here.

``LKV_KERNELS`` overrides the choice for a whole process (e.g. an SGLang server): ``auto`` (the
default, as above), ``torch`` (always the references: the baseline a GPU run is compared
with), ``triton`` (always the kernels; on CPU tensors only under ``TRITON_INTERPRET=1``, which
is how CPU tests run the serving path through the real kernels).
"""

from __future__ import annotations

import importlib.util
import os
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


ENV_BACKEND = "LKV_KERNELS"
BACKENDS = ("auto", "torch", "triton")


def kernel_backend() -> str:
    """``LKV_KERNELS`` (default ``auto``), checked."""
    value = os.environ.get(ENV_BACKEND, "auto").strip().lower() or "auto"
    if value not in BACKENDS:
        raise ValueError(f"{ENV_BACKEND}={value!r} is not one of {', '.join(BACKENDS)}")
    return value


def use_triton(device: torch.device | str) -> bool:
    """Whether ``score``/``score_layer``/``compact`` run the Triton kernels on ``device``.

    Raises
    ------
    RuntimeError when ``LKV_KERNELS=triton`` asks for kernels on CPU tensors without
    ``TRITON_INTERPRET=1`` (Triton compiles for GPUs only).
    """
    backend = kernel_backend()
    if backend == "torch" or (backend == "auto" and not use_gpu_kernels(device)):
        return False
    if backend == "triton" and torch.device(device).type != "cuda":
        if os.environ.get("TRITON_INTERPRET") != "1":
            raise RuntimeError(
                f"{ENV_BACKEND}=triton on {torch.device(device).type} tensors needs "
                "TRITON_INTERPRET=1 (Triton's interpreter); use auto or torch otherwise"
            )
    if importlib.util.find_spec("triton") is None:
        raise RuntimeError(
            f"{ENV_BACKEND}={backend} picked the Triton kernels but triton is not installed "
            "(pip install -e '.[kernels]'), or set LKV_KERNELS=torch"
        )
    return True


def flashinfer_enabled() -> bool:
    """True only on a GPU with flashinfer importable (lazy import; False on every CPU)."""
    if not torch.cuda.is_available():
        return False
    try:
        import flashinfer  # noqa: F401
    except ImportError:
        return False
    return True


def use_flashinfer(device: torch.device | str) -> bool:
    """Whether attention outside SGLang's backends uses FlashInfer on ``device``: a CUDA device,
    FlashInfer importable, and ``LKV_KERNELS`` not ``torch`` (the all-reference baseline)."""
    if torch.device(device).type != "cuda" or kernel_backend() == "torch":
        return False
    return flashinfer_enabled()


def score(query: torch.Tensor, *args: object, **kwargs: object) -> torch.Tensor:
    """``lookahead_scores`` where ``use_triton``, else ``lookahead_scores_ref`` (same arguments)."""
    if use_triton(query.device):
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
    """One layer of a batch built once by ``score_batch``: Triton where ``use_triton``, else the reference.

    Returns (B, num_kv_heads, max(read_len)) float32 (``out``'s view when given on CUDA).
    """
    if use_triton(query.device):
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
    """``compact_kv`` where ``use_triton``, else ``compact_kv_ref`` (kernel-only options ignored)."""
    if use_triton(keep.device):
        from .compact_triton import compact_kv

        compact_kv(buffers, req_to_token, req_rows, protected_len, keep, budgets, **kwargs)
        return
    dst = kwargs.get("dst_slots")
    compact_kv_ref(buffers, req_to_token, req_rows, protected_len, keep, budgets, dst)
