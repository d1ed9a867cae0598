"""ChatLookaheadKV against the fake server: settings per request, metadata per response."""

from __future__ import annotations

import pytest
from langchain_core.tools import tool

from lkv_app.chat_model import ChatLookaheadKV, eviction_of
from lkv_app.errors import InputRejected, ServerUnavailable
from lkv_app.server import server_errors


def test_settings_travel_in_custom_params(llm, fake):
    llm.invoke("hello")
    llm.invoke("hello", eviction="none")
    llm.invoke("hello", eviction="h2o", eviction_budget=64)
    sent = [r["custom_params"] for r in fake.requests]
    assert sent == [
        {"eviction": "snapkv", "eviction_budget": 16},
        {"eviction": "none", "eviction_budget": 16},
        {"eviction": "h2o", "eviction_budget": 64},
    ]
    assert all(r["return_meta_info"] for r in fake.requests)


def test_no_settings_means_server_default(fake):
    plain = ChatLookaheadKV(base_url=fake.url + "/v1", max_retries=0)
    msg = plain.invoke("one two three")
    assert "custom_params" not in fake.requests[-1]
    assert eviction_of(msg).policy == fake.server_policy


def test_invoke_reports_server_eviction(llm):
    msg = llm.invoke("word " * 40)
    ev = eviction_of(msg)
    assert ev.pruned and ev.policy == "snapkv"
    assert ev.kept_tokens == 16 and ev.prompt_tokens == 44 and ev.eviction_ms == 1.5
    assert ev.memory_saved_bytes(100) == (44 - 16) * 100


def merged_stream(llm, prompt):
    chunks = list(llm.stream(prompt))
    merged = chunks[0]
    for c in chunks[1:]:
        merged = merged + c
    return chunks, merged


def test_stream_arrives_in_pieces_with_the_servers_report(llm, fake):
    chunks, merged = merged_stream(llm, "word " * 40)
    assert len([c for c in chunks if c.text]) >= 4
    assert merged.text == "The answer is <b>blue</b> [1]."
    ev = eviction_of(merged)
    assert ev.eviction_ms == 1.5 and ev.kv_tokens == 16
    assert (ev.prompt_tokens, ev.kept_tokens, ev.pruned) == (44, 16, True)
    assert "return_meta_info" not in fake.requests[-1]


def test_stream_without_report_has_no_figures(llm, fake):
    fake.stream_report = False
    _, merged = merged_stream(llm, "word " * 40)
    assert eviction_of(merged) is None  # nothing derived


def test_json_schema_travels_as_response_format(llm, fake):
    schema = {"type": "object", "properties": {"a": {"type": "string"}}}
    llm.invoke("x", json_schema=schema)
    assert fake.requests[-1]["response_format"] == {
        "type": "json_schema",
        "json_schema": {"name": "reply", "schema": schema},
    }
    assert fake.requests[-1]["custom_params"] == {"eviction": "snapkv", "eviction_budget": 16}


@tool
def list_documents() -> str:
    """List documents."""
    return "a.txt"


def test_tool_calls_invoke_and_stream(llm):
    bound = llm.bind_tools([list_documents])
    msg = bound.invoke("what documents are there?")
    assert [c["name"] for c in msg.tool_calls] == ["list_documents"]
    assert eviction_of(msg) is not None
    merged = None
    for c in bound.stream("what documents are there?"):
        merged = c if merged is None else merged + c
    assert [c["name"] for c in merged.tool_calls] == ["list_documents"]


def test_bad_policy_is_a_clear_error(llm, fake):
    with pytest.raises(InputRejected, match="'bogus' is not a known policy; known: none"):
        with server_errors(fake.url):
            llm.invoke("x", eviction="bogus")


def test_server_down_is_a_clear_error(closed_url):
    down = ChatLookaheadKV(base_url=closed_url + "/v1", max_retries=0, timeout=5)
    with pytest.raises(ServerUnavailable, match="not reachable; start it with"):
        with server_errors(closed_url):
            down.invoke("x")
