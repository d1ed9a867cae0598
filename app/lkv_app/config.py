"""The app's settings, read from the environment once (``LKV_APP_*``)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

DEFAULT_SERVER = "http://127.0.0.1:30000"


@dataclass(frozen=True)
class EvictionDefault:
    """The eviction the app asks for per request unless told otherwise (``LKV_APP_EVICTION``,
    the sidebar). ``note``: why, shown in the UI."""

    policy: str
    budget: int | None
    note: str


DEFAULT_EVICTION = EvictionDefault(
    policy="none",
    budget=None,
    note="Pruning is off by default: on this app's prompts the packaged SmolLM2 scorer at "
    "budget 256 and 512 answered fewer questions right than no pruning "
    "(results/app_defaults.json). Pick a policy here to try it.",
)
"""One constant, chosen from results/app_defaults.json; switch it when a scorer holds up."""


def default_store_dir() -> Path:
    return Path(os.environ.get("XDG_DATA_HOME", Path.home() / ".local" / "share")) / "lkv_app"


@dataclass(frozen=True)
class AppConfig:
    """server_url: the SGLang server (OpenAI API under ``/v1``); store_dir: the persistent
    document store; max_upload_bytes: the largest file accepted; context_tokens: prompt tokens
    the QA service may fill with whole documents before it falls back to retrieval;
    eviction/eviction_budget: per-request defaults (``DEFAULT_EVICTION`` unless set)."""

    server_url: str = DEFAULT_SERVER
    store_dir: Path = default_store_dir()
    max_upload_bytes: int = 5 * 1024 * 1024
    context_tokens: int = 3000
    eviction: str | None = DEFAULT_EVICTION.policy
    eviction_budget: int | None = DEFAULT_EVICTION.budget
    model: str = "default"

    @classmethod
    def from_env(cls) -> AppConfig:
        env = os.environ.get
        budget = env("LKV_APP_EVICTION_BUDGET")
        return cls(
            server_url=env("LKV_APP_SERVER_URL", DEFAULT_SERVER).rstrip("/"),
            store_dir=Path(env("LKV_APP_STORE_DIR", str(default_store_dir()))),
            max_upload_bytes=int(float(env("LKV_APP_MAX_UPLOAD_MB", "5")) * 1024 * 1024),
            context_tokens=int(env("LKV_APP_CONTEXT_TOKENS", "3000")),
            eviction=env("LKV_APP_EVICTION") or DEFAULT_EVICTION.policy,
            eviction_budget=int(budget) if budget else DEFAULT_EVICTION.budget,
            model=env("LKV_APP_MODEL", "default"),
        )
