"""A template family: phrasings of one prompt shape, assigned to one role.

Template families per kind, each assigned to exactly one role: train, val or test.

A family is a set of phrasings (instructions, needle sentences, questions, document formats);
the roles never share a family id or a phrasing string, so the format-heldout splits measure
prompts whose wording training never saw. ``tests/training/test_varied.py`` checks this.
"""

from __future__ import annotations

from dataclasses import dataclass, field

ROLES = ("train", "val", "test")
# ``extra`` keys that hold wording (the rest are switches: source, ask_one, result_role)
TEXT_EXTRAS = ("needle_q", "ack", "call", "result", "tools")


@dataclass(frozen=True)
class Family:
    id: str
    kind: str
    role: str
    intro: tuple[str, ...] = ()  # instruction before the context ("" allowed only via choice)
    question: tuple[str, ...] = ()  # placeholders: {key} {noun} {value} {title} {i} ...
    needle: tuple[str, ...] = ()  # sentence(s) hidden in the context: {key} {value} {noun}
    doc: tuple[str, ...] = ()  # document format: {i} {title} {text}
    hint: tuple[str, ...] = ()  # answer-format hint after the question
    system: tuple[str, ...] = ()  # system messages (empty: none)
    extra: dict = field(default_factory=dict)

    def phrasings(self) -> list[str]:
        out = [*self.intro, *self.question, *self.needle, *self.doc, *self.hint, *self.system]
        for k in TEXT_EXTRAS:
            v = self.extra.get(k, ())
            out += [v] if isinstance(v, str) else list(v)
        return [p for p in out if p]
