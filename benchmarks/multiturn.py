"""Multi-turn benchmark: eviction scopes against the radix cache, in one fixed KV pool.

Two workloads, greedy, radix cache on, SGLang's default (overlap) scheduler:

* **agent**: ``--sessions`` concurrent sessions of ``--turns`` turns, each over its own
  documents (HotpotQA test paragraphs); turn 1 = documents + a question, later turns = the
  transcript so far (chat template, previous answers included) + a tool result or a new
  question. All sessions send turn k together; turn k+1 starts when every turn k has finished.
* **shared**: ``--questions`` questions over one document set (SQuAD test paragraphs); one
  question first (it fills the cache), then the rest at once; every other question is padded
  past the budget.

Per configuration (none; snapkv and lookaheadkv with scope prompt and suffix) and per turn:
requests running at once and KV held per running request, both from SGLang's decode log
(``#running-req``, ``#token`` = total - available - evictable, the tree's locked nodes counted
once), TTFT (first streamed chunk), cached and kept tokens. Cold check: ``--cold-sessions``
sessions' turn prompts (and ``--cold-questions`` questions) are re-sent one at a time after
``POST /flush_cache`` and their answers compared token by token with the concurrent run's; after
each, the next turn's prompt is sent for one token (its TTFT with the transcript cached).

usage: python benchmarks/multiturn.py [--sessions 32 --turns 4 ...] [--out results/multiturn.json]
       python benchmarks/multiturn.py --tables results/multiturn.json   (README tables)
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import json
import random
import statistics
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from serving import decode_counts, kv_summary, lookahead_checkpoint, model_dir, run_info  # noqa: E402

CONFIGS = (
    ("none", "prompt"),
    ("snapkv", "prompt"),
    ("snapkv", "suffix"),
    ("lookaheadkv", "prompt"),
    ("lookaheadkv", "suffix"),
)
LONG_TAIL = (
    " Answer from the document above only. Quote the shortest exact phrase that answers it; if"
    " several passages mention it, say which paragraph you used and why the others do not"
    " answer it, and do not add anything the document does not state. Keep the answer to one"
    " short sentence, with no list, no heading and no preamble, and do not repeat the question."
)


# ---------------------------------------------------------------- pure functions (tested)
def pack_paragraphs(paras: list[str], lengths: list[int], target: int) -> list[int]:
    """Indices of the first paragraphs whose lengths reach ``target`` tokens (at least one)."""
    out, total = [], 0
    for i, n in enumerate(lengths):
        if out and total >= target:
            break
        out.append(i)
        total += n
    return out


def turn_message(turn: int, tool: str, question: str) -> str:
    """User message of turn ``turn`` >= 2: a tool result (even turns) or a new question."""
    if turn % 2 == 0:
        return f"Tool result (search):\n{tool}\n\nQuestion: {question}"
    return f"Another question about the documents: {question}"


def same_tokens(a: list[int], b: list[int]) -> bool:
    return list(a) == list(b)


# ---------------------------------------------------------------- workloads
def build_sessions(tok, sessions: int, turns: int, doc_tokens: int, seed: int) -> list[dict]:
    """Per session: its documents, turn-1 question, and later turns' user messages."""
    from lkv_sglang.training.sources import hotpot

    items, paras = hotpot("test")
    rnd = random.Random(seed)
    rnd.shuffle(items := list(items))
    pool = [p.text for p in paras]
    out = []
    for s in range(sessions):
        item = items[s]
        filler = rnd.sample(pool, 40)
        texts = [p.text for p in item.gold] + filler
        keep = pack_paragraphs(texts, [len(tok(t).input_ids) for t in texts], doc_tokens)
        docs = [texts[i] for i in keep]
        rnd.shuffle(docs)
        later = []
        for k in range(2, turns + 1):
            other = items[(k - 1) * sessions + s]
            later.append(turn_message(k, "\n".join(p.text for p in other.gold), other.question))
        first = "Documents:\n\n" + "\n\n".join(docs) + f"\n\nQuestion: {item.question}"
        out.append({"first": first, "later": later})
    return out


