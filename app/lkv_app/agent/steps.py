"""What the model may reply on each agent turn, as JSON schemas the server enforces.

A small model cannot be trusted to format a tool call, so every turn is constrained decoding
(SGLang's xgrammar backend): the first turn must call a tool, later turns call a tool or answer,
the last turn (and any turn after a repeated call) must answer. Calls use the tool names and
argument types (a document name is one of the stored names; an answer at most ``ANSWER_CHARS``).
The first search's query is the question's content words (``first_query``: a small model left
to choose picked one word, "day" or "Port", and retrieved the wrong passages); a later query is
2..5 words from the question and the names and numbers in the results so far
(``query_pattern``), so a second hop can search for what the first one found.

An answer is one of at most ``answers.ANSWER_SPANS`` candidates copied from the result
sentences most about the question (``answer_pattern``: ``best_sentences``, or for a question
with a clause the sentence naming what the clause's sentence found, ``second_hop``; and
``answers.candidates``), of the kind the question asks for and fitting what it implies (a
currency, a unit, a clock time), or "unknown", offered by how much of
the question those sentences cover (``text.coverage``). It must also be supported by the tool
results (``ground``): its numbers and most of its words appear in one sentence, that sentence
is one it was offered from or shares two words with the question or the queries made, and the
answer says more than the question's own words. Its source is that sentence's document; an
unsupported answer becomes "The documents do not say.", so the agent never passes off an
invented answer as a document's.
"""

from __future__ import annotations

import json
import re
import uuid

from langchain_core.messages import AIMessage

from .answers import candidates, fit, shape_terms, spans
from .text import (
    MONTHS,
    STOPWORDS,
    WEEKDAYS,
    coverage,
    frame_terms,
    overlap_scores,
    sentences,
    terms,
    words,
)

QUERY_CHARS = 40
FIRST_QUERY_WORDS = 8
ANSWER_CHARS = 64
ANSWER_SENTENCES = 2
ANSWERED = 0.8
UNANSWERED = 0.5
UNKNOWN = "unknown"
SUPPORT = 0.6
RELEVANT_TERMS = 2
NOT_FOUND = "The documents do not say."


def rx(text: str) -> str:
    """``text`` as a regex literal (spaces stay spaces: JSON-schema patterns are ECMA regexes)."""
    return re.escape(text).replace("\\ ", " ")


def content_words(text: str) -> list[str]:
    """The text's words that are no stopwords or single letters, each once, in order."""
    found = re.findall(r"[A-Za-z0-9]+(?:[.,][0-9]+)*", text)
    return list(
        dict.fromkeys(
            w for w in found if w.lower() not in STOPWORDS and (len(w) > 1 or w.isdigit())
        )
    )


def first_query(question: str) -> str | None:
    """The first search: the question's content words (at most ``FIRST_QUERY_WORDS``)."""
    return " ".join(content_words(question)[:FIRST_QUERY_WORDS]) or None


def names_in(found: list[tuple[str, str]]) -> list[str]:
    """Names in the results (capitalised words somewhere inside a sentence, not only at its
    start; no month or weekday): what a second hop searches for."""
    out: list[str] = []
    for _, text in found:
        for sent in sentences(text):
            out += [
                w
                for w in content_words(sent)[1:]
                if w[0].isupper() and w.lower() not in MONTHS | WEEKDAYS
            ]
    return list(dict.fromkeys(out))


def query_pattern(question: str, found=(), max_words: int = 5) -> str | None:
    """A regex for a search query. Before any result: 2..max_words of the question's content
    words (1 when it has one). After results: up to ``max_words`` words of the question and of
    the names and numbers found, at least one of them a name found that the question does not
    hold, so a second search follows what the first one found (the second hop) instead of
    repeating it."""
    asked = content_words(question)
    new = [w for w in names_in(list(found)) if not terms(w) <= terms(question)]
    vocab = list(dict.fromkeys(asked + new))
    if not vocab:
        return None
    w = "(" + "|".join(rx(v) for v in vocab) + ")"
    if new:
        n = "(" + "|".join(rx(v) for v in new) + ")"
        side = (max_words - 1) // 2
        return f"^({w} ){{0,{side}}}{n}( {w}){{0,{max_words - 1 - side}}}$"
    least = 1 if len(vocab) > 1 else 0
    return f"^{w}( {w}){{{least},{max_words - 1}}}$"


