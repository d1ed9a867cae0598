"""Words, terms and sentences: what the agent's schemas, tools and grounding compare."""

from __future__ import annotations

import math
import re

STOPWORDS = frozenset(
    "a an and are as at be by for from has have in is it its of on or that the this to was were "
    "which who with what when where how many much does did do one whose whom will would can "
    "could should there their get got gets about around nearly almost roughly approximately "
    "exactly some only just each every all both these those after before since during until "
    "than then also into must shall might".split()
)
"""Function words, and the adverbs and prepositions that qualify a figure ("About 95,000
litres", "after the dredging"): neither what a question is about nor the start of a name."""
MONTHS = frozenset(
    "january february march april may june july august september october november december".split()
)
WEEKDAYS = frozenset("monday tuesday wednesday thursday friday saturday sunday".split())
EMAIL = r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
WEB = r"https?://[^\s,;)]+[^\s,;).]|www\.[\w-]+(?:\.[\w-]+)+"
ADDRESS = re.compile(f"{EMAIL}|{WEB}")
"""An email or web address, one token ("support@corvid-robotics.fi", "www.example.org"):
offered whole as an answer (``answers``), and what makes a document "mention" an email
address or a website (``mentions.SHAPES``)."""
SENTENCE_END = re.compile(
    r"(?<=[.!?;])(?<!\b[A-Z]\.)(?<!\b[A-Z][a-z]\.)(?<!^[0-9]\.)(?<!^[0-9][0-9]\.)\s+(?=[A-Z0-9])"
)


def words(text: str) -> list[str]:
    """Lower-case words and numbers ("48,000", "2.7.1", "20:00" stay whole), stopwords left out."""
    found = re.findall(r"[a-z0-9]+(?:[.,:][0-9]+)*", text.lower())
    return [w for w in found if w not in STOPWORDS]


def _stem(w: str) -> str:
    for end in ("ing", "ed", "es", "s", "e"):
        if len(w) > len(end) + 2 and w.endswith(end):
            s = w[: -len(end)]
            # "winning", "planned": one of a doubled consonant goes ("win", "plan"); not l, s, z
            # ("falling", "passed") nor in a stem that would be two letters ("added")
            if end in ("ing", "ed") and len(s) > 3 and s[-1] == s[-2] and s[-1] not in "aeioulsz":
                s = s[:-1]
            return s
    return w


IRREGULAR = (
    "wrote written write,led lead,built build,gave given give,took taken take,ran run,"
    "made make,bought buy,held hold,sold sell,paid pay,found find,began begun begin,"
    "spoke spoken speak,met meet,kept keep,grew grown grow,chose chosen choose,told tell,"
    "said say,brought bring,went gone go,came come,saw seen see,knew known know,"
    "fell fallen fall,rose risen rise,won win,lost lose,sent send,spent spend,stood stand,"
    "drove driven drive,ate eaten eat,laid lay,lent lend,meant mean,sat sit,"
    "shown show,taught teach,understood understand,wore worn wear,chaired chair,"
    "sank sunk sink,drank drunk drink,swam swum swim,sang sung sing,rang rung ring,"
    "flew flown fly,drew drawn draw,threw thrown throw,blew blown blow,broke broken break,"
    "froze frozen freeze,stole stolen steal,woke woken wake,rode ridden ride,hid hidden hide,"
    "forgot forgotten forget,felt feel,slept sleep,swept sweep,bent bend,heard hear,"
    "caught catch,thought think,fought fight,sought seek,dug dig,hung hang,fed feed,"
    "dealt deal,struck strike,stuck stick,swung swing,slid slide,shook shaken shake,"
    "arose arisen arise,forbade forbidden forbid,bore born borne bear,tore torn tear,"
    "spun spin,sprang sprung spring,withdrew withdrawn withdraw,overtook overtaken overtake"
)
"""Common English verbs whose past forms a suffix-stripping stem cannot join to the present
("Who wrote it?" / "It was written by ..."): each form maps to the last word's stem."""

