"""Triton kernels for LookaheadKV on SGLang's paged cache, each beside its torch reference.

- ``score``: per KV head, mean softmax attention of lookahead queries to each prompt key,
  read through ``req_to_token`` from one layer's key buffer (ragged batch, two passes).
- ``compact``: move each request's kept entries into the first slots of its own part, for
  every layer's K and V buffer in one launch, never writing the radix tree's prefix.
- ``score_batch`` + ``score_layer``: the same, with the batch's lengths checked and copied to
  the device once, then one call per layer (what a layer-by-layer lookahead pass needs).
- ``pad_keep``: KeepPlan indices per request -> the padded (B, L, H, max_budget) form.

``score``/``compact`` run the Triton kernels on CUDA tensors when ``torch.cuda.is_available()``
and the torch references otherwise (``LKV_KERNELS=auto|torch|triton`` overrides: ``dispatch``). The kernels themselves (``score_triton``,
``compact_triton``) import triton; importing this package does not.
"""

from .compact_args import pad_keep
from .compact_ref import compact_kv_ref
from .dispatch import (
    compact,
    flashinfer_enabled,
    kernel_backend,
    score,
    score_layer,
    use_flashinfer,
    use_gpu_kernels,
    use_triton,
)
from .score_args import ScoreBatch, score_batch
from .score_ref import lookahead_scores_ref, score_layer_ref

__all__ = [
    "compact",
    "compact_kv_ref",
    "flashinfer_enabled",
    "kernel_backend",
    "lookahead_scores_ref",
    "pad_keep",
    "ScoreBatch",
    "score",
    "score_batch",
    "score_layer",
    "score_layer_ref",
    "use_flashinfer",
    "use_gpu_kernels",
    "use_triton",
]
