"""The agent's tools over the document store: search and read, results trimmed to a budget.

Results are cut to ``result_tokens`` (estimated as characters / 4) so a small model's prompt
stays short and within reach of the eviction budget. A search keeps the sentences of the
retrieved chunks that share most words with the query (``focus``), not the chunks' first
characters: a fact in the second half of a chunk would otherwise be cut before the model sees
it. Every passage is labelled with its document's name, which the answer must cite.
"""

from __future__ import annotations

from itertools import pairwise

from langchain_core.tools import BaseTool, tool

from ..errors import InputRejected
from ..store import DocumentStore
from .text import follows, overlap_scores, sentences, terms

RESULT_TOKENS = 160
CHARS_PER_TOKEN = 4
SEARCH_HITS = 3
FOLLOWED = 2
"""A kept sentence brings its next one (``focus``) only while the search holds at most this
many sentences with it: the best sentence brings its next one, and the second best does when
the best brought none."""


def trim(text: str, chars: int) -> str:
    return text if len(text) <= chars else text[:chars].rsplit(" ", 1)[0] + " [...]"


def focus(
    hits: list[tuple[str, str]], query: str, chars: int, question: str = ""
) -> list[tuple[str, str]]:
    """(document, text) blocks holding the sentences of ``hits`` that share most words with
    ``query`` (``overlap_scores``; a word of the user's ``question`` counts half; ties: the better-ranked hit, then
    the earlier sentence), within ``chars`` characters, each document's sentences in
    order of relevance, the best last (nearest the question a small model then reads), the
    best document's block last; repeated sentences (chunks overlap) once. A sentence kept
    early (``FOLLOWED``) brings the next one of its paragraph right after it when that one
    holds a figure and no query word (``text.follows``): a notice's price or a log's figure
    often follows the sentence that names what it is about."""
    weights = {t: 1.0 for t in terms(question)} | {t: 2.0 for t in terms(query)}
    seen: set[str] = set()
    cands = []  # (score, hit rank, position, doc, sentence)
    for rank, (doc, text) in enumerate(hits):
        for pos, s in enumerate(sentences(text)):
            if s not in seen:
                seen.add(s)
                cands.append([0.0, rank, pos, doc, s])
    for c, score in zip(cands, overlap_scores([c[4] for c in cands], weights), strict=True):
        c[0] = score
    # a scored sentence's next one in its paragraph when that names nothing asked: "1,150
    # euros or best offer." after "FOR SALE: Wooden rowing boat, 4.2 metres, with oars."
    after = {
        id(a): b
        for a, b in pairwise(cands)
        if a[0]
        and not b[0]
        and any(ch.isdigit() for ch in b[4])
        and (b[1], b[2]) == (a[1], a[2] + 1)
        and follows(hits[a[1]][1], a[4], b[4])
    }
    if any(c[0] for c in cands):  # sentences without a query word are noise to a small model
        cands = [c for c in cands if c[0]]
    kept, used = [], 0
    for c in sorted(cands, key=lambda c: (-c[0], c[1], c[2])):
        if used + len(c[4]) + 1 > chars:
            if not kept:  # one long sentence: cut it rather than return nothing
                kept.append([*c[:4], trim(c[4], chars)])
            continue
        kept.append(c)
        used += len(c[4]) + 1
        if len(kept) <= FOLLOWED and (b := after.get(id(c))) and used + len(b[4]) + 1 <= chars:
            kept.append([c[0], c[1], c[2] + 0.5, c[3], b[4]])  # placed right after it
            used += len(b[4]) + 1
    best: dict[str, float] = {}
    for c in kept:
        best[c[3]] = max(best.get(c[3], 0), c[0])
    blocks: dict[str, list] = {}
    for c in sorted(kept, key=lambda c: (best[c[3]], c[3], c[0], -c[1], c[2])):
        blocks.setdefault(c[3], []).append(c[4])
    return [
        (doc, " ".join(s if s[-1] in ".!?;:]" else s + "." for s in ss))
        for doc, ss in blocks.items()
    ]


def make_tools(
    store: DocumentStore, result_tokens: int = RESULT_TOKENS, question: str = ""
) -> list[BaseTool]:
    """``question``: the user's question the agent works on; search results keep the
    sentences about it as well as about the query."""
    budget = result_tokens * CHARS_PER_TOKEN

    @tool
    def search_documents(query: str) -> str:
        """Search all documents for passages about `query`; returns the best passages."""
        hits = store.search(query, SEARCH_HITS)
        if not hits:
            return "Nothing found."
        found = focus([(h.name, h.text) for h in hits], query, budget, question)
        return "\n\n".join(f"From {name}:\n{text}" for name, text in found)

    @tool
    def read_document(name: str) -> str:
        """Read the text of the stored document called `name`."""
        try:
            return f"From {name}:\n{trim(store.read(name), budget)}"
        except InputRejected as e:
            return str(e)

    return [search_documents, read_document]
