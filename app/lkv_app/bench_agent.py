"""How often the agent completes a small document task on a running server.

A task is completed when the agent called at least one tool, then answered, and the answer
holds the expected word. ``python -m lkv_app.bench_agent --server URL --out results/agent.json``
adds (or replaces) this model's entry in the JSON file.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

from .agent import AgentSettings, collect
from .chat_model import ChatLookaheadKV
from .server import server_info
from .store import DocumentStore

DOCS = {
    "mars_log.txt": "Mission log, sol 412. The sky on Mars is butterscotch during the day. "
    "The rover is named Perseverance and it drove 212 metres today.",
    "cats.md": "# Cats\nA group of cats is called a clowder. Cats sleep about 15 hours a day.",
    "kitchen.txt": "Soup notes: the secret ingredient of the house soup is smoked paprika.",
    "robot.md": "# Robot spec\nThe inspection robot has six legs and a battery of 40 Wh.",
}
TASKS = [
    ("What colour is the sky on Mars during the day?", "butterscotch"),
    ("What is the secret ingredient of the house soup?", "paprika"),
    ("How many legs does the inspection robot have?", "six"),
    ("What is the rover on Mars named?", "perseverance"),
    ("How far did the rover drive today?", "212"),
]


def run_tasks(url: str, settings: AgentSettings, store: DocumentStore) -> list[dict]:
    llm = ChatLookaheadKV(base_url=url + "/v1", temperature=0, max_retries=0, timeout=600)
    rows = []
    for question, expected in TASKS:
        t0 = time.perf_counter()
        run = collect(question, store, llm, settings)
        correct = expected in run.answer.lower()
        rows.append(
            {
                "question": question,
                "expected": expected,
                "answer": run.answer,
                "tools": run.tools_used,
                "answered": run.completed,
                "correct": correct,
                "completed": run.completed and correct and bool(run.tools_used),
                "stop_reason": run.stop_reason,
                "seconds": round(time.perf_counter() - t0, 1),
            }
        )
        print(json.dumps(rows[-1]), flush=True)
    return rows


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--server", default="http://127.0.0.1:30000")
    ap.add_argument("--out", default="results/agent.json")
    ap.add_argument("--eviction", default=None)
    ap.add_argument("--budget", type=int, default=256)
    ap.add_argument("--max-turns", type=int, default=4)
    ap.add_argument("--tool-call-parser", default="hermes", help="as the server was started")
    ap.add_argument("--strict", action="store_true", help="only the server parser's tool calls")
    a = ap.parse_args(argv)
    info = server_info(a.server)
    settings = AgentSettings(
        max_turns=a.max_turns,
        eviction=a.eviction,
        eviction_budget=a.budget,
        lenient_tool_calls=not a.strict,
    )
    with tempfile.TemporaryDirectory() as tmp:
        store = DocumentStore(tmp)
        for name, text in DOCS.items():
            store.ingest(name, text.encode())
        rows = run_tasks(info.url, settings, store)
    n = len(rows)
    entry = {
        "command": "python -m lkv_app.bench_agent "
        + " ".join(argv if argv is not None else sys.argv[1:]),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPU cores shared with other jobs, "
        f"{platform.platform()}",
        "model": info.model_path,
        "tool_call_parser": a.tool_call_parser,
        "eviction": a.eviction or "server default",
        "budget": a.budget,
        "max_turns": a.max_turns,
        "tasks": n,
        "completed": sum(r["completed"] for r in rows),
        "completion_rate": round(sum(r["completed"] for r in rows) / n, 3),
        "called_a_tool": sum(bool(r["tools"]) for r in rows),
        "answer_correct_with_or_without_tools": sum(r["correct"] for r in rows),
        "mean_seconds": round(sum(r["seconds"] for r in rows) / n, 1),
        "runs": rows,
    }
    out = Path(a.out)
    data = json.loads(out.read_text()) if out.is_file() else {}
    mode = "strict" if a.strict else "lenient"
    data[f"{Path(info.model_path or 'unknown').name}/{mode}/{a.eviction or 'default'}"] = entry
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(data, indent=2) + "\n")
    print(f"{entry['completed']}/{n} completed -> {out}")


if __name__ == "__main__":
    main()
