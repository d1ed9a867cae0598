"""The constrained agent against the fake server: schemas per turn, grounding, stop rules."""

from __future__ import annotations

import json

from fake_openai_server import Reply, agent_script

from lkv_app.agent import AgentSettings, collect, make_tools
from lkv_app.agent.steps import NOT_FOUND, ground, passages, query_pattern, step_schema


def kinds(schema: dict) -> set[str]:
    options = schema.get("anyOf", [schema])
    return {
        "answer" if "answer" in o["properties"] else o["properties"]["tool"]["const"]
        for o in options
    }


def test_agent_searches_then_answers_with_its_source(filled_store, llm, fake):
    fake.script = agent_script
    run = collect(
        "What colour is the Mars sky?",
        filled_store,
        llm,
        AgentSettings(eviction_budget=32, budget_growth=16),
    )
    assert run.completed and run.tools_used == ["search_documents"]
    assert [s.kind for s in run.steps] == ["tool_call", "tool_result", "answer"]
    assert run.answer == "butterscotch (source: mars.txt)"
    first, second = fake.requests
    assert kinds(first["response_format"]["json_schema"]["schema"]) == {"search_documents"}
    # turn 1 must search
    assert kinds(second["response_format"]["json_schema"]["schema"]) == {
        "search_documents",
        "read_document",
        "answer",
    }
    assert [r["custom_params"]["eviction_budget"] for r in fake.requests] == [32, 48]
    assert "tools" not in first  # the schema carries the tools; the template may drop "tools"
    # the transcript grows: turn 2 starts with turn 1's messages
    assert second["messages"][: len(first["messages"])] == first["messages"]
    assert json.loads(second["messages"][2]["content"]) == {
        "tool": "search_documents",
        "query": "Mars sky",
    }


def offers_a_call(fake) -> bool:
    return "tool" in json.dumps(fake.requests[-1]["response_format"])


def test_a_repeated_call_is_answered_instead(filled_store, llm, fake):
    fake.script = lambda messages, tools: Reply(
        text=json.dumps({"tool": "search_documents", "query": "sky"})
        if offers_a_call(fake)
        else json.dumps({"answer": "butterscotch during the day"})
    )
    run = collect("Loop forever?", filled_store, llm, AgentSettings(max_turns=4))
    # turn 2 repeats turn 1's call: the model is asked again, for an answer only
    assert [kinds(r["response_format"]["json_schema"]["schema"]) for r in fake.requests][-1] == {
        "answer"
    }
    assert len(fake.requests) == 3 and run.tools_used == ["search_documents"]
    assert run.completed and run.answer == "butterscotch during the day (source: mars.txt)"


def test_a_server_ignoring_the_schema_still_stops(filled_store, llm, fake):
    fake.script = lambda messages, tools: Reply(
        text=json.dumps({"tool": "search_documents", "query": "sky"})
    )
    run = collect("Loop forever?", filled_store, llm, AgentSettings(max_turns=4))
    assert run.completed and run.answer == NOT_FOUND and len(fake.requests) == 3


def test_the_last_turn_must_answer(filled_store, llm, fake):
    queries = iter(["sky", "sky colour", "mars sky", "cats"])
    fake.script = lambda messages, tools: Reply(
        text=json.dumps({"tool": "search_documents", "query": next(queries)})
        if offers_a_call(fake)
        else json.dumps({"answer": "blue at sunset"})
    )
    run = collect("Sky?", filled_store, llm, AgentSettings(max_turns=3))
    assert run.completed and run.stop_reason == "answered" and len(fake.requests) == 3
    assert kinds(fake.requests[-1]["response_format"]["json_schema"]["schema"]) == {"answer"}
    assert run.answer == "blue at sunset (source: mars.txt)"


def test_an_unsupported_answer_says_the_documents_do_not_say(filled_store, llm, fake):
    fake.script = lambda messages, tools: Reply(
        text=json.dumps({"answer": "2,200,000 people"})
        if str(messages[-1]["content"]).startswith("From ")
        else json.dumps({"tool": "search_documents", "query": "population"})
    )
    run = collect("What is the population of Mars?", filled_store, llm)
    assert run.completed and run.answer == NOT_FOUND


def test_schemas_and_grounding():
    first = step_schema(["a.md"], "Who is the harbour master?", may_call=True, may_answer=False)
    assert kinds(first) == {"search_documents"}
    later = step_schema(["a.md"], "Who is the harbour master?", may_call=True, may_answer=True)
    assert kinds(later) == {"search_documents", "read_document", "answer"}
    assert later["anyOf"][1]["properties"]["name"]["enum"] == ["a.md"]
    last = step_schema(["a.md"], "Who is the harbour master?", may_call=False, may_answer=True)
    assert kinds(last) == {"answer"}
    pattern = query_pattern("Who is the harbour master?")
    assert pattern == "^(harbour|master)( (harbour|master)){0,4}$"
    found = passages(
        "From port.md:\nThe harbour master is Ilse Marchetti.\n\nFrom b.md:\nBudget 612,000 euros"
    )
    assert found == [
        ("port.md", "The harbour master is Ilse Marchetti."),
        ("b.md", "Budget 612,000 euros"),
    ]
    assert ground("Ilse Marchetti", found) == "port.md"
    assert ground("612000 euros", found) == "b.md"
    assert ground("2,200,000 people", found) is None and ground("", found) is None


def test_tools(filled_store):
    tools = {t.name: t for t in make_tools(filled_store, result_tokens=10)}
    hit = tools["search_documents"].invoke({"query": "Mars sky colour"})
    assert hit.startswith("From mars.txt:\nMars notes.\nThe sky [...]") and "From cats.md" in hit
    assert len(hit) < 120  # trimmed to the result budget (10 tokens ~ 40 characters)
    assert "butterscotch" in make_tools(filled_store)[0].invoke({"query": "Mars sky colour"})
    assert tools["read_document"].invoke({"name": "cats.md"}).endswith("[...]")
    assert "stored documents: cats.md, mars.txt" in tools["read_document"].invoke(
        {"name": "nope.txt"}
    )
