"""What eviction did to one request, read from the server's response (or derived, and said so).

The SGLang plugin reports ``meta_info["lkv_eviction"]`` (a one-element list holding a dict with
policy, budget, prompt_tokens, cached_prefix_tokens, kept_tokens, pruned, eviction_ms,
kv_tokens). SGLang 0.5.23's OpenAI API returns meta_info only without streaming
(``return_meta_info``); a streamed answer gets ``source="derived"``: kept tokens follow the
plugin's rule from the usage counts, and the eviction time is unknown.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

META_KEY = "lkv_eviction"


@dataclass(frozen=True)
class EvictionInfo:
    """One request's prompt-KV eviction.

    prompt_tokens: N; kept_tokens: prompt entries kept per layer and KV head (N when nothing was
    pruned); eviction_ms: scoring + selection + compaction time on the server (None if unknown);
    source: "server" (reported by the plugin) or "derived" (computed here from usage counts).
    """

    policy: str
    budget: int | None
    prompt_tokens: int
    kept_tokens: int
    pruned: bool
    eviction_ms: float | None = None
    cached_prefix_tokens: int = 0
    source: str = "server"

    @property
    def evicted_tokens(self) -> int:
        return max(self.prompt_tokens - self.kept_tokens, 0)

    @property
    def kept_fraction(self) -> float:
        return self.kept_tokens / self.prompt_tokens if self.prompt_tokens else 1.0

    def memory_saved_bytes(self, kv_bytes_per_token: int | None) -> int | None:
        """KV bytes freed for this request (all layers), given the model's bytes per token."""
        return None if kv_bytes_per_token is None else self.evicted_tokens * kv_bytes_per_token

    def as_dict(self) -> dict[str, Any]:
        return {
            "policy": self.policy,
            "budget": self.budget,
            "prompt_tokens": self.prompt_tokens,
            "kept_tokens": self.kept_tokens,
            "pruned": self.pruned,
            "eviction_ms": self.eviction_ms,
            "cached_prefix_tokens": self.cached_prefix_tokens,
            "source": self.source,
        }


def from_meta_info(meta_info: Any) -> EvictionInfo | None:
    """The plugin's summary inside a response's meta_info, or None when it carries none."""
    if not isinstance(meta_info, dict) or META_KEY not in meta_info:
        return None
    raw = meta_info[META_KEY]
    if isinstance(raw, list):
        raw = raw[-1] if raw else None
    if not isinstance(raw, dict) or "prompt_tokens" not in raw:
        return None
    prompt = int(raw["prompt_tokens"])
    return EvictionInfo(
        policy=str(raw.get("policy", "unknown")),
        budget=raw.get("budget"),
        prompt_tokens=prompt,
        kept_tokens=int(raw.get("kept_tokens", prompt)),
        pruned=bool(raw.get("pruned", False)),
        eviction_ms=raw.get("eviction_ms"),
        cached_prefix_tokens=int(raw.get("cached_prefix_tokens", 0)),
    )


def derived(
    policy: str | None, budget: int | None, prompt_tokens: int, cached_tokens: int = 0
) -> EvictionInfo:
    """The plugin's rule without its report: prompts longer than cached + budget keep that."""
    active = policy not in (None, "none", "full") and budget is not None
    pruned = active and prompt_tokens - cached_tokens > budget
    kept = cached_tokens + budget if pruned else prompt_tokens
    return EvictionInfo(
        policy=policy or "server default",
        budget=budget,
        prompt_tokens=prompt_tokens,
        kept_tokens=kept,
        pruned=pruned,
        eviction_ms=None,
        cached_prefix_tokens=cached_tokens,
        source="derived",
    )
