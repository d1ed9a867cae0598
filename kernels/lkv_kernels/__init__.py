"""Triton kernels for LookaheadKV on SGLang's paged cache, each beside its torch reference.

- ``score``: per KV head, mean softmax attention of lookahead queries to each prompt key,
  read through ``req_to_token`` from one layer's key buffer (ragged batch, two passes).
- ``compact``: move each request's kept entries into the first slots of its own part, for
  every layer's K and V buffer in one launch, never writing the radix tree's prefix.
- ``pad_keep``: KeepPlan indices per request -> the padded (B, L, H, max_budget) form.

``score``/``compact`` run the Triton kernels on CUDA tensors when ``torch.cuda.is_available()``
and the torch references otherwise. The kernels themselves (``score_triton``,
``compact_triton``) import triton; importing this package does not.
"""

from .compact_args import pad_keep
from .compact_ref import compact_kv_ref
from .dispatch import compact, flashinfer_enabled, score, use_gpu_kernels
from .score_ref import lookahead_scores_ref

__all__ = [
    "compact",
    "compact_kv_ref",
    "flashinfer_enabled",
    "lookahead_scores_ref",
    "pad_keep",
    "score",
    "use_gpu_kernels",
]