DERIVED = "weigh weight,high height,long length,wide width,deep depth,strong strength"
"""A quality and its noun ("What does it weigh?" / "Weight: 11.5 kilograms")."""

PERIODIC = "monthly month,weekly week,yearly year,annual year,daily day,nightly night,hourly hour"
"""A period's adjective and the period ("the monthly pay" / "3,250 euros a month")."""

RELATED = {
    _stem(w): _stem(c)
    for w, c in (
        ("price", "cost"),
        ("color", "colour"),
        ("called", "name"),
        *(p.split() for p in f"{DERIVED},{PERIODIC}".split(",")),
    )
} | {
    _stem(form): _stem(forms.split()[-1])
    for forms in IRREGULAR.split(",")
    for form in forms.split()
}
"""Words a question and a document use for the same thing ("How much does it cost?" / "The
price is ..."; "a cat called Pepper" / "the name of the cat"), the ``DERIVED`` nouns, the
``PERIODIC`` adjectives and the ``IRREGULAR`` verb forms, each mapped to one stem. Deliberately
short: a word added here changes every search and answer (and a homograph comes along: "found"
a company is read as "find", a phone "call" as "name")."""

FRAME = frozenset(
    "date time year day type kind sort long deep far high tall old big large heavy fast often "
    "wide".split()
)
"""Words of a question's frame ("on what date", "what type of", "how long"): they say what kind
of answer is wanted, not what the answer is about, so a sentence need not hold them."""


def stem(word: str) -> str:
    """A crude stem, so "robots" meets "robot", "tested" "tests" and "named" "name"; the words
    of ``RELATED`` meet their partner ("price" is "cost")."""
    s = _stem(word.lower())
    return RELATED.get(s, s)


def terms(text: str) -> set[str]:
    """The stems of the text's words, stopwords left out."""
    return {stem(w) for w in re.findall(r"[A-Za-z0-9]+", text) if w.lower() not in STOPWORDS}


ITEM = re.compile(
    r"^(?:[-*\u2022] |[0-9]{1,2}[.)] )|^[A-Z][A-Za-z]*(?: [A-Za-z]+){0,2}:(?:\s|$)"
    r"|^\[[^\]]{1,30}\] +\S"
)
"""A line that starts a unit of its own: a list item ("- ", "2. "), a field ("Subject: ...",
"Weight: 11.5 kg", "Q: ...", "A: ") or a stamped message of a chat or log ("[06:52] Ola
Nygaard: ..."). Table rows ("| Adult | 12 euros |") are units of their own as well
(``sentences`` handles them first)."""
SECTION = re.compile(r"^\[([A-Za-z][\w .-]{0,40})\]$")
"""A settings file's section line ("[camera]"): what the settings under it are about."""
SETTING = re.compile(r"^([A-Za-z][\w.-]*(?: [\w.-]+){0,3}) *= *(\S.*)$")
"""A settings file's "key = value" line ("infrared_on = 17:30")."""
COMMENT = re.compile(r"^;+ *(\S.*)$")
"""A settings file's comment line ("; kept by the IT desk ...")."""
JSON_FIELD = re.compile(r'^"([^"]{1,40})" *: *(.*?),?$')
"""A JSON object's member on a line of its own ('"call_sign": "LH1904",'): a field of the
record its braces hold."""
JSON_BRACE = re.compile(r"[\[\]{},]+")
"""A line of JSON brackets only ("{", "},", "]"): where a record starts or ends."""
CAPITALS = re.compile(r"[A-Z][A-Z0-9 ,&'/-]*[A-Z0-9]")
"""A line in capitals only ("SAILING SCHOOL"): a heading in a plain-text document."""
LIST_ITEM = re.compile(r"^(?:[-*\u2022] |[0-9]{1,2}[.)] )")
TABLE_RULE = re.compile(r"^\|?[\s:|-]+\|?$")
LEADER = re.compile(r"^(\S.*?\S)\s*\.{4,}\s*(\S.*)$")
"""A line whose name and value a dot leader joins ("Vegetable pie ........ 9.80", a menu, a
price list, a table of contents); four dots at least, so that an ellipsis ("We waited... then")
stays prose."""
COLUMN_GAP = re.compile(r"(?<=[^\s.!?])(?: {2,}|\t+)(?=\S)")
"""Where a plain-text table's columns meet: two or more spaces, or tabs, between words
("Subtotal      328.00 EUR"); not after a sentence's end (two spaces after a full stop are
prose)."""


