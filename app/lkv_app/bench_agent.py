"""How often the agent completes the task suite (``agent_tasks.py``) on a running server.

A task is completed when the agent called a tool, answered within the turn limit, and the
answer holds an expected string and names the right source document ("absent" tasks: the
answer says the documents do not say). Each configuration is sent per request
(``custom_params``), so one server serves all of them.
``python -m lkv_app.bench_agent --server URL --configs none,lookaheadkv@128,lookaheadkv@256``
adds this model's entries to ``results/agent.json``, task by task as they finish. A rerun
resumes: a task already recorded for a configuration (same question, same max_turns) is kept
and not run again; ``--fresh`` runs every task again. Each row lists its model calls (seconds,
prompt and generated tokens, what the schema allowed). Tasks run one at a time by default:
on a CPU server, concurrent tasks share the same cores and each one's calls wait for the others.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

from .agent import AgentSettings, collect
from .agent.steps import NOT_FOUND
from .agent_docs import agent_documents
from .agent_tasks import SUITE_DOCUMENTS, SUITES, Task, entry_key
from .chat_model import ChatLookaheadKV
from .examples import example_documents
from .server import server_info
from .store import DocumentStore


def suite_documents(suite: str) -> dict[str, bytes]:
    """What a suite's store holds: the examples, plus its ``SUITE_DOCUMENTS``."""
    extra = agent_documents()
    return example_documents() | {name: extra[name] for name in SUITE_DOCUMENTS.get(suite, ())}


TIMING = "timing_jobs"
"""The key of ``timing_study``'s entry (kept by reruns)."""


def score(task: Task, answer: str) -> tuple[bool, bool]:
    """(answer right, source named right)."""
    if task.kind == "absent":
        return answer == NOT_FOUND, answer == NOT_FOUND
    text = answer.lower().replace(",", "")
    right = any(e.lower() in text for e in task.expected)
    return right, f"(source: {task.source})".lower() in answer.lower()


def run_task(llm: ChatLookaheadKV, settings: AgentSettings, store: DocumentStore, task: Task):
    t0 = time.perf_counter()
    run = collect(task.question, store, llm, settings)
    right, sourced = score(task, run.answer)
    kept = [
        (s.eviction.kept_tokens, s.eviction.prompt_tokens)
        for s in run.steps
        if s.eviction is not None and s.kind != "tool_result"
    ]
    row = {
        "kind": task.kind,
        "question": task.question,
        "expected": list(task.expected) or NOT_FOUND,
        "answer": run.answer,
        "tools": run.tools_used,
        "calls": [s.text for s in run.steps if s.kind == "tool_call"],
        "correct": right,
        "source_named": sourced,
        "completed": run.completed and right and sourced and bool(run.tools_used),
        "stop_reason": run.stop_reason,
        "kept_of_prompt_per_turn": kept,
        "model_calls": [c for s in run.steps for c in s.calls],
        "seconds": round(time.perf_counter() - t0, 1),
    }
    print(json.dumps(row), flush=True)
    return row


def summary(rows: list[dict]) -> dict:
    n = len(rows)
    out = {
        "tasks": n,
        "completed": sum(r["completed"] for r in rows),
        "completion_rate": round(sum(r["completed"] for r in rows) / n, 3),
        "called_a_tool": sum(bool(r["tools"]) for r in rows),
        "hit_turn_limit": sum(not r["stop_reason"] == "answered" for r in rows),
        "pruned_turns": sum(k < p for r in rows for k, p in r["kept_of_prompt_per_turn"]),
        "mean_seconds": round(sum(r["seconds"] for r in rows) / n, 1),
    }
    calls = [c for r in rows for c in r.get("model_calls", [])]
    if calls:
        out["model_calls"] = len(calls)
        out["mean_call_seconds"] = round(sum(c["seconds"] for c in calls) / len(calls), 2)
    for kind in ("lookup", "two_hop", "absent"):
        sub = [r for r in rows if r["kind"] == kind]
        out[kind] = f"{sum(r['completed'] for r in sub)}/{len(sub)}"
    return out


def mixed(tasks) -> list[tuple[int, Task]]:
    """(index, task) taking the kinds in turn, so a run cut short still covers every kind."""
    by_kind: dict[str, list] = {}
    for i, t in enumerate(tasks):
        by_kind.setdefault(t.kind, []).append((i, t))
    queues, out = list(by_kind.values()), []
    while any(queues):
        out += [q.pop(0) for q in queues if q]
    return out


def machine() -> str:
    return (
        f"{platform.machine()}, {os.cpu_count()} CPU cores shared with other jobs, "
        f"{platform.platform()}"
    )


def model_label(path: str) -> str:
    """The served model's path with the home folder as ``~`` (no machine path in results)."""
    home = str(Path.home())
    return "~" + path[len(home) :] if path.startswith(home + os.sep) else path


def entry(a, info, policy: str, budget: int | None, rows: list[dict], argv) -> dict:
    done = [r for r in rows if r is not None]
    return {
        "command": "python -m lkv_app.bench_agent "
        + " ".join(argv if argv is not None else sys.argv[1:]),
        "machine": machine(),
        "jobs": a.jobs,
        "load_average_1min_at_write": round(os.getloadavg()[0], 2),
        "model": model_label(info.model_path),
        "eviction": policy,
        "budget": budget,
        "max_turns": a.max_turns,
        "tasks_run": f"{len(done)}/{len(rows)}",
        "summary": summary(done) if done else {},
        "runs": done,
    }


