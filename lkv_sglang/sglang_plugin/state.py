"""Per-request pruning state, attached to SGLang's ``Req`` as ``req._lkv``."""

from __future__ import annotations

from dataclasses import dataclass, field

import torch

from .config import RequestSettings

ATTR = "_lkv"


@dataclass
class PruneState:
    """What the plugin tracks for one request.

    settings: its policy and budget. shared_len: prompt entries matched from the radix cache
    at admission (recorded at its first prefill chunk; never pruned). attn_sum[layer]:
    (num_q_heads, N) float32, summed softmax attention of observed prompt queries over the
    prompt keys; attn_rows[layer]: how many query rows were summed. position_offset: logical
    position minus KV length once pruned (RoPE uses the logical one). pruned: compaction done.
    summary: what the response's meta_info reports.
    """

    settings: RequestSettings
    skip_insert_before: bool = False
    shared_len: int | None = None
    attn_sum: dict[int, torch.Tensor] = field(default_factory=dict)
    attn_rows: dict[int, int] = field(default_factory=dict)
    position_offset: int = 0
    pruned: bool = False
    summary: dict | None = None

    def reset(self) -> None:
        """Back to before the first prefill (retraction: the request re-prefills)."""
        self.shared_len = None
        self.attn_sum.clear()
        self.attn_rows.clear()
        self.position_offset = 0
        self.pruned = False


def state_of(req) -> PruneState | None:
    return getattr(req, ATTR, None)
