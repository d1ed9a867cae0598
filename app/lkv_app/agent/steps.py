"""What the model may reply on each agent turn, as JSON schemas the server enforces.

A small model cannot be trusted to format a tool call, so every turn is constrained decoding
(SGLang's xgrammar backend): the first turn must call a tool, later turns call a tool or answer,
the last turn (and any turn after a repeated call) must answer. Calls use the tool names and
argument types (a document name is one of the stored names, a query is a few of the question's
words, at most ``QUERY_CHARS`` characters; an answer at most ``ANSWER_CHARS``). An answer must be supported
by the tool results so far (``ground``: its numbers and most of its words appear in one
passage); its source is that passage's document, and an unsupported answer becomes "The
documents do not say.", so the agent never passes off an invented answer as a document's.
"""

from __future__ import annotations

import json
import re
import uuid

from langchain_core.messages import AIMessage

QUERY_CHARS = 40
ANSWER_CHARS = 48
SUPPORT = 0.6
STOPWORDS = frozenset(
    "a an and are as at be by for from has have in is it its of on or that the this to was were "
    "which who with what when where how many much does did do one".split()
)
NOT_FOUND = "The documents do not say."


def query_pattern(question: str, max_words: int = 5) -> str | None:
    """A regex for a search query made of 1..max_words content words of the question."""
    vocab = list(
        dict.fromkeys(
            w for w in re.findall(r"[A-Za-z0-9]+", question) if w.lower() not in STOPWORDS
        )
    )
    if not vocab:
        return None
    w = "(" + "|".join(re.escape(v) for v in vocab) + ")"
    return f"^{w}( {w}){{0,{max_words - 1}}}$"


def call_schemas(doc_names: list[str], question: str = "", read: bool = True) -> list[dict]:
    # xgrammar enforces a pattern or lengths, not both; the pattern bounds the words anyway
    pattern = query_pattern(question)
    query: dict = {"type": "string"}
    query.update({"pattern": pattern} if pattern else {"minLength": 2, "maxLength": QUERY_CHARS})
    search = {
        "type": "object",
        "properties": {"tool": {"const": "search_documents"}, "query": query},
        "required": ["tool", "query"],
        "additionalProperties": False,
    }
    schemas = [search]
    if doc_names and read:
        schemas.append(
            {
                "type": "object",
                "properties": {"tool": {"const": "read_document"}, "name": {"enum": doc_names}},
                "required": ["tool", "name"],
                "additionalProperties": False,
            }
        )
    return schemas


def passages(result: str) -> list[tuple[str, str]]:
    """(document, text) pairs of a tool result made of ``From NAME:`` blocks."""
    out = []
    for block in re.split(r"\n\n(?=From )", result):
        head, _, body = block.partition(":\n")
        if head.startswith("From ") and body:
            out.append((head.removeprefix("From ").strip(), body))
    return out


def words(text: str) -> list[str]:
    return [w for w in re.findall(r"[a-z0-9]+(?:[.,][0-9]+)*", text.lower()) if w not in STOPWORDS]


def ground(answer: str, found: list[tuple[str, str]]) -> str | None:
    """The document of the passage that supports ``answer`` best, or None if none does."""
    ans = [w.replace(",", "") for w in words(answer)]
    if not ans:
        return None
    best, best_share = None, 0.0
    for doc, text in found:
        have = {w.replace(",", "") for w in words(text)}
        numbers_ok = all(w in have for w in ans if w[0].isdigit())
        share = sum(w in have for w in ans) / len(ans)
        if numbers_ok and share >= SUPPORT and share > best_share:
            best, best_share = doc, share
    return best


def answer_schema() -> dict:
    return {
        "type": "object",
        "properties": {"answer": {"type": "string", "minLength": 1, "maxLength": ANSWER_CHARS}},
        "required": ["answer"],
        "additionalProperties": False,
    }


def step_schema(doc_names: list[str], question: str, may_call: bool, may_answer: bool) -> dict:
    """Turn 1 (may_answer False) searches: a whole document read first would be cut to the
    result budget before it reaches the fact; later turns may read a document a search named."""
    calls = call_schemas(doc_names, question, read=may_answer) if may_call else []
    options = calls + ([answer_schema()] if may_answer else [])
    return options[0] if len(options) == 1 else {"anyOf": options}


def to_message(reply: AIMessage, found: list[tuple[str, str]]) -> AIMessage:
    """The constrained JSON reply as LangChain's message: a tool call, or the answer with the
    document that supports it (``"... (source: NAME)"``), or NOT_FOUND."""
    try:
        obj = json.loads(reply.text)
    except json.JSONDecodeError:  # cut by max_tokens: keep the text, it is no call
        return reply
    if not isinstance(obj, dict):
        return reply
    keep = {"response_metadata": reply.response_metadata, "usage_metadata": reply.usage_metadata}
    if "tool" in obj:
        args = {k: v for k, v in obj.items() if k != "tool"}
        call = {"name": obj["tool"], "args": args, "id": "call_" + uuid.uuid4().hex[:12]}
        return AIMessage(content="", tool_calls=[call], id=reply.id, **keep)
    answer = str(obj.get("answer", "")).strip()
    source = ground(answer, found)
    text = f"{answer} (source: {source})" if source else NOT_FOUND
    return AIMessage(content=text, id=reply.id, **keep)


def call_key(call: dict) -> str:
    return json.dumps([call["name"], call["args"]], sort_keys=True).lower()
