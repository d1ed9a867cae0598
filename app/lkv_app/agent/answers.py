"""Candidate answers: the names, numbers and phrases of a result sentence that could answer
a question, of the kind the question asks for (a name for "who", an amount for "how much").

The agent offers the model only these, copied whole (``steps.answer_pattern``): a small model
left to write its answer restates the question or invents one.
"""

from __future__ import annotations

import re

from .places import COUNTRIES
from .text import ADDRESS, MEASURES, MONTHS, NAMED, STOPWORDS, WEEKDAYS, stem, terms

ANSWER_WORDS = 6
ANSWER_SPANS = 3
TITLES = frozenset("dr mr mrs ms prof st capt".split())
"""Titles written with a full stop: part of the name they precede ("Dr. Elin Strand")."""


ADDRESS_ASKED = re.compile(r"\b(e-?mail|website|web site|web address|url|homepage|web page)\b")
VERSION = re.compile(r"v?[0-9]+(?:\.[0-9]+){1,3}")
NUMBER_WORDS = frozenset(
    "two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety "
    "hundred dozen".split()
)
"""Numbers written as words; one of them counts as a number before a unit or counted noun
("nine days"), as a figure does ("one" is a stopword: "one of the ...")."""
PLACE_NOUNS = frozenset("town city village place port harbour island region country".split())
LOCATIVE = frozenset("in at from near".split())
"""A name right after these answers a "which town" question ("based in Vardholm")."""
MONEY = re.compile(
    r"\b(cost|costs|price|prices|pay|paid|fare|fares|fee|fees|charges|worth|spend)\b"
    r"|\b(does|do|did|will|to)\b[^?]*\bcharge\b"
)
"""A question about money; "charge" only as a verb ("What does the invoice charge?", not "At
what charge does the warning sound?")."""
CURRENCY = frozenset(
    "euro euros eur dollar dollars usd pound pounds gbp krone kroner nok sek dkk yen franc "
    "francs cents".split()
)


HOW_NOT_ASKING_AMOUNT = (
    r"(do|does|did|is|are|was|were|can|could|should|will|would|may|might|must|has|have|had|to"
    r"|come|so|about)\b"
)
"""After "how" these ask a way or a manner ("How does the ferry reach Lindholm?"); any other
word is an adjective or adverb that asks an amount ("how strong", "how often")."""


def answer_kind(question: str) -> str:
    """What the question asks for: "address" (an email or web address: ``ADDRESS_ASKED``),
    "version" (which/what ... version: a number such as "2.5.2"), "amount" for "at what / to
    what" a quantity ("At what charge does the warning sound?"); else by its first question
    word ("the soup whose harbour master is ..." later on does not make a what-question a
    who-question): "name" (who; which/what followed within two words by a ``NAMED`` noun),
    "country" (which/what country: a name, a country's first), "amount" ("how" and an
    adjective: how much/many/long/strong..., what ... cost/weigh, which/what followed by a
    ``MEASURES`` noun or "what is the" one, ``SUBJECT_ASKED``: a number, not a year), "date"
    (when, what date/year/time/day, which dates, ``DAY_ASKED``: a number, a clock time too),
    "amount" for any other question about money (``MONEY``: "What is the course fee?"), else
    "any"."""
    q = question.lower()
    if ADDRESS_ASKED.search(q):
        return "address"
    if re.search(r"\b(what|which) ([a-z0-9-]+ ){0,3}versions?\b", q):
        return "version"
    if re.search(r"\b(at|to) what (?!time|hour|date|day|year)[a-z]", q):
        return "amount"
    first = re.search(r"\b(who|whom|whose|what|which|when|where|how|why)\b", q)
    q = q[first.start() :] if first else q
    if re.match(r"who", q):
        return "name"
    if re.match(r"how (?!" + HOW_NOT_ASKING_AMOUNT + r")[a-z]+\b", q):
        return "amount"  # how much, how many, how long, how strong, how warm ...
    if re.match(r"when\b|(what|which) (date|year|time|day)s?\b", q) or DAY_ASKED.match(q):
        return "date"
    noun = re.match(r"(what|which) ([a-z]+)(?: ([a-z]+))?", q)
    after = set(noun.groups()[1:]) if noun else set()
    if (subject := SUBJECT_ASKED.match(q)) and subject.group(1) != "number":
        after.add(subject.group(1))  # "what is the top speed of ...": "speed" (a phone number
        # or an invoice number is no quantity)
    if "country" in after:
        return "country"
    if after & MEASURES or re.match(r"what\b.*\b(cost|costs|price|weigh|weighs)\b", q):
        return "amount"
    if after & NAMED:
        return "name"
    if MONEY.search(q):  # "What is the course fee ...": a sum
        return "amount"
    return "any"


