"""Rebuilt prompts kept beside a dataset for one machine's runs (never committed).

Rebuilding a prompt tokenizes its haystack (0.1-0.2 s each once counts are memoised, ~10 s for
a process's first); a trainer that rebuilds every example every epoch spends more on that than
on the GPU. A build writes ``ROOT/.prompts/*.jsonl`` ({"id", "sha256", "ids"} per line); the
store reads them and still checks each against the row's sha256, so a stale file cannot feed a
wrong prompt. Deleting the folder only costs the rebuild.
"""

from __future__ import annotations

import json
from pathlib import Path

FOLDER = ".prompts"


def load(root: str | Path, revision: int) -> dict[str, tuple[str, list[int]]]:
    """{example id: (sha256, prompt ids)} from every cache file under ``root`` written by
    generator ``revision`` (a bumped revision rebuilds, so its sha256 check runs again)."""
    out: dict[str, tuple[str, list[int]]] = {}
    folder = Path(root) / FOLDER
    if not folder.is_dir():
        return out
    for path in sorted(folder.glob("*.jsonl")):
        for line in path.open():
            if line.endswith("\n"):  # a line still being written is skipped
                r = json.loads(line)
                if r.get("revision") == revision:
                    out[r["id"]] = (r["sha256"], r["ids"])
    return out


def writer(root: str | Path, name: str):
    """An append-mode file handle for cache lines named ``name``."""
    folder = Path(root) / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    (folder / ".gitignore").write_text("*\n")
    return (folder / f"{name}.jsonl").open("a")


def line(ex_id: str, sha256: str, ids: list[int], revision: int) -> str:
    return json.dumps({"id": ex_id, "revision": revision, "sha256": sha256, "ids": ids}) + "\n"