def sentences(text: str) -> list[str]:
    """The text's sentences: headings, list items, table rows, fields ("Subject: ...") and
    blank-line-separated paragraphs apart, each split after ". " before a capital or a digit
    (not after an initial, "Dr." or a leading "1."), whitespace collapsed; a table row's cells
    joined by " | ", each after its column's header ("Ticket: Student | Price: 7 euros"), the
    rule line ("|---|") left out; a plain-text table's rows (columns aligned by spaces or tabs,
    ``COLUMN_GAP``) the same, its header the aligned line above them without a digit; a list
    item under a markdown section heading ("## ...", not the document's "# " title) after the
    heading, which is what it is about ("2.5.2 (October 2024): - Fixed: the cameras ..."); a
    comma-separated table's rows (``_csv_blocks``) each cell after its header's name ("stop:
    Church square | first bus: 06:14 | ..."); a line whose dot leader joins a name to its value
    as that field ("Vegetable pie: 9.80", ``LEADER``); a settings file's "key = value" line
    as a field named after its section and key ("Night infrared on: 17:30" under "[night]",
    ``SETTING``), its "; " comments apart; a line in capitals apart (a heading, ``CAPITALS``);
    a chat's stamped messages apart ("[06:52] Ola Nygaard: ...", ``ITEM``); a JSON object's
    members on lines of their own as one record, each after its key ("Name: Eider | type: tug
    | call sign: LH1904", ``JSON_FIELD``), its brackets left out. An email's
    header lines or a list's items run together would read as one sentence whose capitalised
    words all look like names."""
    units: list[str] = []
    para: list[str] = []
    header: list[str] = []  # the cells of the current table's header row
    columns: list[str] = []  # the same for a plain-text table (columns aligned by spaces)

    def flush() -> None:
        nonlocal para
        units.extend(SENTENCE_END.split(" ".join(para)) if para else [])
        para = []

    record: list[str] = []  # the fields of the JSON object being read

    def flush_record() -> None:
        nonlocal record
        units.extend([row_unit(record)] if record else [])
        record = []

    heading = ""  # the markdown section heading above: a list item under it is about it
    setting: str | None = None  # the settings section above; None before any: "x = 5" is prose
    lines = [x.strip() for x in text.splitlines()] + [""]
    csv_first = _csv_blocks(lines)  # line -> the first line (the header) of its CSV block
    for at, line in enumerate(lines):
        if not line.startswith("|"):
            header = []
        if member := JSON_FIELD.match(line):  # '"call_sign": "LH1904",': "call sign: LH1904"
            flush()
            key, value = member.group(1).replace("_", " "), member.group(2).strip()
            if value in ("[", "{"):  # '"boats": [': the records below are its own
                flush_record()
            else:
                record.append(key + ": " + value.strip('"'))
            continue
        flush_record()
        if JSON_BRACE.fullmatch(line):
            continue
        if at in csv_first:  # "Church square,06:14,22:19,4" under "stop,first bus,last bus,..."
            flush()
            cells = [c.strip() for c in line.split(",")]
            if at != csv_first[at]:
                names = [c.strip() for c in lines[csv_first[at]].split(",")]
                cells = [f"{h}: {c}" for h, c in zip(names, cells, strict=True)]
            units.append(row_unit(cells))
        elif line.startswith("#") or not line:
            flush()
            if line:
                units.append(line.lstrip("#").strip())
                heading = units[-1] if line.startswith("##") else ""  # "# " titles the document
        elif TABLE_RULE.fullmatch(line) and "-" in line:
            flush()
            header = units[-1].split(" | ") if units else []
        elif line.startswith("|"):
            flush()
            cells = [c.strip() for c in line.strip("|").split("|")]
            if len(header) == len(cells):
                cells = [f"{h}: {c}" for h, c in zip(header, cells, strict=True)]
            units.append(row_unit(cells))
        elif leader := LEADER.match(line):  # "Vegetable pie ..... 9.80": "Vegetable pie: 9.80"
            flush()
            units.append(row_unit([f"{leader.group(1)}: {leader.group(2)}"]))
        elif section := SECTION.match(line):  # "[night]": the settings below are about it
            flush()
            setting = section.group(1).replace("_", " ")
        elif (field := SETTING.match(line)) and setting is not None:
            flush()  # "infrared_on = 17:30" under "[night]": "Night infrared on: 17:30"
            key = f"{setting} {field.group(1).replace('_', ' ')}".strip()
            units.append(row_unit([f"{key}: {field.group(2)}"]))
        elif comment := COMMENT.match(line):  # "; kept by ...": a note of its own
            flush()
            units.append(comment.group(1))
        elif CAPITALS.fullmatch(line) and not COLUMN_GAP.search(line):
            flush()  # "SAILING SCHOOL": a heading, not the start of its first sentence
            units.append(line)
        elif ITEM.match(line):
            flush()
            para.append(f"{heading}: {line}" if heading and LIST_ITEM.match(line) else line)
        elif COLUMN_GAP.search(line) and (
            (row := any(ch.isdigit() for ch in line)) or _heads_a_table(line, lines[at + 1 :])
        ):
            flush()
            cells = COLUMN_GAP.split(line)
            if not row:  # "Item   Qty   Unit price": a header
                columns = cells
            elif len(columns) == len(cells):
                cells = [f"{h}: {c}" for h, c in zip(columns, cells, strict=True)]
            units.append(row_unit(cells))
            continue
        else:
            para.append(line)
        columns = []
    return [" ".join(u.split()) for u in units if u.strip()]


