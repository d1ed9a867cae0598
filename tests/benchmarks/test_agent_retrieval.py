"""benchmarks/agent_retrieval.py: the word-matching search swaps only the last vector hit, and
only for a chunk the vector search did not return."""

from __future__ import annotations

import sys
from pathlib import Path

from lkv_app.store.chroma import Hit

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
import agent_retrieval  # noqa: E402

CHUNKS = {
    "register.txt": '"name": "Eider", "type": "tug", "call_sign": "LH1904"',
    "ferry.md": "The ferry to Lindholm leaves at 06:45. The crossing takes 55 minutes.",
    "cafe.md": "The cafe on the quay sells cinnamon buns for 3.20 euros.",
    "school.md": "The sailing school for children starts on 2 May.",
}


class Collection:
    def get(self, include):
        names = list(CHUNKS)
        metas = [{"source": n, "chunk": 0, "start": 0, "end": len(CHUNKS[n])} for n in names]
        return {"ids": names, "documents": [CHUNKS[n] for n in names], "metadatas": metas}


class Store:
    """Its vector search returns the given documents' chunks, whatever the query."""

    def __init__(self, ranked: list[str]):
        self._col, self.ranked = Collection(), ranked

    def search(self, query, k=4, names=None):
        return [Hit(n, 0, 0, len(CHUNKS[n]), CHUNKS[n], 0.5) for n in self.ranked[:k]]


def names(hits):
    return [h.name for h in hits]


def test_holds_reads_an_answer_as_the_agent_bench_scores_one():
    assert agent_retrieval.holds("Pay: 3,250 euros a month.", ("3250",))
    assert not agent_retrieval.holds("Pay: 3,250 euros a month.", ("3520",))


def test_the_last_hit_gives_way_to_the_best_word_matching_chunk():
    search = agent_retrieval.word_search(Store(["ferry.md", "cafe.md", "school.md"]))
    assert names(search("call sign tug Eider", 2)) == ["ferry.md", "register.txt"]
    # the best word match already returned: nothing is swapped
    search = agent_retrieval.word_search(Store(["register.txt", "cafe.md"]))
    assert names(search("call sign tug Eider", 2)) == ["register.txt", "cafe.md"]
    # fewer hits than asked (every chunk returned) or no word matched: as the vector search
    search = agent_retrieval.word_search(Store(["ferry.md"]))
    assert names(search("call sign tug Eider", 2)) == ["ferry.md"]
    search = agent_retrieval.word_search(Store(["ferry.md", "cafe.md"]))
    assert names(search("weather forecast", 2)) == ["ferry.md", "cafe.md"]
