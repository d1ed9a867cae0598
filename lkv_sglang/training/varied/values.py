"""Needle keys and values of several types (numbers of several lengths, words, codes, dates, names)."""

from __future__ import annotations

import random

from .haystacks import WORDS, person

VALUE_TYPES = ("number", "word", "code", "date", "name")
MONTHS = (
    "January February March April May June July August September October November December".split()
)
CITIES = (
    "Lisbon Nairobi Osaka Quito Tbilisi Reykjavik Hanoi Montevideo Krakow Perth Accra Tallinn Cusco "
    "Bergen Muscat Halifax Dakar Lima Riga Porto Seville Busan Cairo Dublin Geneva Havana Izmir Jaipur"
).split()
ANIMALS = "heron otter lynx falcon badger gecko ibis marten puffin viper walrus yak".split()


def value(rng: random.Random, vtype: str) -> str:
    if vtype == "number":
        d = rng.choice((3, 4, 5, 6, 7, 8, 9))
        return str(rng.randrange(10 ** (d - 1), 10**d))
    if vtype == "word":
        return rng.choice(WORDS) + rng.choice(("", "", "stone", "light", "field"))
    if vtype == "code":
        L = "ABCDEFGHJKLMNPQRSTUVWXYZ"
        return f"{rng.choice(L)}{rng.choice(L)}-{rng.randrange(100, 99999)}"
    if vtype == "date":
        return f"{rng.randrange(1, 29)} {rng.choice(MONTHS)} {rng.randrange(1890, 2040)}"
    if vtype == "name":
        return person(rng)
    raise ValueError(f"unknown value type {vtype!r}; known: {', '.join(VALUE_TYPES)}")


def keys(rng: random.Random, n: int) -> list[str]:
    """``n`` distinct keys of one randomly chosen style (city, person, codename, colour-animal)."""
    style = rng.randrange(4)
    out: list[str] = []
    while len(out) < n:
        if style == 0:
            k = rng.choice(CITIES)
        elif style == 1:
            k = person(rng)
        elif style == 2:
            k = f"Project {rng.choice(WORDS).title()}"
        else:
            k = f"{rng.choice(WORDS)}-{rng.choice(ANIMALS)}"
        if k not in out:
            out.append(k)
    return out


def var_names(rng: random.Random, n: int) -> list[str]:
    style = rng.randrange(3)
    out: list[str] = []
    while len(out) < n:
        if style == 0:
            k = "".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ") for _ in range(5))
        elif style == 1:
            k = f"{rng.choice(WORDS)}_{rng.randrange(10, 99)}"
        else:
            k = rng.choice("xyzuvw") + str(rng.randrange(1, 200))
        if k not in out:
            out.append(k)
    return out