def call_schemas(
    doc_names: list[str], question: str = "", read: bool = True, found=(), first: bool = False
) -> list[dict]:
    # xgrammar enforces a pattern or lengths, not both; the pattern bounds the words anyway
    fixed = first_query(question) if first else None
    pattern = query_pattern(question, found)
    query: dict = {"type": "string"}
    if fixed:
        query = {"const": fixed}
    elif pattern:
        query["pattern"] = pattern
    else:
        query.update({"minLength": 2, "maxLength": QUERY_CHARS})
    search = {
        "type": "object",
        "properties": {"tool": {"const": "search_documents"}, "query": query},
        "required": ["tool", "query"],
        "additionalProperties": False,
    }
    schemas = [search]
    if doc_names and read:
        schemas.append(
            {
                "type": "object",
                "properties": {"tool": {"const": "read_document"}, "name": {"enum": doc_names}},
                "required": ["tool", "name"],
                "additionalProperties": False,
            }
        )
    return schemas


def passages(result: str) -> list[tuple[str, str]]:
    """(document, text) pairs of a tool result made of ``From NAME:`` blocks."""
    out = []
    for block in re.split(r"\n\n(?=From )", result):
        head, _, body = block.partition(":\n")
        if head.startswith("From ") and body:
            out.append((head.removeprefix("From ").strip(), body))
    return out


def ground(
    answer: str, found: list[tuple[str, str]], question: str = "", queries: tuple[str, ...] = ()
) -> str | None:
    """The document of the sentence that supports ``answer`` best, or None if none does: the
    answer must say more than the question's words, and the sentence must hold its numbers, a
    ``SUPPORT`` share of its words and ``RELEVANT_TERMS`` words of the question or of the
    queries made (besides the answer's own: a sentence that only names the same place or
    company is not about what was asked), or be one of the ``best_sentences`` an answer is
    offered from (``offer_basis``: they cover at least ``UNANSWERED`` of the question, judged
    as ``answer_pattern`` judges it)."""
    ans = [w.replace(",", "") for w in words(answer)]
    if not ans or terms(answer) <= terms(question):
        return None
    about = (terms(question) | {t for q in queries for t in terms(q)}) - terms(answer)
    picked, _, cov = offer_basis(found, question, queries)
    offered = set(picked) if cov >= UNANSWERED else set()
    best, best_share = None, 0.0
    for doc, text in found:
        for sent in sentences(text):
            have = {w.replace(",", "") for w in words(sent)}
            numbers_ok = all(w in have for w in ans if w[0].isdigit())
            share = sum(w in have for w in ans) / len(ans)
            relevant = sent in offered or len(about & terms(sent)) >= min(
                RELEVANT_TERMS, len(about)
            )
            if numbers_ok and relevant and share >= SUPPORT and share > best_share:
                best, best_share = doc, share
    return best


def result_sentences(found: list[tuple[str, str]]) -> list[str]:
    """The sentences of the tool results, each once, in order (search results overlap)."""
    return list(dict.fromkeys(x for _, text in found for x in sentences(text)))


