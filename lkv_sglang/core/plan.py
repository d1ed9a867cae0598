"""Contracts between scorers, selection and engines: what a policy observes, what it keeps."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import torch


class QuerySource(StrEnum):
    """Which queries' attention a policy scores with; the engine adapter produces it."""

    NONE = "none"  # positions only (full, random, streamingllm)
    PROMPT_WINDOW = "prompt_window"  # the last `num_queries` prompt tokens (snapkv, pyramidkv)
    PROMPT_ALL = "prompt_all"  # every prompt token (h2o)
    SELF_DRAFT = "self_draft"  # a short greedy draft decoded from a snapkv-pruned cache (laq)
    DRAFT_MODEL = "draft_model"  # a draft model's greedy answer (speckv)
    LOOKAHEAD = "lookahead"  # learned lookahead tokens with the masked LoRA (lookaheadkv)
    ANSWER = "answer"  # the model's own full greedy answer (oracle: the ceiling)
    KEYS = "keys"  # the prompt's keys themselves, no queries (knorm)


@dataclass(frozen=True)
class Observation:
    """What an engine observed for one request, handed to a policy's ``score``.

    Attributes
    ----------
    prompt_len : N, the number of prompt entries eligible for pruning.
    num_layers, num_kv_heads : cache geometry.
    attention : (num_layers, num_heads, N) float32 or None. Mean over the source's queries of
        their softmax attention to each prompt key; ``num_heads`` is the query-head count
        (aggregated to KV heads by selection) or already the KV-head count.
    device : where the policy's scores and the plan's indices live. Default: the attention's
        device, else the keys', else the CPU (position-only policies have no tensor to follow).
    keys : (num_layers, num_kv_heads, N, head_dim) or None: the prompt's keys (after RoPE),
        for policies that score keys themselves (``QuerySource.KEYS``).
    """

    prompt_len: int
    num_layers: int
    num_kv_heads: int
    attention: torch.Tensor | None = None
    device: torch.device | str | None = None
    keys: torch.Tensor | None = None

    def __post_init__(self) -> None:
        if self.prompt_len < 1 or self.num_layers < 1 or self.num_kv_heads < 1:
            raise ValueError(
                f"bad geometry: {self.prompt_len=} {self.num_layers=} {self.num_kv_heads=}"
            )
        a = self.attention
        if a is not None:
            if a.dim() != 3 or a.shape[0] != self.num_layers or a.shape[2] != self.prompt_len:
                raise ValueError(
                    f"attention must be (num_layers={self.num_layers}, heads, "
                    f"prompt_len={self.prompt_len}); got {tuple(a.shape)}"
                )
            if a.shape[1] % self.num_kv_heads:
                raise ValueError(
                    f"{a.shape[1]} heads is not a multiple of {self.num_kv_heads} KV heads"
                )
        k = self.keys
        if k is not None and (
            k.dim() != 4
            or tuple(k.shape[:3]) != (self.num_layers, self.num_kv_heads, self.prompt_len)
        ):
            raise ValueError(
                f"keys must be (num_layers={self.num_layers}, num_kv_heads={self.num_kv_heads}, "
                f"prompt_len={self.prompt_len}, head_dim); got {tuple(k.shape)}"
            )
        dev = torch.device(self.device) if self.device is not None else None
        for name, t in (("attention", a), ("keys", k)):
            if t is not None and dev is not None and dev != t.device:
                raise ValueError(f"device {dev} differs from the {name}' device {t.device}")
        follow = a if a is not None else k
        dev = dev or (follow.device if follow is not None else torch.device("cpu"))
        object.__setattr__(self, "device", dev)

    def require_keys(self, policy: str) -> torch.Tensor:
        if self.keys is None:
            raise ValueError(
                f"policy {policy!r} scores the prompt's keys but the observation has none"
            )
        return self.keys

    def require_attention(self, policy: str) -> torch.Tensor:
        if self.attention is None:
            raise ValueError(
                f"policy {policy!r} needs attention scores but the observation has none"
            )
        return self.attention


@dataclass(frozen=True)
class KeepPlan:
    """The prompt entries to keep, per layer and KV head, as logical positions.

    ``indices[l]`` is (num_kv_heads, budget_l) int64, distinct positions in [0, prompt_len).
    Ascending order is the normal case; any order is valid (engines copy in that order).
    The value checks read the indices on the host (one sync per layer on a GPU); indices on
    the ``meta`` device have no values and are checked for shape and dtype only.
    """

    prompt_len: int
    indices: tuple[torch.Tensor, ...]

    def __post_init__(self) -> None:
        for layer, idx in enumerate(self.indices):
            if idx.dim() != 2 or idx.dtype != torch.int64:
                raise ValueError(
                    f"layer {layer}: indices must be 2-D int64, got {idx.dtype} {tuple(idx.shape)}"
                )
            if idx.device.type == "meta":
                continue
            if idx.numel() and (int(idx.min()) < 0 or int(idx.max()) >= self.prompt_len):
                raise ValueError(f"layer {layer}: indices outside [0, {self.prompt_len})")
            srt = idx.sort(-1).values
            if idx.shape[1] > 1 and bool((srt[:, 1:] == srt[:, :-1]).any()):
                raise ValueError(f"layer {layer}: duplicate indices in a head")

    @classmethod
    def keep_all(
        cls,
        prompt_len: int,
        num_layers: int,
        num_kv_heads: int,
        device: torch.device | str = "cpu",
    ) -> KeepPlan:
        """Every prompt entry in every layer and KV head, as indices on ``device``."""
        row = torch.arange(prompt_len, dtype=torch.int64, device=device)
        row = row.expand(num_kv_heads, prompt_len)
        return cls(prompt_len, tuple(row.clone() for _ in range(num_layers)))

    @property
    def budgets(self) -> list[int]:
        return [int(idx.shape[1]) for idx in self.indices]

    @property
    def is_full(self) -> bool:
        """True when every layer keeps every prompt entry (nothing to prune)."""
        return all(b == self.prompt_len for b in self.budgets)

    @property
    def kept_entries(self) -> int:
        """Prompt entries held after pruning, summed over layers and KV heads."""
        return sum(int(idx.numel()) for idx in self.indices)

    def stacked(self) -> torch.Tensor:
        """(num_layers, num_kv_heads, budget) when every layer has the same budget."""
        if len(set(self.budgets)) != 1:
            raise ValueError(f"per-layer budgets differ: {self.budgets}")
        return torch.stack(self.indices)
