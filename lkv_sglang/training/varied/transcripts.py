"""The app's shapes: its QA prompt (system + numbered documents), multi-turn chats, agents."""

from __future__ import annotations

import json
import random

from .. import sources
from . import haystacks as hs
from .documents import gold_docs
from .family import Family
from .sample import pick
from .values import VALUE_TYPES, keys, value

NAMES = ("report", "notes", "minutes", "summary", "brief", "memo", "draft", "log")


def task(rng: random.Random, fam: Family, split: str, budget: int, ntok):
    """(documents, question, gold, meta): a SQuAD question over its article and distractors,
    or a needle hidden in one document of any text haystack."""
    if rng.random() < 0.5:
        item = rng.choice(sources.squad(split)[0])
        docs = hs.fill(rng, hs.wiki_docs(split), budget, ntok, keep=gold_docs(item))
        return docs, item.question, list(item.answers), {"task": "qa"}
    hay = rng.choice(("wiki", "pydoc", "essay", "log"))
    if hay in ("wiki", "pydoc"):
        pool = hs.wiki_docs(split) if hay == "wiki" else hs.pydoc_docs(split)
        docs = hs.fill(rng, [d for d in pool if ntok(d.text) < budget // 2], budget, ntok)
        docs = docs or [min(pool, key=lambda d: len(d.text))]
    else:
        n = rng.choice((1, 2, 3))
        docs = []
        for _ in range(n):
            text, ids = hs.haystack_text(rng, split, hay, budget // n, ntok)
            docs.append(hs.Doc(ids[0], f"{rng.choice(NAMES)}-{len(docs) + 1}.txt", text))
    vtype, key = rng.choice(VALUE_TYPES), keys(rng, 1)[0]
    val = value(rng, vtype)
    j = rng.randrange(len(docs))
    text, depth = hs.insert(
        rng, docs[j].text, pick(rng, fam.needle, key=key, value=val, noun=vtype)
    )
    docs[j] = hs.Doc(docs[j].doc_id, docs[j].title, text)
    q = pick(rng, fam.extra["needle_q"], key=key, noun=vtype)
    return docs, q, [val], {"task": "needle", "haystack": hay, "value_type": vtype, "depth": depth}


def ids_of(docs: list[hs.Doc]) -> list[str]:
    return sorted({d.doc_id for d in docs})


def system(rng: random.Random, fam: Family) -> list[dict]:
    return [{"role": "system", "content": pick(rng, fam.system)}] if fam.system else []


def app_qa(rng: random.Random, fam: Family, split: str, target: int, ntok):
    docs, q, gold, meta = task(rng, fam, split, target - 120, ntok)
    body = "\n\n".join(
        pick(rng, fam.doc, i=i, title=d.title, text=d.text) for i, d in enumerate(docs, 1)
    )
    intro = pick(rng, fam.intro)
    content = f"{intro}\n\n{body}\n\n{pick(rng, fam.question, q=q)}"
    return system(rng, fam) + [{"role": "user", "content": content}], gold, ids_of(docs), meta


def chat(rng: random.Random, fam: Family, split: str, target: int, ntok):
    docs, q, gold, meta = task(rng, fam, split, target - 60 - 20 * 6, ntok)
    turns = max(1, min(len(docs), rng.choice((2, 3, 4, 5, 6))))
    groups = [docs[i::turns] for i in range(turns)]
    msgs = system(rng, fam)
    for i, g in enumerate(groups, 1):
        text = "\n\n".join(d.text for d in g)
        msgs.append(
            {"role": "user", "content": pick(rng, fam.doc, i=i, title=g[0].title, text=text)}
        )
        msgs.append({"role": "assistant", "content": pick(rng, fam.extra["ack"], i=i)})
    msgs.append({"role": "user", "content": pick(rng, fam.question, q=q)})
    return msgs, gold, ids_of(docs), meta | {"turns": turns}


def _call(fam: Family, tool: str, arg_name: str | None = None, arg: str = "") -> str:
    tmpl = fam.extra["call"]
    if '"arguments"' in tmpl:
        args = json.dumps({arg_name: arg} if arg_name else {})
    else:
        args = arg
    return tmpl.format(tool=tool, args=args)


def agent(rng: random.Random, fam: Family, split: str, target: int, ntok):
    docs, q, gold, meta = task(rng, fam, split, target - 200, ntok)
    list_tool, search_tool, read_tool = fam.extra["tools"]
    role, result = fam.extra["result_role"], fam.extra["result"]
    msgs = system(rng, fam) + [{"role": "user", "content": pick(rng, fam.question, q=q)}]
    if rng.random() < 0.4 and list_tool != search_tool:
        msgs.append({"role": "assistant", "content": _call(fam, list_tool)})
        listing = "\n".join(f"{d.title} ({len(d.text)} chars)" for d in docs)
        msgs.append({"role": role, "content": listing})
    calls = max(1, min(len(docs), rng.choice((1, 2, 3))))
    groups = [docs[i::calls] for i in range(calls)]
    words = [w.strip("?.,") for w in q.split() if len(w) > 3]
    for g in groups:
        if len(g) == 1 and rng.random() < 0.5:
            call = _call(fam, read_tool, "name", g[0].title)
        else:
            call = _call(fam, search_tool, "query", " ".join(rng.sample(words, min(3, len(words)))))
        msgs.append({"role": "assistant", "content": call})
        body = "\n\n".join(
            result.format(i=i, title=d.title, text=d.text) for i, d in enumerate(g, 1)
        )
        msgs.append({"role": role, "content": body})
    return msgs, gold, ids_of(docs), meta | {"tool_calls": calls}