SUBJECT_ASKED = re.compile(r"what(?:'s| is| was| are| were) the (?:[a-z]+ )?([a-z]+) of\b")
""""What is the (top) speed of ...": the noun before "of" is what is asked ("speed")."""


UNITS = {
    "time": "second seconds minute minutes min hour hours day days week weeks month months year "
    "years",
    "length": "metre metres meter meters m km kilometre kilometres mile miles foot feet ft cm mm",
    "mass": "kilogram kilograms kg gram grams g tonne tonnes ton tons pound pounds lb lbs",
    "temperature": "degree degrees celsius fahrenheit",
    "area": "square hectare hectares acre acres m2",
}
UNIT_WORDS = {k: frozenset(v.split()) for k, v in UNITS.items()}
ASKED_UNITS = (  # (the question says, the units an answer then carries)
    (r"\bhow long\b", ("time", "length")),
    (r"\bhow old\b|\bage\b", ("time",)),
    (r"\bhow (deep|high|tall|far|wide)\b|\b(depth|height|length|width|distance)\b", ("length",)),
    (r"\bhow heavy\b|\bweigh|\bweight\b|\bmass\b", ("mass",)),
    (r"\btemperature\b|\bhow (hot|cold|warm)\b", ("temperature",)),
    (r"\bhow (large|big)\b|\b(area|size)\b", ("area",)),
)
RANGE_END = re.compile(r"\b(until|till|close|closes|closing|end|ends)\b")


def preference(sentence: str, text: str, question: str, kind: str | None = None) -> int:
    """How well a span of the kind asked fits what the question implies (``candidates`` offers
    only the best-fitting): 1 for a dotted number when a version is asked, a name right after
    "in", "at", "from" or "near" when a town or other place is (``PLACE_NOUNS``), a sum in a
    currency when money is asked ("4.50 euros" / ``MONEY``), a unit of the quantity asked ("95
    minutes" for "how long", "14 metres" for "how deep"; in a table row the unit may stand in
    the cell's header, ``cell_header``), the counted noun ("212,000 containers" for "how many
    containers"; the header's too), a country's name
    for "which country", a clock time for "what time" (+1 for the end of a range, "9:00 to
    20:00", when the question asks until when), a year for "what year", a day or clock time
    (not a bare year) for "when" or "what date". 0 when nothing is implied or nothing fits.
    ``kind``: the question's ``answer_kind``, when the caller has it already."""
    q = question.lower()
    low = text.lower()
    kind = kind or answer_kind(question)
    if kind == "country":
        return int(low in COUNTRIES)
    if kind == "version":
        return int(bool(VERSION.fullmatch(text)))
    if kind == "name" and re.search(r"\b(which|what) (" + "|".join(PLACE_NOUNS) + r")\b", q):
        before = sentence[: sentence.find(text)].split()
        return int(bool(before) and before[-1].lower() in LOCATIVE)
    if kind == "date" and re.search(r"\btime\b", q):
        at = sentence.find(text)
        end = RANGE_END.search(q) and re.search(
            r"\b(to|until|till)\s*$|[-\u2013]\s*$", sentence[:at]
        )
        return int(":" in text) + int(bool(end))
    if kind == "date" and re.search(r"\b(what|which) years?\b", q):
        return int(bool(YEAR.fullmatch(text)))
    if kind == "date" and DAY_ASKED.search(q):  # which day: a weekday or a day of a month
        return int(weekday(text) or bool(set(low.split()) & MONTHS))
    if kind == "date":  # when, what date: a day of a month, a weekday or a clock time
        return int(":" in text or bool(set(low.split()) & (MONTHS | WEEKDAYS)))
    if kind != "amount":
        return 0
    if MONEY.search(q):
        return int(in_currency(sentence, text))
    wanted = {
        u for pat, kinds in ASKED_UNITS if re.search(pat, q) for k in kinds for u in UNIT_WORDS[k]
    }
    if wanted:
        return int(bool(set(f"{low} {cell_header(sentence, text).lower()}".split()) & wanted))
    counted = counted_noun(q)
    if counted and counted not in ("of", "times"):
        return int(stem(counted) in terms(f"{text} {cell_header(sentence, text)}"))
    return 0