def follows(text: str, first: str, then: str) -> bool:
    """``then`` is the sentence right after ``first`` in one paragraph of ``text`` (prose: a
    list item, a table row or a field line reads differently in ``sentences``' units)."""
    if first[-1:] not in ".!?":
        return False
    pair = f"{first} {then}"
    return any(pair in " ".join(p.split()) for p in re.split(r"\n\s*\n", text))


def row_unit(cells: list[str]) -> str:
    """A table row as one unit, its cells joined by " | ", its first letter a capital: a row
    starting "stop: Church square" would otherwise run on from the unit before it when the
    tool results join units into prose ("... ferry quay: 0. stop: Church square ..." reads
    back as one sentence)."""
    row = " | ".join(cells)
    return row[:1].upper() + row[1:]


CSV_CELL_CHARS = 40
CSV_CELL_WORDS = 6
"""A comma-separated row's cells are short and the row ends without a full stop; a wrapped line
of prose with as many commas as its neighbours has a long part or a sentence's end."""


def _csv_blocks(lines: list[str]) -> dict[int, int]:
    """The lines of comma-separated tables: runs of three or more lines with the same number
    (two or more) of commas, every cell short (``CSV_CELL_CHARS``, ``CSV_CELL_WORDS``), no line
    ending as a sentence does, and the first line (the header) without a digit; each line mapped
    to its run's first line."""

    def shape(line: str) -> int:
        cells = line.split(",")
        short = all(
            0 < len(c.strip()) <= CSV_CELL_CHARS and len(c.split()) <= CSV_CELL_WORDS for c in cells
        )
        prose = "|" in line or line.endswith((".", "!", "?"))
        return len(cells) if len(cells) >= 3 and short and not prose else 0

    out: dict[int, int] = {}
    at = 0
    while at < len(lines):
        n, end = shape(lines[at]), at + 1
        while n and end < len(lines) and shape(lines[end]) == n:
            end += 1
        if n and end - at >= 3 and not any(ch.isdigit() for ch in lines[at]):
            out |= dict.fromkeys(range(at, end), at)
        at = end
    return out


