"""Serving benchmark: the same burst of requests against one fixed KV pool, per eviction setting.

For each setting a fresh CPU SGLang server (``--max-total-tokens`` fixed) gets ``--requests``
concurrent streamed requests of ``--prompt-len`` random tokens and ``--new-tokens`` greedy
tokens (ignore_eos), enough requests to fill the pool. Reported per setting, every count from
SGLang's own decode log (``--decode-log-interval 1``): requests running at once (max
``#running-req``) and KV held per running request (``#token / #running-req``, ``#token`` =
total - available - evictable); throughput, TTFT and its ratio to ``--eviction none``,
eviction time. SGLang's default (overlap) scheduler.

usage: python benchmarks/serving.py [--model tiny|smollm2-135m|DIR] [--out results/serving.json]
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import json
import os
import platform
import random
import re
import statistics
import sys
import tempfile
import time
import urllib.request
from importlib.metadata import version
from pathlib import Path

from lkv_sglang.launcher import Server, start_server

RUNNING = re.compile(r"Decode batch, #running-req: (\d+), #token: (\d+)")


def decode_counts(log_text: str) -> list[tuple[int, int]]:
    """(running requests, KV tokens in use) of every decode line; lines with no KV in use
    (printed after the batch finished) are left out."""
    return [(int(r), int(t)) for r, t in RUNNING.findall(log_text) if int(r) and int(t)]


def kv_summary(counts: list[tuple[int, int]]) -> dict:
    """Running at once and KV tokens per running request, from decode-log counts."""
    if not counts:
        return {"running_max": 0, "kv_per_running_max": None, "kv_per_running_mean": None}
    per = [t / r for r, t in counts]
    peak = max(counts, key=lambda c: (c[0], -c[1]))
    return {
        "running_max": peak[0],
        "running_mean": round(statistics.mean(r for r, _ in counts), 2),
        "kv_tokens_max": max(t for _, t in counts),
        "kv_per_running_max": round(max(per), 1),
        "kv_per_running_mean": round(statistics.mean(per), 1),
        "kv_per_running_at_running_max": round(peak[1] / peak[0], 1),
    }


def run_info(args, server_command: list[str]) -> dict:
    """Command, machine and model of a benchmark run."""
    return {
        "note": "the machine is shared with other jobs: absolute times are noisy; the running-at-once "
        "and KV figures come from SGLang's own accounting and do not depend on load",
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "server_command": " ".join(server_command[1:]),
        "machine": {
            "platform": platform.platform(),
            "processor": platform.processor() or platform.machine(),
            "cpus": os.cpu_count(),
            "torch": version("torch"),
            "sglang": version("sglang"),
            "device": "cpu (torch_native attention, fp32, no CUDA graphs, overlap scheduler on)",
        },
        "model": args.model,
    }


def model_dir(name: str, work: Path) -> Path:
    if name == "tiny":
        from lkv_sglang.models.tiny import build_tiny

        return build_tiny(work / "tiny_llama", "llama")
    from lkv_sglang.models import resolve_model

    return resolve_model(name)


def lookahead_checkpoint(model: Path, work: Path) -> tuple[str, str]:
    """(path, what it is): the shipped checkpoint when one exists, else an untrained one
    (timings are valid for it, answers are not)."""
    from lkv_sglang.models.fingerprint import default_lookahead_path

    shipped = default_lookahead_path(model)
    if shipped:
        return shipped, "shipped"
    from lkv_sglang.hf import load_model
    from lkv_sglang.hf.geometry import new_lookahead

    hf_model, _ = load_model(str(model))
    out = work / "lookahead_untrained"
    new_lookahead(hf_model, model.name).save(out)
    return str(out), "untrained (cost only)"


def stream_one(server: Server, ids: list[int], new_tokens: int) -> dict:
    body = {
        "input_ids": ids,
        "stream": True,
        "sampling_params": {"max_new_tokens": new_tokens, "temperature": 0, "ignore_eos": True},
    }
    req = urllib.request.Request(
        server.url + "/generate",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
    )
    t0 = time.perf_counter()
    ttft, last = None, {}
    with urllib.request.urlopen(req, timeout=1800) as resp:
        for raw in resp:
            line = raw.decode().strip()
            if not line.startswith("data:") or line == "data: [DONE]":
                continue
            if ttft is None:
                ttft = time.perf_counter() - t0
            last = json.loads(line[5:])
    return {
        "ttft_s": ttft,
        "latency_s": time.perf_counter() - t0,
        "completion_tokens": last.get("meta_info", {}).get("completion_tokens", 0),
    }


def send_burst(
    server: Server, model: Path, requests: int, prompt_len: int, new_tokens: int, seed: int = 0
) -> tuple[list[dict], float]:
    """``requests`` concurrent streamed requests of distinct random prompts: (per request, wall s)."""
    rnd = random.Random(seed)
    vocab = json.loads((model / "config.json").read_text())["vocab_size"]
    prompts = [[rnd.randrange(6, vocab) for _ in range(prompt_len)] for _ in range(requests)]
    t0 = time.perf_counter()
    with cf.ThreadPoolExecutor(requests) as pool:
        results = list(pool.map(lambda ids: stream_one(server, ids, new_tokens), prompts))
    return results, time.perf_counter() - t0


def run_setting(model: Path, policy: str, args, work: Path, lookahead: str | None) -> dict:
    flags = [
        "--decode-log-interval",
        "1",
        "--eviction",
        policy,
        "--eviction-budget",
        str(args.budget),
        "--mem-fraction-static",
        str(args.mem_fraction_static),
    ]
    if lookahead and policy == "lookaheadkv":
        flags += ["--lookahead-path", lookahead]
    server = start_server(
        model, flags, work / policy, max_total_tokens=args.max_total_tokens, timeout=600
    )
    try:
        results, wall = send_burst(server, model, args.requests, args.prompt_len, args.new_tokens)
        kv = kv_summary(decode_counts(server.log.read_text()))
        prunes = [
            p for p in server.events("prune") if p["prompt_tokens"] > 1
        ]  # not the health check
        return {
            "policy": policy,
            "requests_running_at_once_max": kv["running_max"],
            "requests_running_at_once_mean": kv.get("running_mean", 0),
            "kv_tokens_in_use_max": kv.get("kv_tokens_max"),
            "kv_tokens_per_running_request_at_max": kv.get("kv_per_running_at_running_max"),
            "kv_tokens_per_running_request_max": kv["kv_per_running_max"],
            "kv_tokens_per_running_request_mean": kv["kv_per_running_mean"],
            "pruned_requests": sum(bool(p["pruned"]) for p in prunes),
            "throughput_tokens_per_s": round(
                sum(r["completion_tokens"] for r in results) / wall, 2
            ),
            "ttft_mean_s": round(statistics.mean(r["ttft_s"] for r in results), 3),
            "ttft_p50_s": round(statistics.median(r["ttft_s"] for r in results), 3),
            "latency_mean_s": round(statistics.mean(r["latency_s"] for r in results), 3),
            "eviction_ms_mean": round(statistics.mean(p["eviction_ms"] for p in prunes), 2)
            if prunes
            else 0.0,
            "wall_s": round(wall, 2),
            "server_command": server.command,
        }
    finally:
        server.stop()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="tiny")
    ap.add_argument("--policies", default="none,snapkv,lookaheadkv")
    ap.add_argument("--budget", type=int, default=32)
    ap.add_argument("--max-total-tokens", type=int, default=2048)
    ap.add_argument("--prompt-len", type=int, default=300)
    ap.add_argument("--new-tokens", type=int, default=64)
    ap.add_argument("--requests", type=int, default=40, help="enough to fill the pool")
    ap.add_argument(
        "--mem-fraction-static",
        type=float,
        default=0.2,
        help="SGLang's; raise it when the weights leave no room on a busy machine",
    )
    ap.add_argument("--out", default="results/serving.json")
    ap.add_argument(
        "--workdir", default=None, help="keep server and accounting logs here (default: a temp dir)"
    )
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(args.workdir or tmp)
        model = model_dir(args.model, work)
        policies = args.policies.split(",")
        lookahead, lookahead_kind = (
            lookahead_checkpoint(model, work) if "lookaheadkv" in policies else (None, None)
        )
        rows = []
        for p in policies:
            rows.append(run_setting(model, p, args, work, lookahead))
            (work / "serving.partial.json").write_text(json.dumps(rows, indent=2))
    command = rows[0]["server_command"] if rows else []
    base = next((r for r in rows if r["policy"] == "none"), None)
    for r in rows:
        r.pop("server_command", None)
        r["ttft_ratio_to_none"] = round(r["ttft_mean_s"] / base["ttft_mean_s"], 3) if base else None
    out = {
        **run_info(args, command),
        "settings": {
            k: getattr(args, k)
            for k in ("budget", "max_total_tokens", "prompt_len", "new_tokens", "requests")
        },
        "lookahead_checkpoint": lookahead_kind,
        "figures": rows,
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(out, indent=2) + "\n")
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