def shape_terms(question: str, cands: list[str]) -> frozenset[str]:
    """The question's words that name a shape one of the candidates has by itself ("email
    address" for "support@corvid-robotics.fi", "website" for "www.example.org"): the sentence
    holding such an answer need not say them ("... the support desk at
    support@corvid-robotics.fi")."""
    asked = ADDRESS_ASKED.findall(question.lower())
    if not asked or not any(ADDRESS.fullmatch(c) for c in cands):
        return frozenset()
    return terms(" ".join(asked) + " address")


def counted_noun(question: str) -> str | None:
    """The word after "how many" in a lower-cased question ("books"), or None."""
    found = re.search(r"\bhow many ([a-z]+)", question)
    return found.group(1) if found else None


def cell_header(sentence: str, text: str) -> str:
    """The column header of the table cell holding ``text`` in a table row read as sentence
    ("first bus" for "06:14" in "stop: Church square | first bus: 06:14 | ..."); "" outside
    a table or a cell without one."""
    if " | " not in sentence:
        return ""
    whole = re.search(r"(?:^|\| )([^|]*?): " + re.escape(text) + r"(?= \||$)", sentence)
    if whole:  # the text is a whole cell's value ("22" in "... | minutes: 22", not in "22:37")
        return whole.group(1)
    # else the cell where the text stands alone ("22" in "minutes: about 22.", not "22:37")
    alone = re.search(r"(?<![\w:.,])" + re.escape(text) + r"(?![\w:]|[.,][0-9])", sentence)
    cell, _ = _cell_at(sentence, alone.start() if alone else sentence.find(text))
    head, sep, _ = cell.partition(": ")
    return head if sep else ""


def in_header(sentence: str, at: int) -> bool:
    """Position ``at`` of a table row read as sentence is in a cell's header ("bollard pull
    tonnes" in "... | bollard pull tonnes: 38 | ..."), not its value."""
    if " | " not in sentence:
        return False
    cell, start = _cell_at(sentence, at)
    head, sep, _ = cell.partition(": ")
    return bool(sep) and at < start + len(head)


def _cell_at(sentence: str, at: int) -> tuple[str, int]:
    """The cell of a table row read as sentence that holds position ``at``, and where it
    starts ("", -1: none does)."""
    start = 0
    for cell in sentence.split(" | "):
        if start <= at < start + len(cell):
            return cell, start
        start += len(cell) + 3
    return "", -1


def in_currency(sentence: str, text: str) -> bool:
    """The span is money: a currency word in it ("4.50 euros") or a sign before it ("€4.50")."""
    at = sentence.find(text)
    before = sentence[at - 1 : at] if at > 0 else ""
    return before in ("$", "\u20ac", "\u00a3") or bool(set(text.lower().split()) & CURRENCY)


TOKEN = re.compile(ADDRESS.pattern + r"|[A-Za-z0-9][A-Za-z0-9-]*(?:[.,:][0-9]+)*")
"""An address (``ADDRESS``), a word or a number; "48,000", "2.7.1" and the clock time "20:00"
are one token."""
YEAR = re.compile(r"(1[89]|20)[0-9][0-9]")


def spans(sentence: str, question: str) -> list[tuple[str, str, int]]:
    """The candidate answers of one sentence, as (kind, text, distance): names, numbers and
    addresses (``_entities``), and phrases (``_phrases``); none made only of the question's
    words, no name that shares a capitalised word with the question (that is what is asked
    about, not the answer).
    distance: tokens to the nearest question word in the sentence (the answer sits next to
    what was asked); a phrase's is 0 after two or more question words, else 1; in a table row,
    2 more for each question word its cell's header holds fewer than the best header of the
    row ("last bus: 22:19" over "first bus: 06:14" when the last bus is asked)."""
    toks = list(TOKEN.finditer(sentence))
    asked = terms(question)
    subject = {stem(w) for w in question.split()[1:] if w[0].isupper()}
    near = [i for i, t in enumerate(toks) if stem(t.group()) in asked]

    def joined(i: int) -> bool:  # token i follows token i-1 after one space ("Dr. " too)
        if not 0 < i < len(toks):
            return False
        gap = sentence[toks[i - 1].end() : toks[i].start()]
        if gap == " & ":  # one name: "Brekke & Daughters Ltd"
            return toks[i - 1].group()[0].isupper() and toks[i].group()[0].isupper()
        return gap == " " or (gap == ". " and toks[i - 1].group().lower() in TITLES)

    best_header = max(
        (len(terms(c.partition(": ")[0]) & asked) for c in sentence.split(" | ") if ": " in c),
        default=0,
    )
    out = []
    for kind, i, j in [*_entities(toks, joined), *_phrases(sentence, toks, near, joined)]:
        text = sentence[toks[i].start() : toks[j].end()]
        if terms(text) <= asked:
            continue
        if kind == "name" and terms(text) & subject:
            continue  # the thing asked about ("Marten R3" for "the port's first Marten robot")
        if kind == "phrase":
            if in_header(sentence, toks[i].start()):
                continue  # "tonnes" of "bollard pull tonnes: 38" labels the value asked
            dist = 0 if _run_before(i, toks, near) > 1 else 1
        else:
            dist = min((min(abs(k - i), abs(k - j)) for k in near), default=len(toks))
            if " | " in sentence:  # a table row: the cell whose header says most of the question
                said = len(terms(cell_header(sentence, text)) & asked)
                dist += 2 * (best_header - said)
        out.append((kind, text, dist))
    return out


