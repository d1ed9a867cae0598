"""Replay recorded agent runs offline: what each turn's tool results and answer options would be
under the code on the path, so two agent versions can be compared without a model.

usage: python -m lkv_app.bench_replay record OUT.jsonl [--results results/agent.json]
       python -m lkv_app.bench_replay compare OLD.jsonl NEW.jsonl

``record`` reruns every recorded run's tool calls (``runs[i].calls``) against the suite's store
and writes, per run and turn, a hash of the tool result and the answer pattern the agent would
offer (``steps.answer_pattern``). ``compare`` lists the runs where either differs. A run where
neither differs at any turn gives the model the same prompts and schemas under both versions,
so (greedy decoding) the same replies: its recorded outcome holds for the new version too.
"""

from __future__ import annotations

import argparse
import hashlib
import inspect
import json
import tempfile
from pathlib import Path

from .agent import steps
from .agent.tools import make_tools
from .agent_tasks import SUITES, entry_key
from .bench_agent import suite_documents
from .store import DocumentStore


def _silence(docs: dict[str, bytes]):
    """``mentions.unmentioned`` over the suite's documents, where this version has it."""
    try:
        from .agent.mentions import unmentioned, vocabulary
    except ImportError:
        return lambda question: False
    vocab = vocabulary(raw.decode() for raw in docs.values())
    return lambda question: bool(unmentioned(question, vocab))


def record(results: Path, out: Path) -> int:
    data = json.loads(results.read_text())
    takes_silent = "silent" in inspect.signature(steps.answer_pattern).parameters
    n = 0
    with out.open("w") as fh, tempfile.TemporaryDirectory() as tmp:
        for suite in SUITES:
            store = DocumentStore(Path(tmp) / suite)
            docs = suite_documents(suite)
            for name, raw in docs.items():
                store.ingest(name, raw)
            silent = _silence(docs)
            keys = [k for k in data if "/" in k and k == entry_key(*k.split("/")[:2], suite)]
            for key in keys:
                for i, run in enumerate(data[key].get("runs", [])):
                    q = run["question"]
                    tools = {t.name: t for t in make_tools(store, question=q)}
                    kw = {"silent": silent(q)} if takes_silent else {}
                    found, queries = [], ()
                    for turn, (name, call) in enumerate(
                        zip(run["tools"], run["calls"], strict=False)
                    ):
                        args = json.loads(call)
                        text = tools[name].invoke(args)
                        found += steps.passages(text)
                        queries += (args["query"],) if "query" in args else ()
                        row = {
                            "key": key,
                            "run": i,
                            "turn": turn,
                            "result": hashlib.sha1(text.encode()).hexdigest()[:12],
                            "pattern": steps.answer_pattern(found, q, queries, **kw),
                        }
                        fh.write(json.dumps(row) + "\n")
                        n += 1
    return n


def compare(old: Path, new: Path) -> dict[str, list[int]]:
    """{results key: indices of the runs whose results or answer options differ}."""
    a = [json.loads(x) for x in old.open()]
    b = [json.loads(x) for x in new.open()]
    if [(r["key"], r["run"], r["turn"]) for r in a] != [(r["key"], r["run"], r["turn"]) for r in b]:
        raise SystemExit(
            f"{old} and {new} replay different runs: record both from one results file"
        )
    out: dict[str, list[int]] = {}
    for x, y in zip(a, b, strict=True):
        if (x["result"], x["pattern"]) != (y["result"], y["pattern"]):
            runs = out.setdefault(x["key"], [])
            if x["run"] not in runs:
                runs.append(x["run"])
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("record")
    r.add_argument("out", type=Path)
    r.add_argument("--results", type=Path, default=Path("results/agent.json"))
    c = sub.add_parser("compare")
    c.add_argument("old", type=Path)
    c.add_argument("new", type=Path)
    a = ap.parse_args(argv)
    if a.cmd == "record":
        print(f"{record(a.results, a.out)} turns -> {a.out}")
    else:
        print(json.dumps(compare(a.old, a.new), indent=1))


if __name__ == "__main__":
    main()
