"""Needle, multi-needle, variable-tracking and counting prompts in any haystack."""

from __future__ import annotations

import random

from . import haystacks as hs
from .family import Family
from .sample import ask, compose, pick, user
from .values import VALUE_TYPES, keys, value, var_names


def needle(rng: random.Random, fam: Family, split: str, target: int, ntok, n: int = 1):
    vtype = rng.choice(VALUE_TYPES)
    ks = keys(rng, n)
    vals = [value(rng, vtype) for _ in ks]
    while len(set(vals)) < len(vals):
        vals = [value(rng, vtype) for _ in ks]
    hay = rng.choice(hs.HAYSTACKS)
    text, docs = hs.haystack_text(rng, split, hay, target - 70 - 25 * n, ntok)
    depths = []
    for k, v in zip(ks, vals, strict=True):
        text, d = hs.insert(rng, text, pick(rng, fam.needle, key=k, value=v, noun=vtype))
        depths.append(d)
    if n == 1 or fam.extra.get("ask_one"):
        j = rng.randrange(n)
        q, gold = pick(rng, fam.question, key=ks[j], noun=vtype), [vals[j]]
    else:
        q, gold = pick(rng, fam.question, keys=" and ".join(ks), noun=vtype), vals
    msg, q_first = compose(rng, fam, text, ask(rng, fam, q, noun=vtype), noun=vtype)
    meta = {"haystack": hay, "value_type": vtype, "depths": depths, "keys": ks, "q_first": q_first}
    return user(msg), gold, docs, meta


def multineedle(rng, fam, split, target, ntok):
    return needle(rng, fam, split, target, ntok, n=rng.choice((2, 3, 4)))


def variable_tracking(rng: random.Random, fam: Family, split: str, target: int, ntok):
    hops = rng.choice((2, 3, 4))
    names = var_names(rng, 2 * hops)
    chain, other = names[:hops], names[hops:]
    val, decoy = str(rng.randrange(10_000, 99_999)), str(rng.randrange(10_000, 99_999))
    hay = rng.choice(hs.HAYSTACKS)
    text, docs = hs.haystack_text(rng, split, hay, target - 90 - 24 * hops, ntok)
    for group, v in ((chain, val), (other, decoy)):
        stmts = [pick(rng, fam.needle, a=group[0], b=v)] + [
            pick(rng, fam.needle, a=group[i], b=group[i - 1]) for i in range(1, hops)
        ]
        lo = 0.03
        for s in stmts:  # in order through the text
            text, d = hs.insert(rng, text, s, lo, min(0.97, lo + 0.9 / hops))
            lo = min(0.9, d + 0.01)
    q = ask(rng, fam, pick(rng, fam.question, value=val))
    msg, q_first = compose(rng, fam, text, q)
    meta = {"haystack": hay, "value": val, "q_first": q_first}
    return user(msg), chain, docs, meta


def count(rng: random.Random, fam: Family, split: str, target: int, ntok):
    src = fam.extra["source"]
    budget = max(200, min(target - 80, 2500))  # a counting question over 6K tokens is noise
    if src == "list":
        pool = rng.sample(hs.WORDS, 6)
        items = []
        while ntok(", ".join(items)) < budget:
            items += [rng.choice(pool) for _ in range(20)]
        what = rng.choice(pool)
        text, n = "\n".join(f"- {w}" for w in items), items.count(what)
    else:
        lines = hs.generated(rng, src, budget, ntok)
        what = rng.choice(hs.STATUS if src == "table" else hs.LEVELS)
        field = f"| {what} |" if src == "table" else f" {what} "
        text, n = "\n".join(lines), sum(field in line for line in lines)
    q = ask(rng, fam, pick(rng, fam.question, target=what))
    msg, q_first = compose(rng, fam, text, q)
    return user(msg), [str(n)], [f"gen:{src}:{split}"], {"haystack": src, "q_first": q_first}
