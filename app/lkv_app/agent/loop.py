"""The agent loop: LangChain's ``create_agent`` over the store's tools, constrained turn by turn.

``ConstrainedSteps`` (middleware) reads the turn from the LangGraph state's messages and sends
each model call with a JSON schema (see ``steps.py``): turn 1 must call a tool, later turns call
a tool or answer, the last allowed turn must answer, and a call already made is never made
again (the model is asked for an answer instead), so no run hits the turn limit. It also
renders the transcript for a small model (calls as the JSON it wrote, results as user turns);
the rendering depends only on the state, so each turn's prompt extends the previous one and the
server's prefix cache reuses it. A question about a thing no stored document mentions
(``mentions.unmentioned``) may only be answered "unknown". Each turn carries its own eviction budget
(``eviction_budget + budget_growth * turn``).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

from langchain.agents import create_agent
from langchain.agents.middleware import AgentMiddleware
from langchain_core.messages import AIMessage, AnyMessage, HumanMessage, ToolMessage

from ..chat_model import ChatLookaheadKV, eviction_of
from ..eviction import EvictionInfo
from ..qa import check_question
from ..server import server_errors
from ..store import DocumentStore
from .mentions import unmentioned, vocabulary
from .steps import NOT_FOUND, UNKNOWN, answer_schema, call_key, passages, step_schema, to_message
from .tools import RESULT_TOKENS, make_tools

SYSTEM = (
    "You answer questions about the user's documents. You cannot see the documents: use the "
    "tools. Reply with one JSON object:\n"
    '{"tool": "search_documents", "query": "KEYWORDS"} searches all documents;\n'
    '{"tool": "read_document", "name": "DOCUMENT"} reads one document;\n'
    '{"answer": "WORDS"} answers with the words of the tool results that answer the question; '
    '{"answer": "' + UNKNOWN + '"} if the results do not say.\n'
    "Documents: {names}"
)


@dataclass(frozen=True)
class AgentSettings:
    """max_turns: model calls at most (the last one must answer); result_tokens: each tool
    result is cut to this many tokens (estimated); max_tokens: generated tokens per turn."""

    max_turns: int = 4
    eviction: str | None = None
    eviction_budget: int | None = None
    budget_growth: int = 0
    max_tokens: int = 96
    result_tokens: int = RESULT_TOKENS


@dataclass(frozen=True)
class Step:
    """kind: "tool_call" (name, args), "tool_result" (name, text) or "answer" (text)."""

    turn: int
    kind: str
    name: str = ""
    text: str = ""
    eviction: EvictionInfo | None = None
    calls: tuple[dict, ...] = ()
    """Model calls behind this step (``CALL_KEY``): seconds, prompt/output tokens, schema kind."""


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


def render(messages: list[AnyMessage], question: str) -> list[AnyMessage]:
    """The transcript as a small model reads it: its calls as JSON, results as user turns."""
    out: list[AnyMessage] = []
    for m in messages:
        if isinstance(m, AIMessage) and m.tool_calls:
            c = m.tool_calls[0]
            out.append(AIMessage(json.dumps({"tool": c["name"], **c["args"]})))
        elif isinstance(m, ToolMessage):
            out.append(HumanMessage(f"{m.content}\n\nQuestion: {question}"))
        else:
            out.append(m)
    return out


CALL_KEY = "lkv_calls"


def schema_kind(schema: dict) -> str:
    """A label for what a schema allows: "search", "search|read|answer", "answer"..."""
    return "|".join(
        "answer" if "answer" in o["properties"] else o["properties"]["tool"]["const"].split("_")[0]
        for o in schema.get("anyOf", [schema])
    )


def timed(handler, req, schema: dict) -> tuple:
    t0 = time.perf_counter()
    response = handler(req)
    reply = response.result[-1]
    usage = getattr(reply, "usage_metadata", None) or {}
    call = {
        "seconds": round(time.perf_counter() - t0, 2),
        "prompt_tokens": usage.get("input_tokens"),
        "output_tokens": usage.get("output_tokens"),
        "schema": schema_kind(schema),
        "reply": reply.text[:200],
    }
    return response, call


class ConstrainedSteps(AgentMiddleware):
    """One constrained model call per turn; see the module's docstring."""

    def __init__(
        self,
        llm: ChatLookaheadKV,
        settings: AgentSettings,
        doc_names: list[str],
        vocab: frozenset[str] = frozenset(),
    ):
        super().__init__()
        self.llm, self.settings, self.names, self.vocab = llm, settings, doc_names, vocab

    def wrap_model_call(self, request, handler):
        s, msgs = self.settings, request.messages
        turn = sum(isinstance(m, AIMessage) for m in msgs)
        calls_made = [c for m in msgs if isinstance(m, AIMessage) for c in m.tool_calls]
        made = {call_key(c) for c in calls_made}
        queries = tuple(str(c["args"].get("query", "")) for c in calls_made)
        last = turn >= s.max_turns - 1
        found = [c for m in msgs if isinstance(m, ToolMessage) for c in passages(m.text)]
        question = next((m.text for m in msgs if isinstance(m, HumanMessage)), "")
        silent = bool(unmentioned(question, self.vocab))  # no document mentions what is asked
        schema = step_schema(
            self.names,
            question,
            may_call=not last,
            may_answer=turn > 0 or last,
            found=found,
            queries=queries,
            silent=silent,
        )
        update: dict = {"max_tokens": s.max_tokens, "json_schema": schema}
        if s.eviction is not None:
            update["eviction"] = s.eviction
        if (budget := turn_budget(s, turn)) is not None:
            update["eviction_budget"] = budget
        req = request.override(
            model=self.llm.model_copy(update=update), tools=[], messages=render(msgs, question)
        )
        response, call = timed(handler, req, schema)
        calls = [call]
        msg = to_message(response.result[-1], found, question, queries)
        must_answer = last
        if msg.tool_calls and call_key(msg.tool_calls[0]) in made:  # never the same call twice
            only = answer_schema(found, question, queries, silent)
            answer = self.llm.model_copy(update={**update, "json_schema": only})
            response, call = timed(handler, req.override(model=answer), only)
            calls.append(call)
            msg, must_answer = to_message(response.result[-1], found, question, queries), True
        if must_answer and msg.tool_calls:  # a server that ignored the schema: stop anyway
            msg = AIMessage(NOT_FOUND, response_metadata=msg.response_metadata)
        msg.response_metadata[CALL_KEY] = calls
        response.result = [msg]
        return response