def _heads_a_table(line: str, after: list[str]) -> bool:
    """An aligned line without a digit is a table's header only when the next line is a row of
    as many columns ("Item   Qty   Unit price" above "Rye flour   4   14.50 EUR"); a letterhead
    ("NORDMILL FLOUR AB      INVOICE" above the address) reads on as text."""
    nxt = next((x for x in after if x), "")
    return len(COLUMN_GAP.split(nxt)) == len(COLUMN_GAP.split(line))


NAMED = frozenset(
    "company firm school country city town village place person team fund organisation "
    "organization university ship vessel variety brand club author".split()
)
"""Nouns of things known by a proper name: "which company ...", "in which country ..." ask for
a name."""
MEASURES = frozenset(
    "temperature speed weight price cost fare fee distance size height depth length width age "
    "budget salary rate capacity population total amount number share percentage duration".split()
)
"""Nouns of quantities: "what night temperature ...", "what fare ..." ask for an amount."""
FRAME_TERMS = frozenset(stem(w) for w in FRAME)
DURATION_VERBS = frozenset(stem(w) for w in ("last", "take"))
"""Verbs that only restate a "how long" frame ("How long does the battery last?")."""


def frame_terms(question: str) -> frozenset[str]:
    """The question's terms that say what kind of answer is wanted: ``FRAME``, and the
    ``DURATION_VERBS`` of a "how long" question."""
    if re.search(r"\bhow long\b", question.lower()):
        return FRAME_TERMS | DURATION_VERBS
    return FRAME_TERMS


def type_noun(question: str) -> str | None:
    """The stem of the noun right after "which"/"what" when it names a kind of answer
    (``NAMED``, ``MEASURES``): "in which country" asks for a country, and the text need not
    say "country"."""
    typed = re.search(r"\b(?:which|what) ([a-z]+)", question.lower())
    return stem(typed.group(1)) if typed and typed.group(1) in NAMED | MEASURES else None


def idf_weights(sents: list[str], wanted: set[str]) -> dict[str, float]:
    """Each wanted term's rarity among ``sents`` (``log(1 + n / df)``); a term no sentence holds
    counts as held by half a sentence: missing it weighs most."""
    held = [terms(s) for s in sents]
    n = max(len(sents), 1)
    return {t: math.log(1 + n / (sum(t in h for h in held) or 0.5)) for t in wanted}


def coverage(
    question: str, chosen: list[str], pool: list[str], given: frozenset[str] = frozenset()
) -> float:
    """The share of the question's terms (``frame_terms`` left out, and the ``type_noun``
    unless the chosen sentences hold it, and the terms ``given`` by an answer's own shape),
    each weighted by its rarity in ``pool`` (the results so far), that the ``chosen`` sentences
    hold: low when the results never mention what is asked ("mayor", "colour"), whatever else
    they share with the question."""
    have = set().union(*(terms(s) for s in chosen)) if chosen else set()
    asked = terms(question) - frame_terms(question) - ({type_noun(question)} - have) - given
    if not asked:
        return 0.0
    w = idf_weights(pool, asked)
    return sum(w[t] for t in asked & have) / sum(w.values())


def overlap_scores(sents: list[str], weights: dict[str, float]) -> list[float]:
    """Each sentence's score: the summed ``weights`` of the terms it holds, each weighted by
    its rarity among ``sents`` (an inverse document frequency over the sentences: "master" in
    one sentence tells more than "port" in six)."""
    held = [terms(s) for s in sents]
    n = len(sents)
    df = {t: sum(t in h for h in held) for t in weights}
    idf = {t: math.log(1 + n / df[t]) for t in weights if df[t]}
    return [sum(w * idf[t] for t, w in weights.items() if t in h) for h in held]
