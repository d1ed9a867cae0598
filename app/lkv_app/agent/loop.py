"""The agent loop: LangChain's ``create_agent`` with the store's tools, one step at a time.

Budgets per turn: each model call (a turn) carries its own eviction budget,
``eviction_budget + budget_growth * turn`` (the prompt grows as tool results pile up), and the
loop stops after ``max_turns`` model calls.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from langchain.agents import create_agent
from langchain.agents.middleware import wrap_model_call
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from langgraph.errors import GraphRecursionError

from ..chat_model import ChatLookaheadKV, eviction_of
from ..eviction import EvictionInfo
from ..qa import check_question
from ..server import server_errors
from ..store import DocumentStore
from .lenient import bare_tool_call
from .tools import make_tools

SYSTEM = (
    "You answer questions about the user's documents. You cannot see the documents: call a "
    "tool first. Tools: list_documents() names the stored documents; search_documents(query) "
    "returns passages about query; read_document(name) returns one document's text.\n"
    "To call a tool, reply with only "
    '<tool_call>{"name": TOOL, "arguments": {...}}</tool_call>, for example '
    '<tool_call>{"name": "search_documents", "arguments": {"query": "report author"}}</tool_call>\n'
    "When a tool result holds the answer, reply with the answer in one sentence."
)
"""Tools are described in the prompt too: some chat templates (SmolLM2's) drop the API's
``tools``; the format is the one ``--tool-call-parser hermes``/``qwen25`` parse."""


@dataclass(frozen=True)
class AgentSettings:
    max_turns: int = 4
    eviction: str | None = None
    eviction_budget: int | None = None
    budget_growth: int = 0
    max_tokens: int = 96
    lenient_tool_calls: bool = True  # read a bare-JSON tool call the server's parser missed


@dataclass(frozen=True)
class Step:
    """kind: "tool_call" (name, args), "tool_result" (name, text) or "answer" (text)."""

    turn: int
    kind: str
    name: str = ""
    text: str = ""
    eviction: EvictionInfo | None = None


@dataclass
class AgentRun:
    question: str
    steps: list[Step] = field(default_factory=list)
    answer: str = ""
    completed: bool = False
    stop_reason: str = ""

    @property
    def tools_used(self) -> list[str]:
        return [s.name for s in self.steps if s.kind == "tool_call"]


def turn_budget(settings: AgentSettings, turn: int) -> int | None:
    if settings.eviction_budget is None:
        return None
    return settings.eviction_budget + settings.budget_growth * turn


def build_agent(store: DocumentStore, llm: ChatLookaheadKV, settings: AgentSettings):
    turns = {"n": 0}

    @wrap_model_call
    def per_turn_budget(request, handler):
        budget = turn_budget(settings, turns["n"])
        turns["n"] += 1
        update = {"max_tokens": settings.max_tokens}
        if settings.eviction is not None:
            update["eviction"] = settings.eviction
        if budget is not None:
            update["eviction_budget"] = budget
        response = handler(request.override(model=llm.model_copy(update=update)))
        if settings.lenient_tool_calls:
            response.result = [
                (bare_tool_call(m, names) or m) if isinstance(m, AIMessage) else m
                for m in response.result
            ]
        return response

    tools = make_tools(store)
    names = {t.name for t in tools}
    return create_agent(llm, tools, system_prompt=SYSTEM, middleware=[per_turn_budget])


def run_agent(
    question: str, store: DocumentStore, llm: ChatLookaheadKV, settings: AgentSettings | None = None
) -> Iterator[Step]:
    """Yield each step as it happens; the last value returned (``StopIteration.value``) is
    the ``AgentRun``. Use ``collect`` for the run alone."""
    s = settings or AgentSettings()
    run = AgentRun(check_question(question))
    agent = build_agent(store, llm, s)
    turn = 0
    with server_errors(str(llm.openai_api_base)):
        try:
            for update in agent.stream(
                {"messages": [HumanMessage(run.question)]},
                {"recursion_limit": 2 * s.max_turns},
                stream_mode="updates",
            ):
                for node in update.values():
                    for msg in (node or {}).get("messages", []):
                        for step in steps_of(msg, turn):
                            run.steps.append(step)
                            yield step
                        turn += isinstance(msg, AIMessage)
        except GraphRecursionError:
            run.stop_reason = f"stopped after {s.max_turns} turns without an answer"
    final = [x for x in run.steps if x.kind == "answer"]
    if final and not run.stop_reason:
        run.answer, run.completed, run.stop_reason = final[-1].text, True, "answered"
    elif not run.stop_reason:
        run.stop_reason = "the model returned no answer"
    return run


def steps_of(msg, turn: int) -> list[Step]:
    if isinstance(msg, AIMessage):
        ev = eviction_of(msg)
        if msg.tool_calls:
            return [Step(turn, "tool_call", c["name"], str(c["args"]), ev) for c in msg.tool_calls]
        return [Step(turn, "answer", "", msg.text, ev)]
    if isinstance(msg, ToolMessage):
        return [Step(turn, "tool_result", msg.name or "", str(msg.content))]
    return []


def collect(
    question: str, store: DocumentStore, llm: ChatLookaheadKV, settings: AgentSettings | None = None
) -> AgentRun:
    gen = run_agent(question, store, llm, settings)
    while True:
        try:
            next(gen)
        except StopIteration as stop:
            return stop.value