def build_agent(
    store: DocumentStore, llm: ChatLookaheadKV, settings: AgentSettings, question: str = ""
):
    names = [d.name for d in store.documents()]
    vocab = vocabulary(store.read(name) for name in names)
    return create_agent(
        llm,
        make_tools(store, settings.result_tokens, question),
        system_prompt=SYSTEM.replace("{names}", ", ".join(names) or "(none stored)"),
        middleware=[ConstrainedSteps(llm, settings, names, vocab)],
    )


def run_agent(
    question: str, store: DocumentStore, llm: ChatLookaheadKV, settings: AgentSettings | None = None
) -> Iterator[Step]:
    """Yield each step as it happens; the value returned (``StopIteration.value``) is the
    ``AgentRun``. Use ``collect`` for the run alone."""
    s = settings or AgentSettings()
    if s.max_turns < 2:
        raise ValueError(f"max_turns is {s.max_turns}; at least 2 (one tool call, one answer)")
    run = AgentRun(check_question(question))
    agent = build_agent(store, llm, s, run.question)
    turn = 0
    with server_errors(str(llm.openai_api_base)):
        for update in agent.stream(
            {"messages": [HumanMessage(run.question)]},
            {"recursion_limit": 4 * s.max_turns + 8},
            stream_mode="updates",
        ):
            for node in update.values():
                for msg in (node or {}).get("messages", []) if isinstance(node, dict) else []:
                    for step in steps_of(msg, turn):
                        run.steps.append(step)
                        yield step
                    turn += isinstance(msg, AIMessage)
    final = [x for x in run.steps if x.kind == "answer"]
    if final:
        run.answer, run.completed, run.stop_reason = final[-1].text, True, "answered"
    else:
        run.stop_reason = "the model returned no answer"
    return run


def steps_of(msg, turn: int) -> list[Step]:
    if isinstance(msg, AIMessage):
        ev = eviction_of(msg)
        calls = tuple(msg.response_metadata.get(CALL_KEY) or ())
        if msg.tool_calls:
            return [
                Step(turn, "tool_call", c["name"], json.dumps(c["args"]), ev, calls)
                for c in msg.tool_calls
            ]
        return [Step(turn, "answer", "", msg.text, ev, calls)]
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
