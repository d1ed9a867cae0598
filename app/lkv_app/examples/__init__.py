"""The example documents the app ships (written for this project; see README.md here)."""

from __future__ import annotations

from pathlib import Path

EXAMPLES_DIR = Path(__file__).parent
SUFFIXES = (".md", ".txt")


def example_documents() -> dict[str, bytes]:
    """{file name: bytes} of every example document, sorted by name."""
    return {
        p.name: p.read_bytes()
        for p in sorted(EXAMPLES_DIR.iterdir())
        if p.suffix in SUFFIXES and p.name != "README.md"
    }