def best_sentences(
    found: list[tuple[str, str]], question: str, queries: tuple[str, ...] = ()
) -> list[str]:
    """The result sentence most about the question, and, while the sentences picked cover less
    than ``ANSWERED`` of it (``coverage``), the one that covers most of the rest, up to
    ``ANSWER_SENTENCES`` (a word of the question weighs 2, a word only of the queries made
    0.5; ``overlap_scores``; ties: the earlier result). A two-hop question's first pick is
    often the bridge ("the harbour master is Ilse Marchetti"), the second what the question
    asks of it ("the secret ingredient"), so it must hold a candidate answer of the kind asked
    (``candidates``: a price, not a place) where any sentence does; a lookup's first pick
    usually answers alone, and a second sentence would only offer the model wrong
    candidates. When what the question implies (``answers.fit``: a sum in a currency, litres,
    a date) is in none of the picks, the best sentence that holds it and shares
    ``RELEVANT_TERMS`` words with the question, or that follows a pick in its paragraph
    (``tools.focus``: "1,150 euros or best offer." after the sentence naming the boat), joins
    them."""
    weights = {t: 0.5 for q in queries for t in terms(q)} | {t: 2.0 for t in terms(question)}
    sents = result_sentences(found)
    picked: list[int] = []
    covered: set[str] = set()
    while len(picked) < min(ANSWER_SENTENCES, len(sents)):
        if picked and coverage(question, [sents[i] for i in picked], sents) >= ANSWERED:
            break
        scores = overlap_scores(sents, {t: w for t, w in weights.items() if t not in covered})
        left = [i for i in range(len(sents)) if i not in picked]
        if picked:  # the answer's sentence holds an answer of the kind asked, if any does
            left = [i for i in left if candidates([sents[i]], question)] or left
        # ties: the sentence whose answer fits what the question implies ("39.36 EUR" for
        # "how much VAT does it charge" over "8 %" in "interest ... is charged")
        i = min(left, key=lambda i: (-scores[i], -fit(sents[i], question), i))
        if not scores[i]:
            break
        picked.append(i)
        covered |= terms(sents[i])
    if picked and not any(fit(sents[i], question) for i in picked):
        # what the question implies (a sum in euros, litres, a date) is in none of them: the
        # best-scoring sentence about the question that holds one ("About 95,000 litres of
        # water were lost" after the sentence naming the burst)
        asked = terms(question)
        full = overlap_scores(sents, weights)

        def next_of_pick(i: int) -> bool:
            """Right after a pick, without a word of the question: in a search result the
            pick's next sentence (``tools.focus`` keeps a sentence without a query word only
            so, or when no sentence has one); in a document read whole, its next sentence
            there. Across two results' blocks it is the next block's first sentence."""
            return i - 1 in picked and not terms(sents[i]) & asked

        more = [
            i
            for i in range(len(sents))
            if i not in picked
            and (len(terms(sents[i]) & asked) >= RELEVANT_TERMS or next_of_pick(i))
            and fit(sents[i], question)
        ]
        if more:
            picked.append(min(more, key=lambda i: (-full[i], i)))
    return [sents[i] for i in picked]


def answer_sentences(
    found: list[tuple[str, str]], question: str, queries: tuple[str, ...] = ()
) -> tuple[list[str], float]:
    """The sentences an answer is offered from (a ``bridged`` question's ``second_hop`` pair
    when the results hold one, else ``best_sentences``), and how much of the question they
    cover (``coverage``, words weighted by rarity among every result sentence): the basis of
    ``offer_basis``, so of what ``answer_pattern`` offers and ``ground`` accepts."""
    picked = (bridged(question) and second_hop(found, question, queries)) or best_sentences(
        found, question, queries
    )
    pool = [sent for _, text in found for sent in sentences(text)]
    return picked, coverage(question, picked, pool)


RELATIVE = re.compile(
    r"\b(whose|that|which|where|who|whom)\b|\b(type|kind|sort) (the|a|an|[A-Z])"
    r"|\b([a-z]+ed|led|run|kept|taught|given|built|written|held|sold|made|won|owned) by "
    r"(?=the [a-z])"
)
"""What opens a clause: a relative pronoun, "type the ...", or a participle with "by the" and a
noun ("the walk led by the property manager of ..."; not "wanted by the Harbour Bakery", where
a name says what is meant and no hop is needed)."""
ASKING = re.compile(r"^\W*(?:[A-Za-z]+ )?(?:who|whom|whose|what|which|when|where|how)\b", re.I)
"""The question's own question word (and a preposition before it: "In which town ..."), which
starts no clause."""


def bridged(question: str) -> bool:
    """The question describes what it asks about by a clause ("the ship on which the team
    collected its samples", "the port whose harbour master is ...", "a robot of the type the
    port plans to buy", "the walk led by the property manager of ..."; ``RELATIVE``): a
    two-hop question, whose answer sentence names what the clause's sentence found."""
    return split_clause(question) is not None


def split_clause(question: str) -> tuple[str, str] | None:
    """A ``bridged`` question's main part and its clause ("is the title of the keynote given
    by the person", "runs the press office of the Port of Kestrel Bay"); None without one."""
    rest = ASKING.sub("", question, count=1)
    found = RELATIVE.search(rest)
    return (rest[: found.start()], rest[found.end() :]) if found else None


def clause_sentences(pool: list[str], question: str) -> list[str]:
    """The result sentences that cover at least ``UNANSWERED`` of a ``bridged`` question's
    clause (``coverage``) and name something the question does not (``hop_names``), best
    first (ties: the earlier): where the first hop may have been made ("Lene Dahl runs the
    press office of the port" for "the person who runs the press office of the Port of
    Kestrel Bay")."""
    parts = split_clause(question)
    if parts is None:
        return []
    scored = [(coverage(parts[1], [x], pool), -i, x) for i, x in enumerate(pool)]
    held = [c for c in scored if c[0] >= UNANSWERED and hop_names(c[2], question)]
    return [c[2] for c in sorted(held, reverse=True)]


