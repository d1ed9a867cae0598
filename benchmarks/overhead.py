"""Eviction overhead: scoring + selection + pruning time over the prefill time of the same
prompt, per policy, side by side in one run, at several prompt lengths.

usage: python benchmarks/overhead.py [--lengths 1024 2048 4096] [--budget 128] [--repeats 2]
Writes results/overhead.json. The recording cost of SnapKV/PyramidKV/LAQ/H2O (their window or
all-query attention, computed during prefill) is the time spent inside the recording itself.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import print_table, write_result  # noqa: E402

from lkv_sglang.checkpoints import shipped_checkpoint  # noqa: E402
from lkv_sglang.core.plan import QuerySource  # noqa: E402
from lkv_sglang.core.policies import make_policy  # noqa: E402
from lkv_sglang.hf import load_model  # noqa: E402
from lkv_sglang.hf.cache import copy_cache, prune_cache  # noqa: E402
from lkv_sglang.hf.generate import eos_ids, prefill  # noqa: E402
from lkv_sglang.hf.geometry import load_lookahead, new_lookahead  # noqa: E402
from lkv_sglang.hf.lora import attach_lookahead  # noqa: E402
from lkv_sglang.hf.observe import observe  # noqa: E402
from lkv_sglang.hf.recorder import RECORDER  # noqa: E402
from lkv_sglang.runner import chat_ids  # noqa: E402
from lkv_sglang.training.prompts import needle  # noqa: E402

POLICIES = ["streamingllm", "h2o", "snapkv", "pyramidkv", "laq", "speckv", "lookaheadkv"]


def timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="smollm2-135m")
    ap.add_argument("--lengths", type=int, nargs="+", default=[1024, 2048, 4096])
    ap.add_argument("--budget", type=int, default=128)
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--lookahead", type=Path)
    a = ap.parse_args()
    model, tok = load_model(a.model)
    path = a.lookahead or shipped_checkpoint(a.model)
    la = load_lookahead(model, path) if path else new_lookahead(model, a.model)
    attach_lookahead(model, la)
    eos = eos_ids(model)
    ntok = lambda s: len(tok(s, add_special_tokens=False)["input_ids"])  # noqa: E731
    table: dict[str, dict[str, dict]] = {}
    for length in a.lengths:
        ex = needle(random.Random(length), "test", length, ntok)
        ids = chat_ids(tok, ex.user)
        n = ids.shape[1]
        runs: dict[str, list[float]] = {"prefill": []}
        for _ in range(a.repeats):
            t_plain, _ = timed(lambda: prefill(model, ids, make_policy("full")))
            runs["prefill"].append(t_plain)
            recorded = {}
            for mode in ("snapkv", "h2o"):
                RECORDER.seconds = 0.0
                out = prefill(model, ids, make_policy(mode))
                recorded[mode] = (RECORDER.seconds, out)  # time inside the recording itself
            for name in POLICIES:
                pol = make_policy(name)
                key = "h2o" if pol.query_source is QuerySource.PROMPT_ALL else "snapkv"
                rec_cost, (cache, first, pre) = recorded[key]
                if pol.query_source in (
                    QuerySource.NONE,
                    QuerySource.LOOKAHEAD,
                    QuerySource.DRAFT_MODEL,
                ):
                    rec_cost = 0.0  # these need no recording during prefill
                cache = copy_cache(cache)
                t_obs, obs = timed(
                    lambda: observe(model, pol, cache, n, first, a.budget, eos, pre, la, None)
                )
                t_sel, plan = timed(lambda: pol.select(obs, a.budget))
                t_prune, _ = timed(lambda: prune_cache(cache, plan))
                runs.setdefault(name, []).append(rec_cost + t_obs + t_sel + t_prune)
        pre_s = statistics.median(runs["prefill"])
        table[str(n)] = {"prompt_tokens": n, "prefill_s": pre_s} | {
            p: {
                "eviction_s": statistics.median(runs[p]),
                "ratio_to_prefill": statistics.median(runs[p]) / pre_s,
            }
            for p in POLICIES
        }
        print(
            f"N={n}: prefill {pre_s:.2f}s "
            + " ".join(f"{p} {table[str(n)][p]['ratio_to_prefill']:.1%}" for p in POLICIES),
            flush=True,
        )
    cols = list(table)
    print_table(
        "eviction overhead / prefill time (median)",
        POLICIES,
        cols,
        lambda r, c: f"{table[c][r]['ratio_to_prefill']:.1%}",
    )
    la_vs = {
        c: {
            p: table[c][p]["eviction_s"] / table[c]["lookaheadkv"]["eviction_s"]
            for p in ("laq", "speckv")
        }
        for c in cols
    }
    out = write_result(
        "overhead",
        {
            "model": a.model,
            "budget": a.budget,
            "repeats": a.repeats,
            "lookahead_checkpoint": str(path),
            "by_prompt_tokens": table,
            "laq_speckv_over_lookaheadkv": la_vs,
            "note": "CPU, transformers reference path, float32; scoring uses plain torch (no kernels)",
        },
    )
    print("wrote", out)


if __name__ == "__main__":
    main()
