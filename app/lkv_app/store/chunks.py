"""Split a document into chunks with LangChain's splitter, keeping each chunk's position."""

from __future__ import annotations

from dataclasses import dataclass

from langchain_text_splitters import RecursiveCharacterTextSplitter


@dataclass(frozen=True)
class Chunk:
    """index: order in the document; start/end: character offsets into the document's text."""

    index: int
    start: int
    end: int
    text: str


def split(text: str, chunk_size: int = 800, overlap: int = 100) -> list[Chunk]:
    """Chunks of at most ``chunk_size`` characters, overlapping by ``overlap``."""
    splitter = RecursiveCharacterTextSplitter(
        chunk_size=chunk_size, chunk_overlap=overlap, add_start_index=True
    )
    docs = splitter.create_documents([text])
    out = []
    for i, d in enumerate(docs):
        start = int(d.metadata["start_index"])
        out.append(Chunk(i, start, start + len(d.page_content), d.page_content))
    return out
