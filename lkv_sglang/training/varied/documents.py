"""Multi-document QA (SQuAD), multi-hop QA (HotpotQA) and summarising questions."""

from __future__ import annotations

import random

from .. import sources
from . import haystacks as hs
from .family import Family
from .sample import ask, compose, pick, user


def render(rng: random.Random, fam: Family, docs: list[hs.Doc]) -> str:
    fmt = rng.choice(fam.doc)
    return "\n\n".join(fmt.format(i=i, title=d.title, text=d.text) for i, d in enumerate(docs, 1))


def gold_docs(item: sources.QAItem) -> list[hs.Doc]:
    return [hs.Doc(p.doc_id, p.doc_id.split(":", 1)[1], p.text) for p in item.gold]


def qa(rng: random.Random, fam: Family, split: str, target: int, ntok, multihop: bool = False):
    items, _ = (sources.hotpot if multihop else sources.squad)(split)
    item = rng.choice(items)
    docs = hs.fill(rng, hs.wiki_docs(split), target - 70, ntok, keep=gold_docs(item))
    q = ask(rng, fam, pick(rng, fam.question, q=item.question))
    msg, q_first = compose(rng, fam, render(rng, fam, docs), q)
    meta = {"haystack": "wiki", "q_first": q_first, "n_docs": len(docs)}
    return user(msg), list(item.answers), sorted({d.doc_id for d in docs}), meta


def multihop(rng, fam, split, target, ntok):
    return qa(rng, fam, split, target, ntok, multihop=True)


def summary(rng: random.Random, fam: Family, split: str, target: int, ntok):
    hay = rng.choice(("wiki", "pydoc"))
    pool = hs.wiki_docs(split) if hay == "wiki" else hs.pydoc_docs(split)
    pool = [d for d in pool if ntok(d.text) < min(1500, target // 2)]
    docs = hs.fill(rng, pool, target - 60, ntok) or [
        min(hs.wiki_docs(split), key=lambda d: len(d.text))
    ]
    i = rng.randrange(len(docs))
    q = ask(rng, fam, pick(rng, fam.question, i=i + 1, title=docs[i].title))
    msg, q_first = compose(rng, fam, render(rng, fam, docs), q)
    meta = {"haystack": hay, "q_first": q_first, "asked_doc": i + 1, "n_docs": len(docs)}
    return user(msg), [], sorted({d.doc_id for d in docs}), meta
