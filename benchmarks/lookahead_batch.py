"""Lookahead pass per request vs shared by the requests that finish prefill together.

A burst of ``--requests`` concurrent lookaheadkv requests (``--prompt-len`` random tokens each,
distinct, so no radix hits) goes to a fresh CPU SGLang server once with ``--lookahead-batch 1``
(one pass per request, as before batching) and once with ``--lookahead-batch N``; the two
settings alternate for ``--rounds`` rounds so both see the same machine load. The prefill
budget is large enough for the whole burst to prefill in one batch.

Reported per setting: the eviction time the scheduler spent on the burst (the sum of the
requests' ``eviction_ms``: each carries its share of its pass, plus its own selection and
compaction), the mean per request, the pass sizes seen, TTFT and the burst's wall time.

usage: python benchmarks/lookahead_batch.py [--model smollm2-135m] [--out results/lookahead_batch.json]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from collections import Counter
from pathlib import Path

from common import print_table, write_result
from serving import lookahead_checkpoint, model_dir, send_burst

from lkv_sglang.launcher import start_server


def burst(model: Path, batch: int, args, work: Path, lookahead: str, seed: int) -> dict:
    flags = ["--disable-overlap-schedule", "--eviction", "lookaheadkv", "--eviction-budget", str(args.budget),
             "--lookahead-path", lookahead, "--lookahead-batch", str(batch),
             "--chunked-prefill-size", str(args.requests * args.prompt_len),
             "--max-prefill-tokens", str(args.requests * args.prompt_len)]  # fmt: skip
    total = args.requests * (args.prompt_len + args.new_tokens) + 1024
    server = start_server(
        model, flags, work / f"batch{batch}_{seed}", max_total_tokens=total, timeout=600
    )
    try:
        results, wall = send_burst(
            server, model, args.requests, args.prompt_len, args.new_tokens, seed
        )
        prunes = server.events("prune")
        if len(prunes) != args.requests or not all(p["pruned"] for p in prunes):
            raise RuntimeError(f"expected {args.requests} pruned requests, got {prunes}")
        return {
            "eviction_ms_sum": sum(p["eviction_ms"] for p in prunes),
            "eviction_ms_mean": statistics.mean(p["eviction_ms"] for p in prunes),
            "pass_sizes": sorted(Counter(p["lookahead_batch"] for p in prunes).items()),
            "ttft_mean_s": statistics.mean(r["ttft_s"] for r in results),
            "wall_s": wall,
        }
    finally:
        server.stop()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="smollm2-135m")
    ap.add_argument("--requests", type=int, default=8)
    ap.add_argument("--prompt-len", type=int, default=1024)
    ap.add_argument("--new-tokens", type=int, default=4)
    ap.add_argument("--budget", type=int, default=64)
    ap.add_argument("--batch", type=int, default=8, help="--lookahead-batch compared with 1")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--out", default="lookahead_batch", help="results/<out>.json")
    args = ap.parse_args()
    settings = [1, args.batch]
    runs: dict[int, list[dict]] = {b: [] for b in settings}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        model = model_dir(args.model, work)
        lookahead, kind = lookahead_checkpoint(model, work)
        for r in range(args.rounds):
            for b in settings if r % 2 == 0 else settings[::-1]:
                runs[b].append(burst(model, b, args, work, lookahead, seed=r))
                print(f"round {r} batch {b}: {runs[b][-1]}", flush=True)
    figures = {}
    for b in settings:
        rows = runs[b]
        figures[f"lookahead_batch={b}"] = {
            "eviction_ms_sum_mean": round(statistics.mean(x["eviction_ms_sum"] for x in rows), 1),
            "eviction_ms_per_request_mean": round(
                statistics.mean(x["eviction_ms_mean"] for x in rows), 1
            ),
            "pass_sizes_seen": sorted({s for x in rows for s, _ in x["pass_sizes"]}),
            "ttft_mean_s": round(statistics.mean(x["ttft_mean_s"] for x in rows), 3),
            "wall_s_mean": round(statistics.mean(x["wall_s"] for x in rows), 2),
            "rounds": rows,
        }
    one, many = figures["lookahead_batch=1"], figures[f"lookahead_batch={args.batch}"]
    ratio = round(many["eviction_ms_sum_mean"] / one["eviction_ms_sum_mean"], 3)
    cols = ["evict_sum", "evict_req", "ttft_s", "wall_s"]
    keys = ["eviction_ms_sum_mean", "eviction_ms_per_request_mean", "ttft_mean_s", "wall_s_mean"]
    print_table(f"{args.requests} x {args.prompt_len} tokens, {args.model}, CPU", list(figures), cols,
                lambda r, c: figures[r][keys[cols.index(c)]])  # fmt: skip
    print(f"eviction time, batched / per request: {ratio}")
    out = write_result(args.out, {
        "model": args.model,
        "lookahead_checkpoint": kind,
        "device": "cpu (torch_native attention, fp32, torch references for scoring and compaction)",
        "settings": {k: getattr(args, k) for k in ("requests", "prompt_len", "new_tokens", "budget", "batch",
                                                   "rounds")},
        "eviction_ms_ratio_batched_to_per_request": ratio,
        "figures": figures,
    })  # fmt: skip
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
