"""Multi-document QA as a conversation: whole documents when they fit, else retrieved chunks.

``ask(question, store, llm, options, history=previous_results)`` returns a ``QAStream``:
iterate it for the answer's text pieces as they arrive; afterwards ``.result`` holds the
``QAResult`` (answer, cited chunks, the server's figures). A follow-up is sent as the growing
transcript: the first turn's message (documents + question), each answer, each later question,
so every turn's prompt starts with the previous one and the server's prefix cache reuses it.
The documents are the ones chosen on the first turn. Token counts before the request are
estimated as characters / 4.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage

from .chat_model import ChatLookaheadKV, eviction_of
from .errors import InputRejected
from .eviction import EvictionInfo
from .server import server_errors
from .store import DocumentStore, Hit

CHARS_PER_TOKEN = 4
MAX_QUESTION = 2000
SYSTEM = (
    "Answer the question using only the documents below. Be brief. "
    "Cite the documents you used as [1], [2], ..."
)


@dataclass(frozen=True)
class QAOptions:
    """mode: "auto" (whole documents if they fit ``context_tokens``), "whole" or "retrieve";
    k: chunks retrieved (and cited); eviction/eviction_budget: per-request (None: model's)."""

    mode: str = "auto"
    k: int = 4
    context_tokens: int = 3000
    max_tokens: int = 128
    eviction: str | None = None
    eviction_budget: int | None = None


@dataclass(frozen=True)
class QAStats:
    """The server's figures for one turn. prompt/cached tokens: from the usage counts;
    eviction: the plugin's report (None: not reported, and no figure is made up for it);
    kv_bytes_per_token: of the served model (None if unknown); ttft_s: time to first text."""

    prompt_tokens: int | None
    cached_tokens: int | None
    eviction: EvictionInfo | None
    kv_bytes_per_token: int | None
    ttft_s: float | None
    total_s: float

    @property
    def kept_tokens(self) -> int | None:
        return self.eviction.kept_tokens if self.eviction else None

    @property
    def memory_saved_bytes(self) -> int | None:
        return self.eviction.memory_saved_bytes(self.kv_bytes_per_token) if self.eviction else None

    @property
    def memory_held_bytes(self) -> int | None:
        return self.eviction.memory_held_bytes(self.kv_bytes_per_token) if self.eviction else None

    @property
    def eviction_ms(self) -> float | None:
        return self.eviction.eviction_ms if self.eviction else None


@dataclass(frozen=True)
class QAResult:
    question: str
    answer: str
    mode: str
    sources: list[Hit]
    stats: QAStats
    prompt: str = ""  # this turn's user message (documents + question on the first turn)


def transcript(history: list[QAResult], user: str) -> list[BaseMessage]:
    """SYSTEM, then each earlier turn's user message and answer, then ``user``."""
    msgs: list[BaseMessage] = [SystemMessage(SYSTEM)]
    for turn in history:
        msgs += [HumanMessage(turn.prompt), AIMessage(turn.answer)]
    return [*msgs, HumanMessage(user)]


def build_prompt(
    question: str, store: DocumentStore, opts: QAOptions
) -> tuple[str, list[Hit], str]:
    """(mode used, cited chunks, user message) for ``question``."""
    hits = store.search(question, opts.k)
    if not hits:
        raise InputRejected("the document store is empty; upload documents (.txt, .md, .pdf) first")
    docs = store.documents()
    whole_tokens = sum(d.chars for d in docs) // CHARS_PER_TOKEN
    mode = opts.mode
    if mode == "auto":
        mode = "whole" if whole_tokens <= opts.context_tokens else "retrieve"
    if mode == "whole":
        named = [(d.name, store.read(d.name)) for d in docs]
    else:
        named = [(h.label, h.text) for h in hits]
    return mode, hits, user_message(named, question)


def user_message(named_texts: list[tuple[str, str]], question: str) -> str:
    """The user message the app sends: numbered documents (label, text), then the question."""
    body = "\n\n".join(f"[{i}] {label}\n{text}" for i, (label, text) in enumerate(named_texts, 1))
    return f"Documents:\n\n{body}\n\nQuestion: {question}"


def check_question(question: str) -> str:
    q = question.strip()
    if not q:
        raise InputRejected("the question is empty; type a question about your documents")
    if len(q) > MAX_QUESTION:
        raise InputRejected(f"the question has {len(q)} characters; at most {MAX_QUESTION} allowed")
    return q


class QAStream:
    """Iterate for answer text; ``result`` is set once the iteration has finished."""

    def __init__(
        self,
        question: str,
        store: DocumentStore,
        llm: ChatLookaheadKV,
        opts: QAOptions,
        kv_bytes_per_token: int | None = None,
        history: list[QAResult] | None = None,
    ) -> None:
        self.question = check_question(question)
        self.history = list(history or [])
        if self.history:  # a follow-up: the first turn's documents are already in the prompt
            first = self.history[0]
            self.mode, self.sources, self._user = first.mode, first.sources, self.question
        else:
            self.mode, self.sources, self._user = build_prompt(self.question, store, opts)
        self._llm, self._opts, self._kv = llm, opts, kv_bytes_per_token
        self.result: QAResult | None = None

    def __iter__(self) -> Iterator[str]:
        o = self._opts
        kwargs = {
            k: v
            for k, v in (("eviction", o.eviction), ("eviction_budget", o.eviction_budget))
            if v is not None
        }
        msgs = transcript(self.history, self._user)
        t0, ttft, merged = time.perf_counter(), None, None
        with server_errors(str(self._llm.openai_api_base)):
            for chunk in self._llm.stream(msgs, max_tokens=o.max_tokens, **kwargs):
                merged = chunk if merged is None else merged + chunk
                if chunk.text:
                    ttft = ttft if ttft is not None else time.perf_counter() - t0
                    yield chunk.text
        total = time.perf_counter() - t0
        usage = (merged.usage_metadata if merged is not None else None) or {}
        cached = (usage.get("input_token_details") or {}).get("cache_read")
        stats = QAStats(
            prompt_tokens=usage.get("input_tokens"),
            cached_tokens=cached,
            eviction=eviction_of(merged) if merged is not None else None,
            kv_bytes_per_token=self._kv,
            ttft_s=ttft,
            total_s=total,
        )
        answer = merged.text if merged is not None else ""
        self.result = QAResult(self.question, answer, self.mode, self.sources, stats, self._user)


def ask(
    question: str,
    store: DocumentStore,
    llm: ChatLookaheadKV,
    opts: QAOptions | None = None,
    kv_bytes_per_token: int | None = None,
    history: list[QAResult] | None = None,
) -> QAStream:
    """Check the question and build the prompt now (errors raise here); stream on iteration.
    ``history``: the conversation's earlier results, oldest first (a follow-up question)."""
    return QAStream(question, store, llm, opts or QAOptions(), kv_bytes_per_token, history)
