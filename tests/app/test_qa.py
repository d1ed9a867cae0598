"""The QA service against the fake server: context choice, streaming, sources, figures."""

from __future__ import annotations

import pytest

from lkv_app.chat_model import ChatLookaheadKV
from lkv_app.errors import InputRejected, ServerUnavailable
from lkv_app.qa import QAOptions, ask


def test_whole_documents_when_they_fit(filled_store, llm, fake):
    stream = ask(
        "What colour is the sky on Mars?", filled_store, llm, QAOptions(context_tokens=10_000)
    )
    pieces = list(stream)
    res = stream.result
    assert res.mode == "whole" and len(pieces) >= 4 and "".join(pieces) == res.answer
    sent = fake.requests[-1]["messages"][-1]["content"]
    assert "clowder" in sent and "butterscotch" in sent  # both documents in full
    assert res.sources[0].name == "mars.txt"


def test_retrieval_when_documents_do_not_fit(filled_store, llm, fake):
    stream = ask(
        "What is a group of cats called?", filled_store, llm, QAOptions(k=1, context_tokens=10)
    )
    list(stream)
    sent = fake.requests[-1]["messages"][-1]["content"]
    assert stream.result.mode == "retrieve" and "clowder" in sent and "butterscotch" not in sent
    assert [h.name for h in stream.result.sources] == ["cats.md"]


def test_eviction_figures(filled_store, llm):
    stream = ask(
        "sky on Mars?", filled_store, llm, QAOptions(eviction_budget=8), kv_bytes_per_token=1000
    )
    list(stream)
    s = stream.result.stats
    assert s.prompt_tokens > 8 and s.kept_tokens == 8 and s.policy == "snapkv"
    assert s.memory_saved_bytes == (s.prompt_tokens - 8) * 1000
    assert 0 < s.ttft_s <= s.total_s and s.source == "derived"


def test_eviction_off_keeps_everything(filled_store, llm):
    stream = ask(
        "sky on Mars?", filled_store, llm, QAOptions(eviction="none"), kv_bytes_per_token=1000
    )
    list(stream)
    s = stream.result.stats
    assert s.kept_tokens == s.prompt_tokens and s.memory_saved_bytes == 0


@pytest.mark.parametrize(
    ("question", "message"), [("  ", "question is empty"), ("x" * 2001, "at most 2000")]
)
def test_bad_questions(filled_store, llm, question, message):
    with pytest.raises(InputRejected, match=message):
        ask(question, filled_store, llm)


def test_empty_store(store, llm):
    with pytest.raises(InputRejected, match="store is empty; upload documents"):
        ask("anything?", store, llm)


def test_server_down(filled_store, closed_url):
    down = ChatLookaheadKV(base_url=closed_url + "/v1", max_retries=0, timeout=5)
    stream = ask("sky on Mars?", filled_store, down)
    with pytest.raises(ServerUnavailable, match="not reachable"):
        list(stream)
    assert len(filled_store.documents()) == 2


def test_server_restarting(filled_store, llm, fake):
    fake.fail_status = 503
    with pytest.raises(ServerUnavailable, match="answered 503 .*restarting: try again"):
        list(ask("sky on Mars?", filled_store, llm))
    assert len(filled_store.documents()) == 2