def shared_set(tok, questions: int, doc_tokens: int) -> tuple[str, list[str]]:
    """(document, questions): SQuAD test paragraphs of one article and its questions."""
    from lkv_sglang.training.sources import squad

    items, paras = squad("test")
    texts = [p.text for p in paras]
    keep = pack_paragraphs(texts, [len(tok(t).input_ids) for t in texts], doc_tokens)
    doc = "\n\n".join(texts[i] for i in keep)
    inside = [it.question for it in items if it.gold[0].text in {texts[i] for i in keep}]
    qs = [q + (LONG_TAIL if i % 2 else "") for i, q in enumerate(inside[:questions])]
    return doc, qs


def chat_ids(tok, messages: list[dict]) -> list[int]:
    text = tok.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
    return tok(text, add_special_tokens=False).input_ids


# ---------------------------------------------------------------- talking to the server
def stream(url: str, ids: list[int], new_tokens: int, custom: dict | None) -> dict:
    sp = {"max_new_tokens": new_tokens, "temperature": 0}
    if custom:
        sp["custom_params"] = custom
    body = {"input_ids": ids, "stream": True, "sampling_params": sp}
    req = urllib.request.Request(
        url + "/generate", json.dumps(body).encode(), {"Content-Type": "application/json"}
    )
    t0, ttft, chunks = time.perf_counter(), None, []
    with urllib.request.urlopen(req, timeout=3600) as resp:
        for raw in resp:
            line = raw.decode().strip()
            if not line.startswith("data:") or line == "data: [DONE]":
                continue
            ttft = ttft if ttft is not None else time.perf_counter() - t0
            chunks.append(json.loads(line[5:]))
    last = chunks[-1]
    meta = last["meta_info"]
    n = meta.get("completion_tokens", 0)
    out_ids = last.get("output_ids", [])
    if len(out_ids) != n:  # incremental stream: concatenate the deltas
        out_ids = [i for c in chunks for i in c.get("output_ids", [])]
    report = (meta.get("lkv_eviction") or [{}])[0]
    return {
        "ttft_s": round(ttft, 3),
        "latency_s": round(time.perf_counter() - t0, 3),
        "prompt_tokens": len(ids),
        "cached_tokens": meta.get("cached_tokens"),
        "kept_tokens": report.get("kept_tokens", len(ids)),
        "kv_tokens": report.get("kv_tokens", len(ids)),
        "pruned": report.get("pruned", False),
        "eviction_ms": report.get("eviction_ms", 0.0),
        "scope": report.get("scope"),
        "error": report.get("error"),
        "completion_tokens": n,
        "output_ids": out_ids,
        "text": last.get("text", ""),
    }


def flush(server) -> dict:
    """Wait until idle, flush the radix cache, return the idle pool counts afterwards."""
    server.wait_idle(timeout=10)
    for _ in range(60):
        req = urllib.request.Request(server.url + "/flush_cache", b"{}", method="POST")
        try:
            with urllib.request.urlopen(req, timeout=60) as r:
                if r.status == 200:
                    break
        except urllib.error.HTTPError:
            pass
        time.sleep(1)
    return server.wait_idle(timeout=10)


class LogSlice:
    """The server log's lines written between ``__enter__`` and ``__exit__``."""

    def __init__(self, log: Path):
        self.log = log

    def __enter__(self):
        time.sleep(1.5)
        self.start = self.log.stat().st_size
        return self

    def __exit__(self, *exc):
        time.sleep(1.5)
        with open(self.log, "rb") as f:
            f.seek(self.start)
            self.text = f.read().decode(errors="replace")


def custom(policy: str, scope: str, budget: int) -> dict:
    if policy == "none":
        return {"eviction": "none"}
    return {"eviction": policy, "eviction_budget": budget, "eviction_scope": scope}


def brief(r: dict) -> dict:
    return {k: v for k, v in r.items() if k not in ("output_ids", "text")}


