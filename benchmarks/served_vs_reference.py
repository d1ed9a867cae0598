"""Test prompts through the SGLang server equal the transformers reference path.

usage: python benchmarks/served_vs_reference.py [--model smollm2-135m] [--split test_heldout]
       [--n 20] [--policies lookaheadkv snapkv] [--budget 128] [--lookahead CKPT] [--name served_v2]

Starts one server for the model (default SmolLM2; its data: data/MODEL/lkv-data-v2) (SGLang's CPU engine here; ``--device cuda`` on a GPU) with the
plugin, sends the first N prompts of an lkv-data-v2 split once per policy (greedy, the same
number of new tokens as the model's stored answer plus 8, at most 64; EOS ignored on both
sides), and compares the served tokens with ``lkv_sglang.hf.generate`` for the same policy and
budget. Requests share the chat template's first tokens, so every request after the first
hits the radix cache: with the default scope ``prompt`` that must not change a token.
Writes results/NAME.json: per policy, how many of N are equal token for token, and each
prompt's first differing position.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import REPO, print_table, repo_relative, write_result  # noqa: E402

from lkv_sglang.checkpoints import shipped_checkpoint  # noqa: E402
from lkv_sglang.hf import generate, load_model  # noqa: E402
from lkv_sglang.hf.geometry import load_lookahead  # noqa: E402
from lkv_sglang.launcher import start_server  # noqa: E402
from lkv_sglang.models import resolve_model  # noqa: E402
from lkv_sglang.training.varied.store import AnswerStore  # noqa: E402


def first_difference(a: list[int], b: list[int]) -> int | None:
    for i, (x, y) in enumerate(zip(a, b, strict=False)):
        if x != y:
            return i
    return None if len(a) == len(b) else min(len(a), len(b))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="smollm2-135m", help="a registered model name")
    ap.add_argument("--data", type=Path, help="default: data/MODEL/lkv-data-v2")
    ap.add_argument("--split", default="test_heldout")
    ap.add_argument("--n", type=int, default=20)
    ap.add_argument("--policies", nargs="+", default=["lookaheadkv", "snapkv"])
    ap.add_argument("--budget", type=int, default=128)
    ap.add_argument("--lookahead", type=Path, help="default: the shipped checkpoint")
    ap.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    ap.add_argument("--name", default="served_v2")
    a = ap.parse_args()

    model, tok = load_model(a.model)
    ckpt = a.lookahead or shipped_checkpoint(a.model)
    if ckpt is None:
        raise SystemExit(f"no lookahead checkpoint ships for {a.model}: pass --lookahead")
    module = load_lookahead(model, ckpt)
    store = AnswerStore(a.data or REPO / "data" / a.model / "lkv-data-v2", tok)
    rows = store.rows(a.split)[: a.n]
    server = start_server(
        resolve_model(a.model),
        [
            "--eviction",
            "lookaheadkv",
            "--eviction-budget",
            str(a.budget),
            "--lookahead-path",
            str(ckpt),
            "--mem-fraction-static",
            "0.3",
        ],  # fmt: skip
        Path(tempfile.mkdtemp(prefix="served_v2_")),
        timeout=900,
        max_total_tokens=16384,
        device=a.device,
    )
    per: dict[str, list[dict]] = {p: [] for p in a.policies}
    t0 = time.time()
    try:
        for i, row in enumerate(rows):
            ids = store.prompt(row)
            max_new = min(64, len(row["answer_ids"]) + 8)
            for policy in a.policies:
                served = server.generate(ids, max_new, {"eviction": policy})
                want = generate(
                    model,
                    ids,
                    policy,
                    a.budget,
                    max_new,
                    lookahead=module if policy == "lookaheadkv" else None,
                    stop_on_eos=False,
                ).output_ids
                diff = first_difference(served["output_ids"], want)
                reports = served["meta_info"].get("lkv_eviction") or [{}]  # one per request
                report = reports[0] if isinstance(reports, list) else reports
                per[policy].append(
                    {
                        "id": row["id"],
                        "prompt_len": len(ids),
                        "cached_tokens": served["meta_info"].get("cached_tokens"),
                        "pruned": report.get("pruned"),
                        "equal": diff is None,
                        "first_difference": diff,
                        "new_tokens": max_new,
                    }
                )
            print(
                f"[{i + 1}/{len(rows)}] {row['id']} N={len(ids)} "
                + " ".join(f"{p}={'=' if per[p][-1]['equal'] else 'x'}" for p in a.policies)
                + f" {time.time() - t0:.0f}s",
                flush=True,
            )
    finally:
        server.stop()
    summary = {
        p: {
            "equal": sum(r["equal"] for r in rs),
            "prompts": len(rs),
            "pruned": sum(bool(r["pruned"]) for r in rs),
            "radix_hits": sum((r["cached_tokens"] or 0) > 0 for r in rs),
        }
        for p, rs in per.items()
    }
    print_table(
        f"served == reference ({a.split}, budget {a.budget})",
        list(summary),
        ["equal", "prompts", "pruned", "radix_hits"],
        lambda r, c: str(summary[r][c]),
    )
    out = write_result(
        a.name,
        {
            "model": a.model,
            "lookahead_checkpoint": repo_relative(ckpt),
            "split": a.split,
            "budget": a.budget,
            "summary": summary,
            "per_prompt": per,
            "seconds": time.time() - t0,
        },
    )
    print("wrote", out)


if __name__ == "__main__":
    main()
