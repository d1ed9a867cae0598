"""The document store: uploads -> text -> chunks -> persistent ChromaDB with local embeddings."""

from .chroma import DocumentInfo, DocumentStore, Hit, IngestResult
from .files import ALLOWED, check_upload, safe_name

__all__ = [
    "ALLOWED",
    "DocumentInfo",
    "DocumentStore",
    "Hit",
    "IngestResult",
    "check_upload",
    "safe_name",
]