# ---------------------------------------------------------------- one configuration
def run_agent(server, tok, sessions, args, cp) -> tuple[list, list, list]:
    """Concurrent sessions, turn by turn. Returns per-turn figures and each session's prompts."""
    transcripts = [[{"role": "user", "content": s["first"]}] for s in sessions]
    prompts: list[list[list[int]]] = [[] for _ in sessions]
    answers: list[list[list[int]]] = [[] for _ in sessions]
    turns = []
    for k in range(args.turns):
        if k:
            for s, sess in enumerate(sessions):
                transcripts[s].append({"role": "user", "content": sess["later"][k - 1]})
        ids = [chat_ids(tok, t) for t in transcripts]
        with LogSlice(server.log) as sl, cf.ThreadPoolExecutor(len(ids)) as pool:
            results = list(pool.map(lambda x: stream(server.url, x, args.new_tokens, cp), ids))
        for s, r in enumerate(results):
            prompts[s].append(ids[s])
            answers[s].append(r["output_ids"])
            transcripts[s].append({"role": "assistant", "content": r["text"]})
        turns.append(turn_figures(k + 1, results, sl.text))
    return turns, prompts, answers


def turn_figures(turn: int, results: list[dict], log_slice: str) -> dict:
    m = lambda key: round(statistics.mean(r[key] for r in results), 3)  # noqa: E731
    return {
        "turn": turn,
        **kv_summary(decode_counts(log_slice)),
        "requests": len(results),
        "prompt_tokens_mean": m("prompt_tokens"),
        "cached_tokens_mean": m("cached_tokens"),
        "kept_tokens_mean": m("kept_tokens"),
        "generated_tokens_max": max(r["completion_tokens"] for r in results),
        "pruned": sum(bool(r["pruned"]) for r in results),
        "errors": [r["error"] for r in results if r["error"]],
        "ttft_mean_s": m("ttft_s"),
        "ttft_p50_s": round(statistics.median(r["ttft_s"] for r in results), 3),
        "eviction_ms_mean": m("eviction_ms"),
        "per_request": [brief(r) for r in results],
    }


def cold_check(server, chains: list[list[list[int]]], seen, args, cp, first=True) -> list[dict]:
    """Each chain's prompts in order, one at a time: after a flush, prompt k cold (full answer,
    compared with the concurrent run's), then prompt k+1 for one token only: its warm TTFT, with
    prompt k in the tree (turn k+1 = turn k + answer + a new message). ``first=False``: the
    first prompt is only prefilled (1 token) to fill the tree, not compared."""
    rows = []
    for c, chain in enumerate(chains):
        warm = None
        for k, ids in enumerate(chain):
            flush(server)
            if k == 0 and not first:
                stream(server.url, ids, 1, cp)
            else:
                cold = stream(server.url, ids, args.new_tokens, cp)
                rows.append(
                    {
                        "chain": c,
                        "turn": k + 1,
                        "concurrent_equals_cold": same_tokens(seen[c][k], cold["output_ids"]),
                        "warm_first_token_equals_cold": None
                        if warm is None
                        else warm["output_ids"][:1] == cold["output_ids"][:1],
                        "warm_1_token": None if warm is None else brief(warm),
                        "cold": brief(cold),
                    }
                )
            if k + 1 < len(chain):
                warm = stream(server.url, chain[k + 1], 1, cp)
    return rows


def run_shared(server, tok, doc, questions, args, cp) -> tuple[dict, list, list]:
    ids = [
        chat_ids(tok, [{"role": "user", "content": f"{doc}\n\nQuestion: {q}"}]) for q in questions
    ]
    first = stream(server.url, ids[0], args.new_tokens, cp)
    with LogSlice(server.log) as sl, cf.ThreadPoolExecutor(len(ids) - 1) as pool:
        rest = list(pool.map(lambda x: stream(server.url, x, args.new_tokens, cp), ids[1:]))
    results = [first, *rest]
    fig = turn_figures(1, results, sl.text)
    del fig["turn"]
    long_q = [r for r in results if r["prompt_tokens"] - (r["cached_tokens"] or 0) > args.budget]
    fig["questions_past_cache_longer_than_budget"] = len(long_q)
    fig["of_those_pruned"] = sum(bool(r["pruned"]) for r in long_q)
    return fig, ids, [r["output_ids"] for r in results]