def weekday(word: str) -> bool:
    """A day of the week, or days ("Monday", "Mondays")."""
    low = word.lower()
    return low in WEEKDAYS or (low.endswith("s") and low[:-1] in WEEKDAYS)


def _entities(toks, joined) -> list[tuple[str, int, int]]:
    """(kind, first, last token) of the addresses (``ADDRESS``), weekdays ("day": "Mondays"),
    names (runs of capitalised words, not a sentence's first word alone, nor months, weekdays
    or "I"; a number may end one: "Sunvale 7") and numbers (with a month and year, "12
    February 2026", or a unit, "48,000 euros", "39.36 EUR"; a number word before a unit or
    counted noun, "nine days")."""

    def named(i: int) -> bool:  # a title only before a name: "Dr. Elin Strand", never "Dr"
        w = toks[i].group()
        if w.lower() in TITLES and not (joined(i + 1) and toks[i + 1].group()[0].isupper()):
            return False
        return w[0].isupper() and w != "I" and w.lower() not in MONTHS | WEEKDAYS | STOPWORDS

    def counted(i: int) -> bool:  # "nine days": a number word before a unit or counted noun
        nxt = toks[i + 1].group() if joined(i + 1) else ""
        return toks[i].group().lower() in NUMBER_WORDS and nxt.islower() and nxt not in STOPWORDS

    out, i = [], 0
    while i < len(toks):
        j = i
        if ADDRESS.fullmatch(toks[i].group()):
            out.append(("address", i, i))
        elif weekday(toks[i].group()):
            out.append(("day", i, i))
        elif counted(i):
            out.append(("number", i, i + 1))
            j = i + 1
        elif named(i):
            while joined(j + 1) and named(j + 1):
                j += 1
            if joined(j + 1) and toks[j + 1].group()[0].isdigit():
                j += 1
            if i > 0 or j > i:
                out.append(("name", i, j))
        elif toks[i].group()[0].isdigit():
            if joined(j + 1):
                nxt = toks[j + 1].group()
                if nxt.lower() in MONTHS:
                    j += 1
                    if joined(j + 1) and YEAR.fullmatch(toks[j + 1].group()):
                        j += 1
                elif (nxt.islower() and nxt not in STOPWORDS) or nxt.lower() in CURRENCY:
                    j += 1  # a unit, or a currency code: "39.36 EUR"
            out.append(("number", i, j))
        i = j + 1
    return out


def _phrases(sentence: str, toks, near: list[int], joined) -> list[tuple[str, int, int]]:
    """(kind, first, last token) of what follows each run of the question's words: up to
    ``ANSWER_WORDS`` words, up to a punctuation mark or another question word ("the secret
    ingredient: a teaspoon of smoked paprika"), leading and trailing stopwords left out."""
    out = []
    for k in near:
        if k + 1 in near or k + 1 >= len(toks):
            continue
        if sentence[toks[k].end() : toks[k + 1].start()] not in (" ", ": "):
            continue
        a = k + 1
        while a < len(toks) and toks[a].group().lower() in STOPWORDS and joined(a + 1):
            a += 1
        if a >= len(toks) or a in near:  # "the sky of Mars is ...": the phrase follows "Mars"
            continue
        b = a
        while joined(b + 1) and b + 1 - a < ANSWER_WORDS and b + 1 not in near:
            b += 1
        while b > a and toks[b].group().lower() in STOPWORDS:
            b -= 1
        out.append(("phrase", a, b))
    return out


