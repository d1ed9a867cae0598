"""What the stored documents never mention: a question about it cannot be answered from them.

A small model offered candidates from sentences that share the question's other words picks
one ("Who is the chief executive of Corvid Robotics?" answered with the engineer the robot
sheet names). When a thing the question asks about (a noun of it, or a name) appears in no
stored document at all, the agent offers only "unknown" (``steps.answer_pattern``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from .text import EMAIL, FRAME, IRREGULAR, MEASURES, NAMED, STOPWORDS, WEB, sentences, stem, terms

DETERMINERS = frozenset("the a an its their his her whose".split())
"""Words a noun phrase follows ("the chief executive", "a child's ticket", "whose harbour
master"); not "that", which mostly starts a clause ("the canteen that ordered")."""
PHRASE_WORDS = 2
"""Words of a phrase after a determiner read as nouns: "the first ferry", never the verb after
them ("When does the first ferry leave")."""
FRAME_NOUNS = frozenset(stem(w) for w in ("name", "total", *FRAME, *NAMED, *MEASURES))
"""Nouns that frame the answer rather than say what it is about ("the name of the crane",
"which company", "what date"); "number" and "amount" only before "of" (``noun_terms``)."""
VERBS = frozenset(re.findall(r"[a-z]+", IRREGULAR))
WORD = re.compile(r"[A-Za-z0-9]+(?:'s)?")


def noun_terms(question: str) -> set[str]:
    """The stems of the question's nouns, as far as a reading without a tagger finds them: up
    to ``PHRASE_WORDS`` lower-case words after a determiner and the one word after "how many"
    (a participle, "the winning team", and the verbs of ``text.IRREGULAR`` left out), and names
    (capitalised words after the first word). Not the noun after "what" or "which": it names
    the kind of answer ("What colour is the sky?" is answered by "butterscotch")."""
    toks = WORD.findall(question)
    low = [t.lower().removesuffix("'s") for t in toks]
    found: set[str] = set()
    for i, w in enumerate(low):
        if w in DETERMINERS:
            span = PHRASE_WORDS
        elif w == "many" and i > 0 and low[i - 1] == "how":
            span = 1
        else:
            span = 0
        for j in range(i + 1, min(i + 1 + span, len(toks))):
            word = low[j]
            if toks[j][0].isupper() or word in STOPWORDS or not word.isalpha():
                break
            if word in ("number", "amount") and j + 1 < len(low) and low[j + 1] == "of":
                break
            if not word.endswith("ing") and word not in VERBS and stem(word) not in FRAME_NOUNS:
                found.add(stem(word))
        if i > 0 and toks[i][0].isupper() and w not in STOPWORDS:
            found.add(stem(w))
    return found


SHAPES = (
    (re.compile(EMAIL), "email e-mail mail address contact"),
    (re.compile(WEB), "website site web page address link url"),
    (re.compile(r"(?:\+|\b0)[0-9][0-9 ()-]{6,}[0-9]"), "phone telephone number contact"),
)
"""What a document holds without saying the word: an email address is an "email address", a
line "+46 90 555 210" a phone number."""


def vocabulary(texts: Iterable[str]) -> frozenset[str]:
    """Every term of the texts' sentences (``text.terms``: stems, stopwords left out), and the
    words of the things they hold by shape (``SHAPES``)."""
    vocab: set[str] = set()
    for text in texts:
        for sent in sentences(text):
            vocab |= terms(sent)
        vocab |= {t for shape, said in SHAPES if shape.search(text) for t in terms(said)}
    return frozenset(vocab)


def unmentioned(question: str, vocab: frozenset[str]) -> set[str]:
    """The question's nouns and names that no stored document holds, nor the noun of an
    adjective (``adjective_of``; empty: nothing to say the documents are silent; an empty
    vocabulary, no documents read, says nothing either)."""
    if not vocab:
        return set()
    return {t for t in noun_terms(question) - vocab if adjective_of(t) not in vocab}


def adjective_of(term: str) -> str | None:
    """The noun an adjective in "-y" is made from ("foggy": "fog", "rainy": "rain"; one of a
    doubled consonant goes), None for another word: a question about "the foggy morning" is
    about what a document says of the fog."""
    if len(term) < 5 or not term.endswith("y"):
        return None
    base = term[:-1]
    return base[:-1] if base[-1] == base[-2] and base[-1] not in "aeiou" else base
