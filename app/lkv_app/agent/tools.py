"""The agent's tools over the document store: list, search, read (outputs kept short)."""

from __future__ import annotations

from langchain_core.tools import BaseTool, tool

from ..errors import InputRejected
from ..store import DocumentStore

READ_LIMIT = 2000  # characters of a document a tool result carries


def make_tools(store: DocumentStore, read_limit: int = READ_LIMIT) -> list[BaseTool]:
    @tool
    def list_documents() -> str:
        """List the stored documents (name, chunks, characters), one per line."""
        docs = store.documents()
        if not docs:
            return "No documents are stored."
        return "\n".join(f"{d.name} ({d.chunks} chunks, {d.chars} chars)" for d in docs)

    @tool
    def search_documents(query: str) -> str:
        """Search all documents for passages about `query`; returns the best passages."""
        hits = store.search(query, 3)
        if not hits:
            return "Nothing found."
        return "\n\n".join(f"[{h.label}]\n{h.text}" for h in hits)

    @tool
    def read_document(name: str) -> str:
        """Read the text of the stored document called `name` (from list_documents)."""
        try:
            text = store.read(name)
        except InputRejected as e:
            return str(e)
        more = f"\n[... {len(text) - read_limit} more characters]" if len(text) > read_limit else ""
        return text[:read_limit] + more

    return [list_documents, search_documents, read_document]
