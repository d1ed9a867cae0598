"""``DocumentStore``: persistent ChromaDB plus the extracted text and original of each document.

Layout under ``root``: ``chroma/`` (the collection ``documents``; one record per chunk with
metadata source, sha256, chunk, start, end and page), ``text/NAME.txt`` (extracted text, for
reading whole documents), ``files/NAME`` (the upload as sent). NAME is always ``safe_name``'s
output, and every path is checked to stay inside ``root``.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputRejected
from .chunks import split
from .files import check_upload, extract, safe_name

COLLECTION = "documents"


@dataclass(frozen=True)
class IngestResult:
    """status: "added", "replaced" (same name, new content) or "unchanged" (same content)."""

    name: str
    status: str
    chunks: int
    note: str = ""


@dataclass(frozen=True)
class DocumentInfo:
    name: str
    chunks: int
    chars: int
    sha256: str


@dataclass(frozen=True)
class Hit:
    """One retrieved chunk: its document, position and similarity (cosine, higher is closer)."""

    name: str
    chunk: int
    start: int
    end: int
    text: str
    score: float
    page: int | None = None

    @property
    def label(self) -> str:
        where = f"p. {self.page}, " if self.page else ""
        return f"{self.name} ({where}chars {self.start}-{self.end}, chunk {self.chunk})"


class DocumentStore:
    def __init__(self, root: str | Path, embedding_function=None, max_bytes: int = 5 << 20):
        import chromadb
        from chromadb.config import Settings

        from .embedding import packaged_embedding

        self.root = Path(root).resolve()
        self.max_bytes = max_bytes
        for sub in ("chroma", "text", "files"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)
        self._client = chromadb.PersistentClient(
            path=str(self.root / "chroma"), settings=Settings(anonymized_telemetry=False)
        )
        self._col = self._client.get_or_create_collection(
            COLLECTION,
            embedding_function=embedding_function or packaged_embedding(),
            metadata={"hnsw:space": "cosine"},
        )
        self._lock = threading.Lock()

    def _path(self, sub: str, name: str) -> Path:
        path = (self.root / sub / name).resolve()
        if path.parent != self.root / sub:
            raise InputRejected(f"{name!r} would be stored outside the document store")
        return path

    def _meta(self, where: dict) -> list[dict]:
        return self._col.get(where=where, include=["metadatas"])["metadatas"] or []

    def ingest(self, name: str, data: bytes) -> IngestResult:
        """Add (or replace) one upload; nothing stored changes when it is rejected."""
        clean = check_upload(name, data, self.max_bytes)
        doc = extract(clean, data)
        digest = hashlib.sha256(data).hexdigest()
        with self._lock:
            same = self._meta({"sha256": digest})
            if same:
                other = same[0]["source"]
                note = "" if other == clean else f"same content as {other!r}, not added again"
                return IngestResult(other, "unchanged", len(same), note)
            old = self._col.get(where={"source": clean}, include=[])["ids"]
            chunks = split(doc.text)
            metas = []
            for c in chunks:
                m = {
                    "source": clean,
                    "sha256": digest,
                    "chunk": c.index,
                    "start": c.start,
                    "end": c.end,
                }
                page = doc.page_of(c.start)
                if page is not None:
                    m["page"] = page
                metas.append(m)
            ids = [f"{digest[:16]}:{c.index}" for c in chunks]
            self._col.add(ids=ids, documents=[c.text for c in chunks], metadatas=metas)
            if old:
                self._col.delete(ids=old)
            self._path("text", clean + ".txt").write_text(doc.text, encoding="utf-8")
            self._path("files", clean).write_bytes(data)
        note = "" if clean == name else f"stored as {clean!r}"
        return IngestResult(clean, "replaced" if old else "added", len(chunks), note)

    def delete(self, name: str) -> int:
        """Remove a document's chunks, text and file; returns how many chunks were removed."""
        clean = safe_name(name)
        with self._lock:
            ids = self._col.get(where={"source": clean}, include=[])["ids"]
            if ids:
                self._col.delete(ids=ids)
            for path in (self._path("text", clean + ".txt"), self._path("files", clean)):
                path.unlink(missing_ok=True)
        return len(ids)

    def documents(self) -> list[DocumentInfo]:
        by_name: dict[str, list[dict]] = {}
        for m in self._col.get(include=["metadatas"])["metadatas"] or []:
            by_name.setdefault(m["source"], []).append(m)
        return [
            DocumentInfo(n, len(ms), max(m["end"] for m in ms), ms[0]["sha256"])
            for n, ms in sorted(by_name.items())
        ]

    def read(self, name: str) -> str:
        """The whole text of a stored document; ``InputRejected`` naming the stored ones if absent."""
        path = self._path("text", safe_name(name) + ".txt")
        if not path.is_file():
            known = ", ".join(d.name for d in self.documents()) or "none"
            raise InputRejected(f"no document named {name!r}; stored documents: {known}")
        return path.read_text(encoding="utf-8")

    def search(self, query: str, k: int = 4, names: list[str] | None = None) -> list[Hit]:
        """The ``k`` chunks closest to ``query`` (optionally only from documents ``names``)."""
        if not query.strip() or self._col.count() == 0:
            return []
        where = {"source": {"$in": names}} if names else None
        res = self._col.query(
            query_texts=[query],
            n_results=min(k, self._col.count()),
            where=where,
            include=["documents", "metadatas", "distances"],
        )
        hits = []
        for text, m, dist in zip(
            res["documents"][0], res["metadatas"][0], res["distances"][0], strict=True
        ):
            hits.append(
                Hit(m["source"], m["chunk"], m["start"], m["end"], text, 1.0 - dist, m.get("page"))
            )
        return hits
