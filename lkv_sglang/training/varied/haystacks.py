"""Haystacks split by source document: essays, encyclopedia paragraphs, Python's own docs,
and generated tables, logs and code (generated text is seeded by split, so never shared)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from functools import cache

from .. import sources

HAYSTACKS = ("essay", "wiki", "pydoc", "table", "log", "code")
FIRST = "Ada Bruno Chen Dara Emeka Farah Goran Hana Ivo Jun Kofi Lena Mateo Nia Omar Priya Quinn Rosa Sven Tariq Uma Vera Wen Xavi Yara Zane".split()
LAST = "Abe Borg Cruz Diaz Eze Fox Gill Haas Ito Jain Kim Lund Moss Ng Okafor Park Quist Roy Sato Tan Uhl Voss Wu Yilmaz Zhou".split()
WORDS = "amber basalt cobalt delta ember fjord garnet harbor indigo juniper krypton lagoon meadow nickel orchid pepper quartz raven saffron tundra umber velvet willow xenon yarrow zephyr".split()
STATUS = ("SHIPPED", "PENDING", "FAILED", "RETURNED", "CANCELLED")
LEVELS = ("INFO", "DEBUG", "WARN", "ERROR")


@dataclass(frozen=True)
class Doc:
    doc_id: str
    title: str
    text: str


@cache
def pydoc_docs(split: str) -> list[Doc]:
    """Python's help topics (``pydoc_data``, PSF licence), one document per topic."""
    from pydoc_data.topics import topics

    return [
        Doc(f"pydoc:{name}", name, text.strip())
        for name, text in sorted(topics.items())
        if sources.split_of(f"pydoc:{name}") == split and len(text) > 400
    ]


@cache
def wiki_docs(split: str) -> list[Doc]:
    """SQuAD and HotpotQA paragraphs of ``split`` (titles are the article names)."""
    paras = sources.squad(split)[1] + sources.hotpot(split)[1]
    return [Doc(p.doc_id, p.doc_id.split(":", 1)[1], p.text) for p in paras]


def person(rng: random.Random) -> str:
    return f"{rng.choice(FIRST)} {rng.choice(LAST)}"


def table(rng: random.Random, rows: int) -> list[str]:
    head = ["| order | customer | city | status | amount |", "|---|---|---|---|---|"]
    return head + [
        f"| {rng.randrange(10000, 99999)} | {person(rng)} | {rng.choice(WORDS).title()}ville "
        f"| {rng.choice(STATUS)} | {rng.randrange(5, 999)}.{rng.randrange(100):02d} |"
        for _ in range(rows)
    ]


def log(rng: random.Random, rows: int) -> list[str]:
    out, t = [], rng.randrange(0, 80000)
    for _ in range(rows):
        t += rng.randrange(1, 40)
        out.append(
            f"2025-0{rng.randrange(1, 10)}-{rng.randrange(10, 29)} {t // 3600 % 24:02d}:{t // 60 % 60:02d}:{t % 60:02d} "
            f"{rng.choice(LEVELS)} {rng.choice(WORDS)}-{rng.randrange(1, 9)} "
            f"{rng.choice(('request handled in', 'cache miss after', 'retry scheduled in', 'queue depth'))} {rng.randrange(1, 900)}"
        )
    return out


def code(rng: random.Random, funcs: int) -> list[str]:
    out = []
    for _ in range(funcs):
        a, b = rng.sample(WORDS, 2)
        k = rng.randrange(2, 97)
        out.append(
            f'def {a}_{b}(x, y):\n    """Combine {a} and {b} readings."""\n'
            f"    total = x * {k} + y\n    if total > {rng.randrange(100, 999)}:\n"
            f"        return total - {rng.randrange(1, 50)}\n    return total\n"
        )
    return out


def generated(rng: random.Random, what: str, n_tokens: int, ntok) -> list[str]:
    """Lines (or functions) of a generated table, log or code until about ``n_tokens``."""
    make = {"table": table, "log": log, "code": code}[what]
    lines = make(rng, 8)
    while True:
        more = make(rng, 8)
        if what == "table":
            more = more[2:]
        if ntok("\n".join(lines + more)) > n_tokens:
            return lines
        lines += more


def essay(rng: random.Random, split: str, n_tokens: int, ntok) -> Doc:
    doc, text = sources.essays(split)
    chars = int(n_tokens * 4.2)
    start = rng.randrange(0, max(1, len(text) - chars - 1))
    start = text.find(" ", start) + 1
    hay = text[start : start + chars]
    while ntok(hay) > n_tokens and len(hay) > 200:
        hay = hay[: int(len(hay) * 0.95)]
    return Doc(doc, "essay", hay)


def fill(rng: random.Random, pool: list[Doc], budget: int, ntok, keep=()) -> list[Doc]:
    """``keep`` plus documents from ``pool`` until about ``budget`` tokens, shuffled."""
    docs = list(keep)
    used = sum(ntok(d.text) + 8 for d in docs)
    seen = {d.text for d in docs}
    order = list(range(len(pool)))
    rng.shuffle(order)
    for i in order[:800]:
        d = pool[i]
        if d.text in seen:
            continue
        t = ntok(d.text) + 8
        if used + t > budget:
            if used > budget - 80:
                break
            continue
        docs.append(d)
        seen.add(d.text)
        used += t
    rng.shuffle(docs)
    return docs


def haystack_text(
    rng: random.Random, split: str, what: str, n_tokens: int, ntok
) -> tuple[str, list[str]]:
    """(text, source doc ids) of about ``n_tokens`` tokens from haystack type ``what``."""
    if what == "essay":
        d = essay(rng, split, n_tokens, ntok)
        return d.text, [d.doc_id]
    if what in ("wiki", "pydoc"):
        pool = wiki_docs(split) if what == "wiki" else pydoc_docs(split)
        docs = fill(rng, [d for d in pool if ntok(d.text) < n_tokens], n_tokens, ntok)
        return "\n\n".join(d.text for d in docs), sorted({d.doc_id for d in docs})
    if what in ("table", "log", "code"):
        sep = "\n\n" if what == "code" else "\n"
        return sep.join(generated(rng, what, n_tokens, ntok)), [f"gen:{what}:{split}"]
    raise ValueError(f"unknown haystack {what!r}; known: {', '.join(HAYSTACKS)}")


def insert(rng: random.Random, text: str, sentence: str, lo=0.05, hi=0.95) -> tuple[str, float]:
    """``sentence`` placed at a line or sentence boundary at a random depth in [lo, hi]."""
    depth = rng.uniform(lo, hi)
    cut = int(len(text) * depth)
    nl, dot = text.find("\n", cut), text.find(". ", cut)
    cands = [c for c in (nl + 1 if nl >= 0 else -1, dot + 2 if dot >= 0 else -1) if c > 0]
    cut = min(cands) if cands else cut
    sep = "\n" if cut > 0 and text[cut - 1] == "\n" else " "
    end = "\n" if sep == "\n" else " "
    return text[:cut] + sentence + end + text[cut:], round(depth, 3)
