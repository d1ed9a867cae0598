"""What every page shares: settings, the cached store, the chat model, and error display."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass

import streamlit as st

from lkv_sglang.core.policies import served_policies

from ..chat_model import ChatLookaheadKV
from ..config import DEFAULT_EVICTION, AppConfig
from ..errors import AppError
from ..server import ServerInfo, server_info
from ..store import DocumentStore

# what the server prunes with (the core says, per policy), LookaheadKV first, "none" last
POLICIES = sorted(
    (p for p in served_policies() if p != "full"), key=lambda p: (p != "lookaheadkv", p)
) + ["none"]
SERVER_DEFAULT = "server default"


@dataclass(frozen=True)
class Choice:
    server_url: str
    eviction: str | None
    eviction_budget: int | None


@st.cache_resource(show_spinner="Loading the document store and embedding model...")
def get_store(root: str, max_bytes: int) -> DocumentStore:
    return DocumentStore(root, max_bytes=max_bytes)


@st.cache_data(ttl=10, show_spinner=False)
def get_server_info(url: str) -> ServerInfo | None:
    try:
        return server_info(url)
    except AppError:
        return None


def config() -> AppConfig:
    return AppConfig.from_env()


def store() -> DocumentStore:
    cfg = config()
    return get_store(str(cfg.store_dir), cfg.max_upload_bytes)


def sidebar(cfg: AppConfig) -> Choice:
    """Server and eviction settings shared by the pages (kept in session state)."""
    sb = st.sidebar
    url = sb.text_input("Model server", cfg.server_url, key="server_url").strip().rstrip("/")
    info = get_server_info(url)
    sb.caption(f"Serving: {info.model_path}" if info else "Server not reachable")
    options = [SERVER_DEFAULT, *POLICIES]
    default = options.index(cfg.eviction) if cfg.eviction in options else 0
    policy = sb.selectbox("Eviction policy", options, index=default, key="policy")
    if policy == DEFAULT_EVICTION.policy:
        sb.caption(DEFAULT_EVICTION.note)
    budget = sb.number_input(
        "Eviction budget (tokens kept)", 8, 32768, cfg.eviction_budget or 256, step=8, key="budget"
    )
    return Choice(url, None if policy == SERVER_DEFAULT else policy, int(budget))


def llm(choice: Choice) -> ChatLookaheadKV:
    return ChatLookaheadKV(
        base_url=choice.server_url + "/v1",
        eviction=choice.eviction,
        eviction_budget=choice.eviction_budget,
        timeout=300,
        max_retries=0,
    )


@contextlib.contextmanager
def shown_errors() -> Iterator[None]:
    """Show an error as one message (what was wrong, what to do), never a traceback."""
    try:
        yield
    except AppError as e:
        st.error(str(e))
    except Exception as e:  # noqa: BLE001 - last line of defence for the UI
        st.error(f"Unexpected error ({type(e).__name__}): {e}. Nothing stored was changed.")


def human_bytes(n: int | None) -> str:
    if n is None:
        return "n/a"
    for unit in ("B", "KB", "MB", "GB"):
        if abs(n) < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GB"
