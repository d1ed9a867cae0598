"""Uploads: safe names, what is accepted, and the text inside (.txt, .md, .pdf with pypdf)."""

from __future__ import annotations

import io
import re
import unicodedata
from dataclasses import dataclass
from pathlib import PurePosixPath

from ..errors import InputRejected

ALLOWED = (".txt", ".md", ".pdf")
MAX_NAME = 120


@dataclass(frozen=True)
class Extracted:
    """text: the document's text; page_starts: character offset where each PDF page begins."""

    text: str
    page_starts: tuple[int, ...] = ()

    def page_of(self, offset: int) -> int | None:
        """1-based page holding character ``offset`` (None for non-PDF documents)."""
        if not self.page_starts:
            return None
        return sum(1 for s in self.page_starts if s <= offset) or 1


def safe_name(name: str) -> str:
    """A plain file name for ``name``: no folders, no leading dots, only ``[A-Za-z0-9._-]``.

    ``../../etc/passwd`` becomes ``passwd``; ``C:\\x\\ré sumé.md`` becomes ``re_sume.md``.
    """
    base = PurePosixPath(str(name).replace("\\", "/")).name
    base = unicodedata.normalize("NFKD", base).encode("ascii", "ignore").decode()
    base = re.sub(r"[^A-Za-z0-9._-]+", "_", base).lstrip("._-")
    stem, dot, ext = base.rpartition(".")
    if dot and len(base) > MAX_NAME:
        base = stem[: MAX_NAME - len(ext) - 1] + "." + ext
    if not base:
        raise InputRejected(
            f"file name {name!r} has no usable name; use letters, digits, '.', '_' or '-' "
            f"and one of the extensions {', '.join(ALLOWED)}"
        )
    return base


def check_upload(name: str, data: bytes, max_bytes: int) -> str:
    """The safe name of an acceptable upload; raises ``InputRejected`` saying why not."""
    clean = safe_name(name)
    ext = PurePosixPath(clean).suffix.lower()
    if ext not in ALLOWED:
        raise InputRejected(
            f"{name!r}: file type {ext or '(none)'!r} is not supported; allowed: {', '.join(ALLOWED)}"
        )
    if len(data) == 0:
        raise InputRejected(f"{name!r} is empty (0 bytes); upload a file that contains text")
    if len(data) > max_bytes:
        raise InputRejected(
            f"{name!r} is {len(data) / 1e6:.1f} MB; the largest file allowed is "
            f"{max_bytes / 1e6:.1f} MB"
        )
    return clean


def extract(name: str, data: bytes) -> Extracted:
    """The text of an accepted upload; raises ``InputRejected`` if none can be read."""
    if name.lower().endswith(".pdf"):
        out = _pdf(name, data)
    else:
        try:
            out = Extracted(data.decode("utf-8-sig"))
        except UnicodeDecodeError:
            raise InputRejected(
                f"{name!r} is not UTF-8 text; save it as UTF-8 (.txt or .md) and upload it again"
            ) from None
    if not out.text.strip():
        raise InputRejected(
            f"{name!r} contains no text (a scanned PDF has only images); upload a file with text"
        )
    return out


def _pdf(name: str, data: bytes) -> Extracted:
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        pages = [p.extract_text() or "" for p in PdfReader(io.BytesIO(data)).pages]
    except (PyPdfError, ValueError, KeyError, TypeError, OSError) as e:
        raise InputRejected(
            f"{name!r} could not be read as a PDF ({type(e).__name__}: {e})"
        ) from None
    starts, parts, pos = [], [], 0
    for text in pages:
        starts.append(pos)
        parts.append(text)
        pos += len(text) + 2
    return Extracted("\n\n".join(parts), tuple(starts))