def run_config(server, tok, policy, scope, sessions, doc, questions, args) -> dict:
    cp = custom(policy, scope, args.budget)
    t0 = time.perf_counter()
    pool_start = flush(server)
    turns, agent_cold, shared = [], [], {}
    if "agent" in args.workloads:
        turns, prompts, answers = run_agent(server, tok, sessions, args, cp)
        agent_cold = cold_check(
            server, prompts[: args.cold_sessions], answers, args, cp, first=args.cold_turn1
        )
        flush(server)
    if "shared" in args.workloads:
        shared, q_ids, q_answers = run_shared(server, tok, doc, questions, args, cp)
        pick = list(range(args.cold_questions))
        shared["cold_check"] = cold_check(
            server, [[q_ids[i]] for i in pick], [[q_answers[i]] for i in pick], args, cp
        )
    pool_end = flush(server)
    print(f"{policy}/{scope}: {time.perf_counter() - t0:.0f} s", file=sys.stderr, flush=True)
    return {
        "policy": policy,
        "scope": scope if policy != "none" else None,
        "pool_idle_before": pool_start,
        "pool_idle_after_flush": pool_end,
        "agent": {"turns": turns, "cold_check": agent_cold},
        "shared": shared,
        "wall_s": round(time.perf_counter() - t0, 1),
    }


# ---------------------------------------------------------------- goals
def goals(rows: list[dict], args) -> dict:
    """The issue's goals, each with the figures it was judged on."""
    by = {(r["policy"], r["scope"]): r for r in rows}
    none = by.get(("none", None))
    out = {}
    for (policy, scope), r in by.items():
        if policy == "none":
            continue
        key = f"{policy}/{scope}"
        turns = r["agent"]["turns"]
        if not turns:
            continue
        if scope == "prompt":
            kv_ok = [
                t["kv_per_running_max"] is not None
                and t["kv_per_running_max"] <= args.budget + t["generated_tokens_max"]
                for t in turns
            ]
            need = 0.8 * min(args.sessions, args.max_total_tokens / (args.budget + args.new_tokens))
            none_bound = (
                [t["running_max"] < args.sessions for t in none["agent"]["turns"]] if none else []
            )
            warm_cached = [
                c
                for c in r["agent"]["cold_check"]
                if c["warm_1_token"] and c["warm_1_token"]["cached_tokens"]
            ]
            out[f"agent {key}: kv per running <= budget + generated, every turn"] = {
                "met": all(kv_ok),
                "per_turn": [t["kv_per_running_max"] for t in turns],
                "bound_per_turn": [args.budget + t["generated_tokens_max"] for t in turns],
            }
            out[f"agent {key}: running at once >= {need:.1f} while none is pool-bound"] = {
                "met": all(t["running_max"] >= need for t in turns) and all(none_bound),
                "per_turn": [t["running_max"] for t in turns],
                "none_per_turn": [t["running_max"] for t in none["agent"]["turns"]]
                if none
                else None,
            }
            out[f"agent {key}: warm TTFT of turn >= 2 below cold TTFT"] = {
                "met": bool(warm_cached)
                and all(c["warm_1_token"]["ttft_s"] < c["cold"]["ttft_s"] for c in warm_cached),
                "warm_vs_cold_s": [
                    (c["warm_1_token"]["ttft_s"], c["cold"]["ttft_s"]) for c in warm_cached
                ],
            }
        checks = r["agent"]["cold_check"]
        out[f"agent {key}: answers equal cold answers"] = {
            "met": all(c["concurrent_equals_cold"] for c in checks),
            "concurrent_equal": sum(c["concurrent_equals_cold"] for c in checks),
            "concurrent_turns_with_cache_hit": [t["cached_tokens_mean"] > 0 for t in turns],
            "of": len(checks),
        }
    for policy in ("snapkv", "lookaheadkv"):
        cands = [
            by[(policy, s)] for s in ("prompt", "suffix") if by.get((policy, s), {}).get("shared")
        ]
        if not cands or not none:
            continue
        best = min(cands, key=lambda r: r["shared"]["kv_tokens_max"])
        s, n = best["shared"], none["shared"]
        out[f"shared {policy}: better scope ({best['scope']}) holds <= none, runs >= none"] = {
            "met": s["kv_tokens_max"] <= n["kv_tokens_max"]
            and s["running_max"] >= n["running_max"],
            "kv_tokens_max": {c["scope"]: c["shared"]["kv_tokens_max"] for c in cands}
            | {"none": n["kv_tokens_max"]},
            "running_max": {c["scope"]: c["shared"]["running_max"] for c in cands}
            | {"none": n["running_max"]},
        }
        for c in cands:
            sh = c["shared"]
            out[f"shared {policy}/{c['scope']}: questions longer than the budget are pruned"] = {
                "met": sh["of_those_pruned"] == sh["questions_past_cache_longer_than_budget"] > 0,
                "longer": sh["questions_past_cache_longer_than_budget"],
                "pruned": sh["of_those_pruned"],
            }
    return out


