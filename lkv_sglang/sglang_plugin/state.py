"""Per-request pruning state, attached to SGLang's ``Req`` as ``req._lkv``."""

from __future__ import annotations

from dataclasses import dataclass, field

import torch

from .config import RequestSettings

ATTR = "_lkv"


@dataclass
class PruneState:
    """What the plugin tracks for one request.

    settings: its policy, budget and scope. shared_len: prompt entries matched from the radix
    cache at admission (recorded at its first prefill chunk). attn_sum[layer]:
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

    @property
    def select_from(self) -> int:
        """First prompt position the kept set is chosen from: 0 for scope "prompt" (the whole
        prompt, whatever the cache held), the matched prefix's end for scope "suffix"."""
        return 0 if self.settings.scope == "prompt" else (self.shared_len or 0)

    def forget_observation(self) -> None:
        self.attn_sum.clear()
        self.attn_rows.clear()

    def reset(self) -> None:
        """Back to before the first prefill (retraction: the request re-prefills)."""
        self.shared_len = None
        self.forget_observation()
        self.position_offset = 0
        self.pruned = False


def state_of(req) -> PruneState | None:
    return getattr(req, ATTR, None)