def hop_names(sentence: str, question: str) -> list[str]:
    """The names in a sentence that share no word with the question: what a clause's sentence
    gives the second hop ("Dr. Tomas Okafor", "LED" in "Dr. Tomas Okafor ... will give a
    public talk on growing tomatoes under LED light")."""
    asked = terms(question)
    return list(
        dict.fromkeys(
            t for k, t, _ in spans(sentence, question) if k == "name" and not terms(t) & asked
        )
    )


def second_hop(
    found: list[tuple[str, str]], question: str, queries: tuple[str, ...] = ()
) -> list[str]:
    """The answer's sentence and the clause's of a ``bridged`` question whose two hops are in
    the results, for the first of the ``clause_sentences`` that has one: the answer's sentence
    holds a name of the clause's sentence (``hop_names``: "MS Alva" in "The MS Alva is
    commanded by Captain Ingrid Solberg"), a word of the question's main part and a candidate
    of the kind asked, fitting what the question implies (``fit``) when any result does; the
    best by the main part's words (weight 2, the queries' 0.5; ties: the earlier). Empty when
    no pair is found: the picks are then ``best_sentences``'."""
    parts = split_clause(question)
    if parts is None:
        return []
    pool = result_sentences(found)
    main = terms(parts[0]) - frame_terms(question)
    weights = {t: 0.5 for q in queries for t in terms(q)} | {t: 2.0 for t in main}
    scores = overlap_scores(pool, weights)
    fits = any(fit(x, question) for x in pool)  # a sum in euros, a clock time ... if any has it
    for hop in clause_sentences(pool, question):
        names = [terms(n) for n in hop_names(hop, question)]
        held = [
            i
            for i, x in enumerate(pool)
            if x != hop
            and any(n <= terms(x) for n in names)
            and main & terms(x)
            and candidates([x], question)
            and (fit(x, question) or not fits)
        ]
        if held:
            return [pool[min(held, key=lambda i: (-scores[i], i))], hop]
    return []


def link(sents: list[str], question: str) -> set[str]:
    """The terms of the names two picked sentences share that the question does not hold:
    what joins the clause's sentence to the answer's ("MS Alva" in "the samples were
    collected on board the MS Alva" and "The MS Alva is commanded by Captain Ingrid
    Solberg")."""
    if len(sents) < 2:
        return set()
    named = [set(terms(" ".join(names_in([("", s)])))) for s in sents[:2]]
    return (named[0] & named[1]) - terms(question)


def own_coverage(
    found: list[tuple[str, str]], sents: list[str], question: str, cands: list[str]
) -> float:
    """How much of the question the sentences holding the candidates cover when the other
    picks are from other documents and name nothing in common with them (``link``): one fact
    sits in one place, and two unrelated documents that each say part of the question ("the
    harbour canteen" in a recipe, "open from 12:00" in the library's minutes) do not answer it
    together (1.0: nothing to discount)."""
    holding = [x for x in sents if set(candidates([x], question)) & set(cands)]
    rest = [x for x in sents if x not in holding]
    if not holding or not rest:
        return 1.0
    pairs = [(doc, x) for doc, text in found for x in sentences(text)]
    doc_of = {x: doc for doc, x in pairs}
    if {doc_of.get(x) for x in holding} & {doc_of.get(x) for x in rest}:
        return 1.0
    return coverage(question, holding, [x for _, x in pairs])


def answer_pattern(
    found: list[tuple[str, str]],
    question: str,
    queries: tuple[str, ...] = (),
    silent: bool = False,
) -> str | None:
    """A regex for an answer copied from the results: one of the ``candidates`` (names,
    numbers, phrases of the kind asked for) of the best result sentences (``best_sentences``).
    ``UNKNOWN`` (the documents do not say) is offered when those sentences cover part of the
    question (``coverage`` between ``UNANSWERED`` and ``ANSWERED``), is the only answer when
    they cover less or hold no candidate, and is left out when they cover it all. A small
    model left to write its answer restates the question, strings words together ("12 January
    16 16 16") or invents; it says "unknown" next to the answer, or names whatever it read when
    the results never mention what is asked. ``silent``: the stored documents never mention a
    thing the question asks about (``mentions.unmentioned``): "unknown" only.
    Two hops made (a ``bridged`` question whose two sentences name the same thing, ``link``):
    that thing is no answer and "unknown" is not offered (offered, the model took it). A
    lookup whose candidates' sentence shares no name with the other picks, from other
    documents, is judged by what that sentence covers alone (``own_coverage``). An email or
    web address offered says the question's "email address" itself (``shape_terms``)."""
    _, cands, cov = offer_basis(found, question, queries)
    if silent or cov < UNANSWERED or not cands:
        return f"^{UNKNOWN}$"
    options = [rx(c) for c in cands]
    if cov < ANSWERED:
        options.insert(0, UNKNOWN)
    return "^(" + "|".join(options) + ")$"