def label(row: dict) -> str:
    return row["policy"] + (f" / {row['scope']}" if row["scope"] else "")


def tables(doc: dict) -> str:
    """Markdown tables (README) from a results file."""
    sz = doc["sizes"]
    bound = sz["budget"] + sz["max_new_tokens"]
    lines = [
        f"Agent-like: {sz['sessions']} sessions x {sz['turns']} turns, pool {sz['kv_pool_tokens']}"
        f" tokens, budget {sz['budget']}, {sz['max_new_tokens']} new tokens (KV bound {bound}).",
        "",
        "| policy / scope | turn | running at once (max) | KV per running req (max / mean) "
        "| prompt tokens | cached | kept | TTFT mean s | = cold |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in doc["configs"]:
        name = label(r)
        eq = {c["turn"]: c["concurrent_equals_cold"] for c in r["agent"]["cold_check"]}
        for t in r["agent"]["turns"]:
            lines.append(
                f"| {name} | {t['turn']} | {t['running_max']} | {t['kv_per_running_max']} / "
                f"{t['kv_per_running_mean']} | {t['prompt_tokens_mean']:.0f} | "
                f"{t['cached_tokens_mean']:.0f} | {t['kept_tokens_mean']:.0f} | "
                f"{t['ttft_mean_s']:.1f} | {eq.get(t['turn'], '-')} |"
            )
    lines += [
        "",
        f"Shared document ({sz['shared_doc_tokens']} tokens), {sz['questions']} questions:",
        "",
        "| policy / scope | running at once (max) | KV in use (max) | KV per running req (at max) "
        "| questions past the cache > budget: pruned | TTFT mean s | = cold |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in doc["configs"]:
        name = label(r)
        sh = r["shared"]
        if not sh:
            continue
        eq = all(c["concurrent_equals_cold"] for c in sh["cold_check"])
        lines.append(
            f"| {name} | {sh['running_max']} | {sh['kv_tokens_max']} | "
            f"{sh['kv_per_running_at_running_max']} | {sh['of_those_pruned']} of "
            f"{sh['questions_past_cache_longer_than_budget']} | {sh['ttft_mean_s']:.1f} | {eq} |"
        )
    lines += ["", "| goal | met |", "|---|---|"]
    lines += [f"| {k} | {'yes' if v['met'] else 'no'} |" for k, v in doc["goals"].items()]
    return "\n".join(lines)


def main() -> None:
    if sys.argv[1:2] == ["--tables"]:
        print(tables(json.loads(Path(sys.argv[2]).read_text())))
        return
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="smollm2-135m")
    ap.add_argument("--sessions", type=int, default=32)
    ap.add_argument("--turns", type=int, default=4)
    ap.add_argument("--doc-tokens", type=int, default=1500, help="per session, at least")
    ap.add_argument("--questions", type=int, default=24)
    ap.add_argument("--shared-doc-tokens", type=int, default=2000)
    ap.add_argument("--budget", type=int, default=64)
    ap.add_argument("--new-tokens", type=int, default=24)
    ap.add_argument("--max-total-tokens", type=int, default=8192, help="the KV pool")
    ap.add_argument("--cold-sessions", type=int, default=4)
    ap.add_argument("--cold-questions", type=int, default=3)
    ap.add_argument(
        "--no-cold-turn1",
        dest="cold_turn1",
        action="store_false",
        help="turn 1 of a cold-check chain only fills the tree (it had no cache hit anyway)",
    )
    ap.add_argument("--configs", default=",".join(f"{p}/{s}" for p, s in CONFIGS))
    ap.add_argument("--workloads", default="agent,shared")
    ap.add_argument("--mem-fraction-static", type=float, default=0.2)
    ap.add_argument("--note", default="", help="why the sizes differ from the issue's")
    ap.add_argument("--out", default="results/multiturn.json")
    ap.add_argument("--workdir", default=None)
    args = ap.parse_args()

    from transformers import AutoTokenizer

    from lkv_sglang.launcher import start_server

    configs = [tuple(c.split("/")) for c in args.configs.split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(args.workdir or tmp)
        model = model_dir(args.model, work)
        tok = AutoTokenizer.from_pretrained(model)
        sessions = build_sessions(tok, args.sessions, args.turns, args.doc_tokens, seed=0)
        doc, questions = shared_set(tok, args.questions, args.shared_doc_tokens)
        lookahead, kind = lookahead_checkpoint(model, work)
        flags = ["--decode-log-interval", "1", "--eviction", "lookaheadkv"]
        flags += ["--eviction-budget", str(args.budget), "--lookahead-path", lookahead]
        flags += ["--mem-fraction-static", str(args.mem_fraction_static)]
        t0 = time.perf_counter()
        server = start_server(
            model, flags, work / "server", max_total_tokens=args.max_total_tokens, timeout=900
        )
        rows = []
        try:
            for p, s in configs:
                rows.append(run_config(server, tok, p, s, sessions, doc, questions, args))
                partial = work / "multiturn.partial.json"
                partial.write_text(json.dumps(rows, indent=2) + "\n")
        finally:
            server.stop()
        for r in rows:
            r["scope"] = None if r["policy"] == "none" else r["scope"]
        doc_lens = [len(chat_ids(tok, [{"role": "user", "content": s["first"]}])) for s in sessions]
        out = {
            **run_info(args, server.command),
            "sizes": {
                "sessions": args.sessions,
                "turns": args.turns,
                "turn1_prompt_tokens": {"min": min(doc_lens), "max": max(doc_lens)},
                "shared_doc_tokens": len(tok(doc).input_ids),
                "questions": len(questions),
                "kv_pool_tokens": args.max_total_tokens,
                "budget": args.budget,
                "max_new_tokens": args.new_tokens,
                "page_size": 1,
                "note": args.note,
            },
            "server": "one server (--eviction lookaheadkv, shipped checkpoint: "
            f"{kind}) for every configuration, policy and scope per request (custom_params), "
            "radix cache flushed between configurations and checked back to the full pool",
            "how_measured": {
                "running_max": "max #running-req of SGLang's decode log lines in the turn",
                "kv_per_running": "#token / #running-req of each decode line (SGLang's total - "
                "available - evictable, locked tree nodes once); lines with #token 0 dropped",
                "ttft": "time to the first streamed chunk of /generate",
                "cold_check": "per chain and turn: flush, the turn prompt alone (cold, full answer "
                "compared token by token with the concurrent run's), then the next turn's prompt "
                "for 1 token (warm TTFT: the previous turn's prompt is in the tree)",
            },
            "total_wall_s": round(time.perf_counter() - t0, 1),
            "configs": rows,
        }
        out["goals"] = goals(rows, args)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(out, indent=2) + "\n")
    print(json.dumps(out["goals"], indent=2))


if __name__ == "__main__":
    main()
