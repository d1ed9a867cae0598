"""One generated prompt: chat messages plus what grading and the split checks need."""

from __future__ import annotations

import random
from dataclasses import asdict, dataclass, field

from .family import Family


@dataclass
class Sample:
    id: str
    split: str
    index: int
    kind: str
    family: str
    messages: list[dict]
    gold: list[str]
    docs: list[str]
    target_tokens: int
    meta: dict = field(default_factory=dict)

    def to_json(self) -> dict:
        return asdict(self)


def pick(rng: random.Random, options: tuple[str, ...], **fmt) -> str:
    """One phrasing of ``options`` (empty tuple: ""), formatted when ``fmt`` is given."""
    if not options:
        return ""
    s = rng.choice(options)
    return s.format(**fmt) if fmt else s


def ask(rng: random.Random, fam: Family, q: str, **fmt) -> str:
    hint = pick(rng, fam.hint, **fmt)
    return f"{q} {hint}".strip()


def compose(
    rng: random.Random, fam: Family, context: str, question: str, **fmt
) -> tuple[str, bool]:
    """(user message, question first?): intro, then context and question in either order."""
    intro = pick(rng, fam.intro, **fmt)
    q_first = rng.random() < 0.3
    parts = [intro] + ([question, context] if q_first else [context, question])
    return "\n\n".join(p for p in parts if p), q_first


def user(text: str) -> list[dict]:
    return [{"role": "user", "content": text}]
