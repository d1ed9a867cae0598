"""What eviction did to one request, as the server reports it (never derived here).

The SGLang plugin reports ``meta_info["lkv_eviction"]`` (a one-element list holding a dict with
policy, budget, scope, prompt_tokens, cached_prefix_tokens, kept_tokens, kv_tokens, pruned,
eviction_ms). Without streaming the OpenAI API returns it in ``choices[0].meta_info``
(``return_meta_info``); a streamed response carries it in its final chunk as a top-level
``lkv_eviction`` key (the same dict). A response without the report has no ``EvictionInfo``:
the app then says "not reported by the server".
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

META_KEY = "lkv_eviction"
NOT_REPORTED = "not reported by the server"


@dataclass(frozen=True)
class EvictionInfo:
    """One request's prompt-KV eviction, as the server reported it.

    prompt_tokens: N; kept_tokens: prompt entries kept per layer and KV head (N when nothing was
    pruned); kv_tokens: KV entries the request holds after eviction (None if not reported);
    cached_prefix_tokens: prompt tokens served from the prefix cache; eviction_ms: scoring +
    selection + compaction time on the server (None if not reported).
    """

    policy: str
    budget: int | None
    prompt_tokens: int
    kept_tokens: int
    pruned: bool
    eviction_ms: float | None = None
    cached_prefix_tokens: int = 0
    kv_tokens: int | None = None
    scope: str | None = None

    @property
    def evicted_tokens(self) -> int:
        return max(self.prompt_tokens - self.kept_tokens, 0)

    @property
    def kept_fraction(self) -> float:
        return self.kept_tokens / self.prompt_tokens if self.prompt_tokens else 1.0

    def memory_saved_bytes(self, kv_bytes_per_token: int | None) -> int | None:
        """KV bytes freed for this request (all layers), given the model's bytes per token."""
        return None if kv_bytes_per_token is None else self.evicted_tokens * kv_bytes_per_token

    def memory_held_bytes(self, kv_bytes_per_token: int | None) -> int | None:
        """KV bytes the request's prompt holds after eviction (kept entries, all layers)."""
        held = self.kv_tokens if self.kv_tokens is not None else self.kept_tokens
        return None if kv_bytes_per_token is None else held * kv_bytes_per_token

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def from_report(raw: Any) -> EvictionInfo | None:
    """The plugin's report (a dict, or the one-element list meta_info holds), or None."""
    if isinstance(raw, list):
        raw = raw[-1] if raw else None
    if not isinstance(raw, dict) or "prompt_tokens" not in raw:
        return None
    prompt = int(raw["prompt_tokens"])
    kv = raw.get("kv_tokens")
    return EvictionInfo(
        policy=str(raw.get("policy", "unknown")),
        budget=raw.get("budget"),
        prompt_tokens=prompt,
        kept_tokens=int(raw.get("kept_tokens", prompt)),
        pruned=bool(raw.get("pruned", False)),
        eviction_ms=raw.get("eviction_ms"),
        cached_prefix_tokens=int(raw.get("cached_prefix_tokens") or 0),
        kv_tokens=int(kv) if kv is not None else None,
        scope=raw.get("scope"),
    )


def from_meta_info(meta_info: Any) -> EvictionInfo | None:
    """The report inside a response's meta_info, or None when it carries none."""
    if not isinstance(meta_info, dict):
        return None
    return from_report(meta_info.get(META_KEY))
