"""Documents only the agent's ``heldout3`` suite searches (besides the examples): three more
formats (a notice with lists, a log, an email) the agent was not built against. Fictional, written
for this project; not shown in the app."""

from __future__ import annotations

from pathlib import Path

AGENT_DOCS_DIR = Path(__file__).parent


def agent_documents() -> dict[str, bytes]:
    """{file name: bytes} of every document here, sorted by name."""
    return {
        p.name: p.read_bytes()
        for p in sorted(AGENT_DOCS_DIR.iterdir())
        if p.suffix in (".md", ".txt")
    }
