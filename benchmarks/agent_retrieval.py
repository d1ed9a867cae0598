"""How often the agent's first search returns the answer: the store's vector search as shipped
beside one that also matches words, over the agent's task suites (no model, no server).

The agent's first tool call is fixed (``steps.first_query``: the question's content words), so
what it returns is known without a model: a task whose first search result (``search_documents``,
as the agent gets it: ``tools.focus`` over the hits) holds none of the expected answers depends
on a later search the model has to phrase. Absent questions are left out (no answer to find).

Modes: ``vector`` (``DocumentStore.search``, the packaged MiniLM embedding); ``words`` (the same
hits with the last one swapped for the best of the ``k`` best chunks by matching words, each
weighted log(1 + chunks / chunks holding it), that is not among them).

  python benchmarks/agent_retrieval.py [--suites main heldout ...] [--name agent_retrieval]
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
from collections import Counter
from pathlib import Path

from lkv_app.agent.steps import first_query
from lkv_app.agent.text import terms
from lkv_app.agent.tools import SEARCH_HITS, make_tools
from lkv_app.agent_tasks import SUITES
from lkv_app.bench_agent import suite_documents
from lkv_app.store import DocumentStore
from lkv_app.store.chroma import Hit

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import write_result  # noqa: E402

MODES = ("vector", "words")


def holds(result: str, expected: tuple[str, ...]) -> bool:
    """The tool result holds one of the expected answers (as ``bench_agent.score`` reads one)."""
    text = result.lower().replace(",", "")
    return any(e.lower() in text for e in expected)


def word_search(store: DocumentStore):
    """The store's search with its last hit swapped for the best of the ``k`` best
    word-matching chunks that it did not return (none such: its hits as they are)."""
    stored = store._col.get(include=["documents", "metadatas"])
    pairs = zip(stored["documents"], stored["metadatas"], strict=True)
    chunks = [(text, terms(text), meta) for text, meta in pairs]
    held = Counter(t for _, have, _ in chunks for t in have)
    vector = store.search

    def best_by_words(query: str) -> list[Hit]:
        asked = terms(query)
        scored = [
            (sum(math.log(1 + len(chunks) / held[t]) for t in asked & have), text, meta)
            for text, have, meta in chunks
        ]
        return [
            Hit(m["source"], m["chunk"], m["start"], m["end"], text, score)
            for score, text, m in sorted(scored, key=lambda s: -s[0])
            if score > 0
        ]

    def search(query: str, k: int = 4, names: list[str] | None = None) -> list[Hit]:
        hits = vector(query, k, names)
        seen = {(h.name, h.chunk) for h in hits}
        extra = [h for h in best_by_words(query)[:k] if (h.name, h.chunk) not in seen]
        return hits[: k - 1] + extra[:1] if extra and len(hits) >= k else hits

    return search


def suite_retrieval(suite: str, root: Path) -> dict:
    """{"tasks", mode: first searches holding an answer, "misses": {mode: questions}}."""
    store = DocumentStore(root / suite)
    for name, raw in suite_documents(suite).items():
        store.ingest(name, raw)
    searches = {"vector": store.search, "words": word_search(store)}
    out: dict = {"tasks": 0, **dict.fromkeys(MODES, 0), "misses": {m: [] for m in MODES}}
    for task in SUITES[suite]:
        if task.kind == "absent":
            continue
        out["tasks"] += 1
        for mode in MODES:
            store.search = searches[mode]
            tool = {t.name: t for t in make_tools(store, question=task.question)}
            result = tool["search_documents"].invoke({"query": first_query(task.question)})
            if holds(result, task.expected):
                out[mode] += 1
            else:
                out["misses"][mode].append(task.question)
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--suites", nargs="+", default=list(SUITES), choices=list(SUITES))
    ap.add_argument("--name", default="agent_retrieval")
    a = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        per = {s: suite_retrieval(s, Path(tmp)) for s in a.suites}
    total = {k: sum(p[k] for p in per.values()) for k in ("tasks", *MODES)}
    print(f"{'suite':<12}{'tasks':>6}" + "".join(f"{m:>8}" for m in MODES))
    for s, p in {**per, "all": total}.items():
        print(f"{s:<12}{p['tasks']:>6}" + "".join(f"{p[m]:>8}" for m in MODES))
    write_result(
        a.name,
        {
            "what": "answerable agent tasks whose first search result holds an expected answer",
            "search_hits": SEARCH_HITS,
            "suites": per,
            "total": total,
        },
    )


if __name__ == "__main__":
    main()
