"""Multi-document QA: whole documents when they fit the window, else retrieved chunks.

``ask(question, store, llm, options)`` returns a ``QAStream``: iterate it for the answer's text
pieces as they arrive; afterwards ``.result`` holds the ``QAResult`` (answer, cited chunks,
eviction figures). Token counts before the request are estimated as characters / 4.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass

from langchain_core.messages import HumanMessage, SystemMessage

from .chat_model import ChatLookaheadKV, eviction_of
from .errors import InputRejected
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
    """prompt/kept tokens per layer and KV head; memory_saved_bytes: KV freed by eviction;
    ttft_s: time to the first answer text; source: "server" or "derived" (see eviction.py)."""

    prompt_tokens: int | None
    kept_tokens: int | None
    memory_saved_bytes: int | None
    ttft_s: float | None
    eviction_ms: float | None
    total_s: float
    policy: str | None
    source: str | None


@dataclass(frozen=True)
class QAResult:
    question: str
    answer: str
    mode: str
    sources: list[Hit]
    stats: QAStats
    prompt: str = ""  # the user message sent (documents + question), after ``SYSTEM``


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
        parts = [f"[{i}] {d.name}\n{store.read(d.name)}" for i, d in enumerate(docs, 1)]
    else:
        parts = [f"[{i}] {h.label}\n{h.text}" for i, h in enumerate(hits, 1)]
    body = "\n\n".join(parts)
    return mode, hits, f"Documents:\n\n{body}\n\nQuestion: {question}"


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
    ) -> None:
        self.question = check_question(question)
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
        msgs = [SystemMessage(SYSTEM), HumanMessage(self._user)]
        t0, ttft, merged = time.perf_counter(), None, None
        with server_errors(str(self._llm.openai_api_base)):
            for chunk in self._llm.stream(msgs, max_tokens=o.max_tokens, **kwargs):
                merged = chunk if merged is None else merged + chunk
                if chunk.text:
                    ttft = ttft if ttft is not None else time.perf_counter() - t0
                    yield chunk.text
        total = time.perf_counter() - t0
        info = eviction_of(merged) if merged is not None else None
        stats = QAStats(
            prompt_tokens=info.prompt_tokens if info else None,
            kept_tokens=info.kept_tokens if info else None,
            memory_saved_bytes=info.memory_saved_bytes(self._kv) if info else None,
            ttft_s=ttft,
            eviction_ms=info.eviction_ms if info else None,
            total_s=total,
            policy=info.policy if info else None,
            source=info.source if info else None,
        )
        answer = merged.text if merged is not None else ""
        self.result = QAResult(self.question, answer, self.mode, self.sources, stats, self._user)


def ask(
    question: str,
    store: DocumentStore,
    llm: ChatLookaheadKV,
    opts: QAOptions | None = None,
    kv_bytes_per_token: int | None = None,
) -> QAStream:
    """Check the question and build the prompt now (errors raise here); stream on iteration."""
    return QAStream(question, store, llm, opts or QAOptions(), kv_bytes_per_token)
