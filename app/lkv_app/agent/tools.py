"""The agent's tools over the document store: search and read, results trimmed to a budget.

Results are cut to ``result_tokens`` (estimated as characters / 4) so a small model's prompt
stays short and within reach of the eviction budget; every passage is labelled with its
document's name, which the answer must cite.
"""

from __future__ import annotations

from langchain_core.tools import BaseTool, tool

from ..errors import InputRejected
from ..store import DocumentStore

RESULT_TOKENS = 160
CHARS_PER_TOKEN = 4


def trim(text: str, chars: int) -> str:
    return text if len(text) <= chars else text[:chars].rsplit(" ", 1)[0] + " [...]"


def make_tools(store: DocumentStore, result_tokens: int = RESULT_TOKENS) -> list[BaseTool]:
    budget = result_tokens * CHARS_PER_TOKEN

    @tool
    def search_documents(query: str) -> str:
        """Search all documents for passages about `query`; returns the best passages."""
        hits = store.search(query, 2)
        if not hits:
            return "Nothing found."
        each = budget // len(hits)
        return "\n\n".join(f"From {h.name}:\n{trim(h.text, each)}" for h in hits)

    @tool
    def read_document(name: str) -> str:
        """Read the text of the stored document called `name`."""
        try:
            return f"From {name}:\n{trim(store.read(name), budget)}"
        except InputRejected as e:
            return str(e)

    return [search_documents, read_document]