def _run_before(a: int, toks, near: list[int]) -> int:
    """How many question words end right before the phrase starting at token ``a`` (stopwords
    between them and the phrase skipped)."""
    k = a - 1
    while k >= 0 and k not in near and toks[k].group().lower() in STOPWORDS:
        k -= 1
    run = 0
    while k - run in near:
        run += 1
    return run


DAY_ASKED = re.compile(
    r"\b(which|what) days?\b"
    r"|\b(which|what) (evening|morning|afternoon|night)s? (is|are|was|were|do|does|did|will)\b"
)
"""A question for a day of the week ("On which day of the week is the cafe closed?", "On
which evening is the boat shed open?"; not "what night temperature ...")."""
CLOCK = re.compile(r"[0-9]{1,2}[:.][0-9]{2}|[0-9]{1,2} ?(am|pm|a\.m\.|p\.m\.)", re.I)


def ruled_out(sentence: str, text: str, question: str, kind: str) -> bool:
    """A span of the kind asked that the question still rules out (``preference`` ranks what
    fits; this drops what cannot be right, so that "unknown" is what is left when nothing
    else is): a country for who or which town ("Finland" for "Who founded the company?"); a
    sum of money for "how many" things that are no money ("40,000 euros" for "How many books
    does the library hold?"); anything but a clock time for "what time" ("40 minutes" for "At
    what time does the canteen open?"). Not a year the sentence lacks: a report's year is
    often only in its title ("How many containers crossed the quays in 2025?")."""
    q = question.lower()
    if kind == "name" and text.lower() in COUNTRIES:
        return True
    counted = counted_noun(q)
    if counted and counted not in CURRENCY and in_currency(sentence, text):
        return True
    return kind == "date" and bool(re.search(r"\bwhat time\b", q)) and not CLOCK.search(text)


def _typed(sents: list[str], question: str) -> list[tuple]:
    """(-preference, distance, sentence rank, position, text, span kind) of every span of
    ``sents`` of the kind the question asks for (an amount is no bare year)."""
    kind = answer_kind(question)
    found = []
    for rank, sent in enumerate(sents):
        for pos, (k, text, dist) in enumerate(spans(sent, question)):
            if kind in ("name", "country") and k != "name":
                continue
            if kind == "address" and k != "address":
                continue
            if kind != "address" and ADDRESS.search(text):
                continue  # an address only when one is asked (not for a phone number)
            if k == "day" and not (kind == "date" and DAY_ASKED.search(question.lower())):
                continue  # a weekday answers "which day", not "when" (a clock time does)
            if kind == "version" and k != "number":
                continue
            if kind != "any" and k == "phrase":
                continue
            if kind in ("amount", "date") and k not in ("number", "day"):
                continue
            if kind == "amount" and YEAR.fullmatch(text.split()[0]):
                continue
            if ruled_out(sent, text, question, kind):
                continue
            found.append((-preference(sent, text, question, kind), dist, rank, pos, text, k))
    return found


def fit(sentence: str, question: str) -> int:
    """The best ``preference`` among the sentence's spans of the kind asked (0: none fits what
    the question implies, or it implies nothing)."""
    return max((-f[0] for f in _typed([sentence], question)), default=0)


def candidates(sents: list[str], question: str) -> list[str]:
    """Up to ``ANSWER_SPANS`` spans of ``sents`` of the kind the question asks for
    (``answer_kind``; an amount is no bare year), only those that fit it best
    (``preference``), then only those nearest a question word (a name or number at most one
    token further than the nearest, none further when the nearest is a phrase right after the
    question's words; a phrase only where it follows them as closely as the best), in that
    order (ties: the best sentence, the earlier position); one inside another is left out. A
    small model offered "4.2 million" beside "212,000 containers" for "how many containers"
    picks either; the order of the offer does not steer it."""
    found = _typed(sents, question)
    if not found:
        return []
    best = min(found)
    slack = 0 if best[5] == "phrase" else 1  # a phrase right after the question's words
    near = [
        f for f in found if f[0] == best[0] and f[1] <= best[1] + (0 if f[5] == "phrase" else slack)
    ]
    texts = list(dict.fromkeys(f[4] for f in sorted(near)))
    # "2019" inside "since 2019" is the same candidate: keep the longer one, in its place
    return [t for t in texts if not any(t != o and t in o for o in texts)][:ANSWER_SPANS]