def offer_basis(
    found: list[tuple[str, str]], question: str, queries: tuple[str, ...] = ()
) -> tuple[list[str], list[str], float]:
    """The sentences an answer is offered from, its candidates, and how much of the question
    they cover as ``answer_pattern`` judges it (shape, two hops and one document's own
    coverage counted): what it offers and ``ground`` accepts are judged alike."""
    sents, cov = answer_sentences(found, question, queries)
    cands = candidates(sents, question)
    if given := shape_terms(question, cands):  # "email address" said by "a@b.fi" itself
        cov = coverage(question, sents, [x for _, t in found for x in sentences(t)], given)
    joined, two_hop = link(sents, question), bridged(question)
    if joined and two_hop:  # both hops made: the clause's sentence and the answer's name the
        cands = [c for c in cands if not terms(c) & joined]  # same thing
        cov = max(cov, ANSWERED)
    elif not (joined or two_hop) and (own := own_coverage(found, sents, question, cands)) < (
        UNANSWERED
    ):
        cov = own  # two documents that each say half of a lookup do not answer it
    return sents, cands, cov


def answer_schema(
    found: list[tuple[str, str]] = (),
    question: str = "",
    queries: tuple[str, ...] = (),
    silent: bool = False,
) -> dict:
    pattern = answer_pattern(list(found), question, queries, silent)
    answer = (
        {"type": "string", "pattern": pattern}
        if pattern
        else {"type": "string", "minLength": 1, "maxLength": ANSWER_CHARS}
    )
    return {
        "type": "object",
        "properties": {"answer": answer},
        "required": ["answer"],
        "additionalProperties": False,
    }


def step_schema(
    doc_names: list[str],
    question: str,
    may_call: bool,
    may_answer: bool,
    found=(),
    queries=(),
    silent: bool = False,
) -> dict:
    """Turn 1 (may_answer False) searches for the question's words: a whole document read
    first would be cut to the result budget before it reaches the fact; later turns may read a
    document a search named, or search for the question's words and the names found."""
    calls = (
        call_schemas(doc_names, question, read=may_answer, found=found, first=not may_answer)
        if may_call
        else []
    )
    options = calls + ([answer_schema(found, question, queries, silent)] if may_answer else [])
    return options[0] if len(options) == 1 else {"anyOf": options}


def to_message(
    reply: AIMessage,
    found: list[tuple[str, str]],
    question: str = "",
    queries: tuple[str, ...] = (),
) -> AIMessage:
    """The constrained JSON reply as LangChain's message: a tool call, or the answer with the
    document that supports it (``"... (source: NAME)"``), or NOT_FOUND."""
    try:
        obj = json.loads(reply.text)
    except json.JSONDecodeError:  # cut by max_tokens: keep the text, it is no call
        return reply
    if not isinstance(obj, dict):
        return reply
    keep = {"response_metadata": reply.response_metadata, "usage_metadata": reply.usage_metadata}
    if "tool" in obj:
        args = {k: v for k, v in obj.items() if k != "tool"}
        call = {"name": obj["tool"], "args": args, "id": "call_" + uuid.uuid4().hex[:12]}
        return AIMessage(content="", tool_calls=[call], id=reply.id, **keep)
    answer = str(obj.get("answer", "")).strip()
    if answer.lower() == UNKNOWN:
        return AIMessage(content=NOT_FOUND, id=reply.id, **keep)
    source = ground(answer, found, question, queries)
    text = f"{answer} (source: {source})" if source else NOT_FOUND
    return AIMessage(content=text, id=reply.id, **keep)


def call_key(call: dict) -> str:
    return json.dumps([call["name"], call["args"]], sort_keys=True).lower()
