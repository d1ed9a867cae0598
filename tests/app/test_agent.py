"""The agent loop against the fake server: tools, steps, per-turn budgets, turn limit."""

from __future__ import annotations

from fake_openai_server import Reply

from lkv_app.agent import AgentSettings, collect, make_tools


def test_agent_lists_reads_and_answers(filled_store, llm, fake):
    run = collect(
        "What colour is the Mars sky?",
        filled_store,
        llm,
        AgentSettings(eviction_budget=32, budget_growth=16),
    )
    assert run.completed and run.tools_used == ["list_documents", "read_document"]
    assert [s.kind for s in run.steps] == [
        "tool_call",
        "tool_result",
        "tool_call",
        "tool_result",
        "answer",
    ]
    assert "Cats purr" in run.answer  # read_document read cats.md, listed first
    budgets = [r["custom_params"]["eviction_budget"] for r in fake.requests]
    assert budgets == [32, 48, 64]
    assert all(r["max_completion_tokens"] == 96 for r in fake.requests)
    assert all(s.eviction is not None for s in run.steps if s.kind != "tool_result")


def test_agent_stops_after_max_turns(filled_store, llm, fake):
    fake.script = lambda messages, tools: Reply(tool="search_documents", args={"query": "sky"})
    run = collect("Loop forever?", filled_store, llm, AgentSettings(max_turns=3))
    assert not run.completed and "3 turns" in run.stop_reason
    assert len(fake.requests) == 3


def test_tools(filled_store):
    tools = {t.name: t for t in make_tools(filled_store, read_limit=20)}
    assert tools["list_documents"].invoke({}).splitlines()[0].startswith("cats.md")
    assert "butterscotch" in tools["search_documents"].invoke({"query": "Mars sky colour"})
    assert tools["read_document"].invoke({"name": "cats.md"}).endswith("more characters]")
    assert "stored documents: cats.md, mars.txt" in tools["read_document"].invoke(
        {"name": "nope.txt"}
    )


def bare_json_script(messages, tools):
    """A model that writes its tool call as bare JSON (no <tool_call> tags), then answers."""
    if messages[-1]["role"] == "user":
        return Reply(text='{"name": "read_document", "arguments": {"name": "mars.txt"}}')
    return Reply(text="Butterscotch.")


def test_lenient_agent_reads_bare_json_tool_calls(filled_store, llm, fake):
    fake.script = bare_json_script
    run = collect("Sky colour on Mars?", filled_store, llm, AgentSettings())
    assert run.completed and run.tools_used == ["read_document"] and run.answer == "Butterscotch."
    assert "butterscotch" in fake.requests[-1]["messages"][-1]["content"]  # the tool ran


def test_strict_agent_takes_bare_json_as_the_answer(filled_store, llm, fake):
    fake.script = bare_json_script
    run = collect("Sky colour on Mars?", filled_store, llm, AgentSettings(lenient_tool_calls=False))
    assert run.tools_used == [] and run.answer.startswith('{"name"')


def test_bare_tool_call_only_takes_exact_calls():
    from langchain_core.messages import AIMessage

    from lkv_app.agent.lenient import bare_tool_call

    names = {"search_documents"}
    call = bare_tool_call(
        AIMessage(
            '<tool_call>{"name": "search_documents", "arguments": {"query": "x"}}</tool_call>'
        ),
        names,
    )
    assert call.tool_calls[0]["name"] == "search_documents" and call.tool_calls[0]["args"] == {
        "query": "x"
    }
    for text in [
        '{"name": "rm_rf", "arguments": {}}',
        "The answer is {x}.",
        '{"name": "search_documents"',
        "[]",
        '{"name": "search_documents", "arguments": {"query": "a"}}\nSo the answer is 4.',
    ]:
        assert bare_tool_call(AIMessage(text), names) is None
    several = '{"name": "search_documents", "arguments": {"query": "a"}}\n{"name": "search_doc'
    assert bare_tool_call(AIMessage(several), names).tool_calls[0]["args"] == {"query": "a"}
