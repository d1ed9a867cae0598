"""The app's client, QA service and agent against a real SGLang server with the plugin.

A tiny random Llama (``lkv_sglang.models.tiny``) served on the CPU with ``--eviction snapkv``:
the answers are noise, but the protocol is the real one (custom_params, meta_info, streaming,
constrained decoding, tool calls). Every request has a client timeout and the server's start
its own; pytest-timeout bounds each test as well.
"""

from __future__ import annotations

import os

import pytest
from langchain_core.tools import tool

from lkv_app.agent import AgentSettings, collect
from lkv_app.chat_model import ChatLookaheadKV, eviction_of
from lkv_app.qa import QAOptions, ask

pytestmark = pytest.mark.sglang
os.environ.setdefault("SGLANG_USE_CPU_ENGINE", "1")
BUDGET = 16
LONG = "the quick brown fox jumps over the lazy dog " * 12  # about 110 tokens


@pytest.fixture(scope="module")
def server(tiny_llama_dir, tmp_path_factory):
    from lkv_sglang.launcher import start_server

    flags = [
        "--eviction",
        "snapkv",
        "--constrained-json-disable-any-whitespace",
    ]
    flags += ["--eviction-budget", str(BUDGET), "--tool-call-parser", "hermes"]
    srv = start_server(tiny_llama_dir, flags, tmp_path_factory.mktemp("app_srv"), timeout=300)
    yield srv
    srv.stop()


@pytest.fixture
def real_llm(server):
    return ChatLookaheadKV(
        base_url=server.url + "/v1", temperature=0, max_tokens=8, timeout=120, max_retries=0
    )


def test_invoke_reports_pruning(real_llm):
    msg = real_llm.invoke(LONG)
    ev = eviction_of(msg)
    assert ev is not None and ev.policy == "snapkv" and ev.pruned
    assert ev.kept_tokens == BUDGET < ev.prompt_tokens
    off = eviction_of(real_llm.invoke(LONG + " again", eviction="none"))
    assert off is None or not off.pruned


def test_stream_arrives_in_pieces(real_llm):
    chunks = list(real_llm.stream(LONG + " stream"))
    assert sum(bool(c.text) for c in chunks) >= 2
    merged = chunks[0]
    for c in chunks[1:]:
        merged = merged + c
    assert merged.usage_metadata["input_tokens"] > BUDGET
    ev = eviction_of(merged)  # the plugin's report on the stream's last chunk; never derived
    assert ev is not None and ev.pruned and ev.kept_tokens == BUDGET, merged.response_metadata


@tool
def search_documents(query: str) -> str:
    """Search the documents."""
    return query


def test_forced_tool_call(real_llm):
    bound = real_llm.bind_tools([search_documents], tool_choice="required")
    msg = bound.invoke("find the fox", max_tokens=200)  # the hermes tags cost tokens
    assert [c["name"] for c in msg.tool_calls] == ["search_documents"]


def test_json_schema_is_enforced(real_llm):
    schema = {
        "type": "object",
        "properties": {"tool": {"const": "search_documents"}, "query": {"enum": ["fox", "dog"]}},
        "required": ["tool", "query"],
        "additionalProperties": False,
    }
    import json

    msg = real_llm.invoke("find the fox", json_schema=schema, max_tokens=48)
    assert json.loads(msg.text)["query"] in ("fox", "dog")


def test_qa_service(filled_store, real_llm):
    stream = ask("sky on Mars?", filled_store, real_llm, QAOptions(max_tokens=8))
    pieces = list(stream)
    res = stream.result
    assert "".join(pieces) == res.answer and res.stats.prompt_tokens > BUDGET
    assert res.stats.eviction is None or res.stats.kept_tokens == BUDGET


def test_agent_run_completes_with_a_tool_call(filled_store, real_llm):
    run = collect(
        "What colour is the sky on Mars?",
        filled_store,
        real_llm,
        AgentSettings(max_turns=3, max_tokens=64, eviction="snapkv", eviction_budget=BUDGET),
    )
    assert run.completed and run.stop_reason == "answered"
    assert run.tools_used and run.tools_used[0] == "search_documents"
    assert any(s.kind == "tool_result" and "From " in s.text for s in run.steps)
