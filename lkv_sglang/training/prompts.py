"""Long-context prompt builders: multi-document QA, multi-hop QA, needles, variable tracking.

Each builder returns an ``Example`` whose user message is about ``target_tokens`` long and
whose documents all come from one split (``sources.split_of``).
"""

from __future__ import annotations

import random
from dataclasses import asdict, dataclass, field

from . import sources

CITIES = (
    "Lisbon Nairobi Osaka Quito Tbilisi Reykjavik Hanoi Montevideo Krakow Perth Accra Tallinn Cusco Bergen "
    "Muscat Halifax Dakar Lima Riga Porto Seville Busan Cairo Dublin Geneva Havana Izmir Jaipur Kyoto Lyon "
    "Manila Nantes Oslo Quebec Rabat Sofia Turin Utrecht Valencia Warsaw"
).split()
KINDS = ("qa", "multihop", "needle", "multineedle", "vt")


@dataclass
class Example:
    id: str
    kind: str
    split: str
    user: str
    gold: list[str]
    docs: list[str]
    target_tokens: int
    meta: dict = field(default_factory=dict)

    def to_json(self) -> dict:
        return asdict(self)


def _fill(
    rng: random.Random,
    gold: list[sources.Paragraph],
    pool: list[sources.Paragraph],
    budget: int,
    ntok,
) -> list[sources.Paragraph]:
    """Gold paragraphs plus distractors from ``pool`` until about ``budget`` tokens, shuffled."""
    docs, used = list(gold), sum(ntok(p.text) for p in gold)
    gold_text = {p.text for p in gold}
    order = list(range(len(pool)))
    rng.shuffle(order)
    for i in order[:600]:
        p = pool[i]
        if p.text in gold_text:
            continue
        t = ntok(p.text) + 6
        if used + t > budget:
            if used > budget - 60:
                break
            continue
        docs.append(p)
        used += t
    rng.shuffle(docs)
    return docs


def qa(rng, split, target, ntok, multihop=False) -> Example:
    items, pool = (sources.hotpot if multihop else sources.squad)(split)
    item = rng.choice(items)
    docs = _fill(rng, list(item.gold), pool, target - 60, ntok)
    body = "\n\n".join(f"Document {k + 1}:\n{p.text}" for k, p in enumerate(docs))
    user = f"Answer the question using the documents below.\n\n{body}\n\nQuestion: {item.question}\nAnswer in a few words."
    kind = "multihop" if multihop else "qa"
    return Example(
        "", kind, split, user, list(item.answers), sorted({p.doc_id for p in docs}), target
    )


def _haystack(rng, split, n_tokens, ntok) -> tuple[str, str]:
    doc, text = sources.essays(split)
    chars = int(n_tokens * 4.2)
    start = rng.randrange(0, max(1, len(text) - chars - 1))
    start = text.find(" ", start) + 1
    hay = text[start : start + chars]
    while ntok(hay) > n_tokens and len(hay) > 200:
        hay = hay[: int(len(hay) * 0.95)]
    return doc, hay


def _insert(rng, hay: str, sentence: str, lo=0.05, hi=0.95) -> tuple[str, float]:
    depth = rng.uniform(lo, hi)
    cut = int(len(hay) * depth)
    dot = hay.find(". ", cut)
    cut = dot + 2 if dot > 0 else cut
    return hay[:cut] + sentence + " " + hay[cut:], round(depth, 2)


def needle(rng, split, target, ntok, n_needles=1) -> Example:
    doc, hay = _haystack(rng, split, target - 60 - 20 * n_needles, ntok)
    cities = rng.sample(CITIES, n_needles)
    nums = [str(rng.randrange(1_000_000, 9_999_999)) for _ in cities]
    depths = []
    for c, n in zip(cities, nums, strict=True):
        hay, d = _insert(rng, hay, f"The special magic number for {c} is {n}.")
        depths.append(d)
    if n_needles == 1:
        q = f"What is the special magic number for {cities[0]} mentioned in the text? Answer with the number."
        kind = "needle"
    else:
        q = f"What are the special magic numbers for {' and '.join(cities)} mentioned in the text? Answer with the numbers."
        kind = "multineedle"
    user = f"Read the text below and remember the special magic numbers.\n\n{hay}\n\nQuestion: {q}"
    return Example("", kind, split, user, nums, [doc], target, {"depths": depths, "keys": cities})


def variable_tracking(rng, split, target, ntok, hops=3) -> Example:
    doc, hay = _haystack(rng, split, target - 80 - 12 * hops, ntok)
    names = ["".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ") for _ in range(5)) for _ in range(hops)]
    value = str(rng.randrange(10_000, 99_999))
    stmts = [f"VAR {names[0]} = {value}."] + [
        f"VAR {names[i]} = VAR {names[i - 1]}." for i in range(1, hops)
    ]
    lo = 0.05
    for s in stmts:  # in order through the text
        hay, d = _insert(rng, hay, s, lo, min(0.95, lo + 0.9 / hops))
        lo = min(0.9, d + 0.01)
    q = f"Which variables are assigned the value {value}, directly or through other variables? List all of them."
    user = f"Memorize the variable assignments hidden in the text below.\n\n{hay}\n\nQuestion: {q}"
    return Example("", "vt", split, user, names, [doc], target, {"value": value})


def build_example(rng: random.Random, kind: str, split: str, target: int, ntok) -> Example:
    if kind == "qa":
        return qa(rng, split, target, ntok)
    if kind == "multihop":
        return qa(rng, split, target, ntok, multihop=True)
    if kind == "needle":
        return needle(rng, split, target, ntok)
    if kind == "multineedle":
        return needle(rng, split, target, ntok, n_needles=rng.choice([2, 3]))
    if kind == "vt":
        return variable_tracking(rng, split, target, ntok)
    raise ValueError(f"unknown example kind {kind!r}; known: {', '.join(KINDS)}")


def build_split(
    split: str, n: int, seed: int, ntok, min_tokens=500, max_tokens=3000, kinds=KINDS
) -> list[Example]:
    """``n`` examples of ``split``, kinds in rotation, lengths uniform in [min, max] tokens."""
    if split not in sources.SPLITS:
        raise ValueError(f"unknown split {split!r}; known: {', '.join(sources.SPLITS)}")
    rng = random.Random(f"{seed}:{split}")
    out = []
    for i in range(n):
        kind = kinds[i % len(kinds)]
        ex = build_example(rng, kind, split, rng.randrange(min_tokens, max_tokens + 1), ntok)
        ex.id = f"{split}-{i:04d}-{kind}"
        out.append(ex)
    return out
