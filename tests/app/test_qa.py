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
    assert s.prompt_tokens > 8 and s.kept_tokens == 8 and s.eviction.policy == "snapkv"
    assert s.memory_saved_bytes == (s.prompt_tokens - 8) * 1000
    assert s.memory_held_bytes == 8 * 1000 and s.eviction_ms == 1.5
    assert 0 < s.ttft_s <= s.total_s


def test_unreported_eviction_is_none_not_derived(filled_store, llm, fake):
    fake.stream_report = False
    stream = ask("sky on Mars?", filled_store, llm, kv_bytes_per_token=1000)
    list(stream)
    s = stream.result.stats
    assert s.eviction is None and s.kept_tokens is None and s.memory_saved_bytes is None
    assert s.prompt_tokens > 0  # the usage counts are still the server's


def test_follow_up_sends_the_growing_transcript(filled_store, llm, fake):
    first = ask("sky on Mars?", filled_store, llm, QAOptions(context_tokens=10_000))
    list(first)
    second = ask("And at sunset?", filled_store, llm, history=[first.result])
    list(second)
    one, two = (r["messages"] for r in fake.requests[-2:])
    assert two[: len(one)] == one  # the same prefix: the radix cache reuses it
    assert two[len(one)] == {"role": "assistant", "content": first.result.answer}
    assert two[-1] == {"role": "user", "content": "And at sunset?"}
    assert second.result.mode == "whole" and second.result.sources == first.result.sources


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