def timing_study(llm, configs: dict, store, tasks, jobs_list: list[int]) -> dict:
    """The same tasks x configurations run with each ``jobs`` (tasks at a time), one after the
    other: how long a model call and a task take when tasks share the server's cores."""
    out = {}
    work = [(key, task) for _, task in mixed(tasks) for key in configs]
    for jobs in jobs_list:
        load, t0 = os.getloadavg()[0], time.perf_counter()
        with ThreadPoolExecutor(jobs) as pool:
            rows = list(pool.map(lambda kt: run_task(llm, configs[kt[0]], store, kt[1]), work))
        secs = sorted(c["seconds"] for r in rows for c in r["model_calls"])
        out[f"jobs={jobs}"] = {
            "tasks": len(rows),
            "completed": sum(r["completed"] for r in rows),
            "wall_seconds": round(time.perf_counter() - t0, 1),
            "mean_task_seconds": round(sum(r["seconds"] for r in rows) / len(rows), 1),
            "model_calls": len(secs),
            "mean_call_seconds": round(sum(secs) / len(secs), 2),
            "median_call_seconds": secs[len(secs) // 2],
            "max_call_seconds": secs[-1],
            "load_average_1min_before": round(load, 2),
        }
    return out


def recorded(old: dict | None, tasks, max_turns: int) -> list[dict | None]:
    """Rows already recorded for these tasks (by question) under the same turn limit."""
    if not old or old.get("max_turns") != max_turns:
        return [None] * len(tasks)
    by_question = {r["question"]: r for r in old.get("runs", [])}
    return [by_question.get(t.question) for t in tasks]


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--server", default="http://127.0.0.1:30000")
    ap.add_argument("--out", default="results/agent.json")
    ap.add_argument(
        "--configs",
        default="none,lookaheadkv@128,lookaheadkv@256",
        help="comma-separated POLICY[@BUDGET], sent per request",
    )
    ap.add_argument("--max-turns", type=int, default=4)
    ap.add_argument("--suite", choices=sorted(SUITES), default="main")
    ap.add_argument("--limit", type=int, default=0, help="run only the first N tasks")
    ap.add_argument("--jobs", type=int, default=1, help="tasks run at a time (the server batches)")
    ap.add_argument("--fresh", action="store_true", help="run recorded tasks again")
    ap.add_argument(
        "--timing",
        default="",
        help="JOBS,JOBS...: instead of the suite, time the first --limit tasks at each jobs "
        "value (written under " + TIMING + ")",
    )
    a = ap.parse_args(argv)
    info = server_info(a.server)
    suite = SUITES[a.suite]
    tasks = suite[: a.limit] if a.limit else suite
    out = Path(a.out)
    data = json.loads(out.read_text()) if out.is_file() else {}
    data = {
        k: v for k, v in data.items() if isinstance(v, dict) and ("summary" in v or k == TIMING)
    }
    model = Path(info.model_path or "unknown").name

    def key_of(config: str) -> str:
        return entry_key(model, config, a.suite)

    llm = ChatLookaheadKV(base_url=info.url + "/v1", temperature=0, max_retries=0, timeout=1800)
    configs = {}
    for key in a.configs.split(","):
        policy, _, b = key.partition("@")
        configs[key] = AgentSettings(
            max_turns=a.max_turns, eviction=policy, eviction_budget=int(b) if b else None
        )
    rows = {
        key: recorded(None if a.fresh else data.get(key_of(key)), tasks, a.max_turns)
        for key in configs
    }
    with tempfile.TemporaryDirectory() as tmp:
        store = DocumentStore(tmp)
        for name, raw in suite_documents(a.suite).items():
            store.ingest(name, raw)
        if a.timing:
            jobs_list = [int(j) for j in a.timing.split(",")]
            data[TIMING] = {
                "command": "python -m lkv_app.bench_agent "
                + " ".join(argv if argv is not None else sys.argv[1:]),
                "machine": machine(),
                "model": model_label(info.model_path),
                "configs": list(configs),
                "results": timing_study(llm, configs, store, tasks, jobs_list),
            }
            out.write_text(json.dumps(data, indent=2) + "\n")
            print(json.dumps(data[TIMING], indent=2))
            return
        with ThreadPoolExecutor(a.jobs) as pool:
            futures = {
                pool.submit(run_task, llm, settings, store, task): (key, i)
                for i, task in mixed(tasks)
                for key, settings in configs.items()
                if rows[key][i] is None
            }
            for fut in as_completed(futures):  # results are written as they arrive
                key, i = futures[fut]
                rows[key][i] = fut.result()
                s = configs[key]
                data[key_of(key)] = entry(a, info, s.eviction, s.eviction_budget, rows[key], argv)
                out.parent.mkdir(parents=True, exist_ok=True)
                out.write_text(json.dumps(data, indent=2) + "\n")
    for key in configs:
        print(key_of(key), json.dumps(data[key_of(key)]["summary"]))
    print(f"-> {out}")


if __name__ == "__main__":
    main()
