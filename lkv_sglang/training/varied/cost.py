"""Measure what one lkv-data-v2 training step costs: rebuild, recompute, lookahead fwd/bwd.

usage: python -m lkv_sglang.training.varied.cost DATA_DIR [--split test_heldout] [--n 20]
Writes DATA_DIR/cost.json (copied into manifest.json as "training_step") and prints it.
"""

from __future__ import annotations

import argparse
import json
import resource
import time
from pathlib import Path

import torch

from ...hf import load_model
from ...hf.geometry import geometry, new_lookahead
from ...hf.lora import attach_lookahead
from ..forward import lookahead_scores
from ..ground_truth import kl_loss
from ..recompute import kv_and_truth
from .store import AnswerStore


def measure(root: Path, model_name: str, split: str, n: int) -> dict:
    model, tok = load_model(model_name)
    store = AnswerStore(root, tok)
    module = new_lookahead(model, model_name)
    attach_lookahead(model, module)
    kv_heads = geometry(model).num_kv_heads
    per = []
    for row in store.rows(split)[:n]:
        t0 = time.time()
        ids = store.prompt(row)
        t1 = time.time()
        K, V, truth = kv_and_truth(model, ids, row["answer_ids"], kv_heads)
        t2 = time.time()
        loss = kl_loss(truth, lookahead_scores(model, module, K, V))
        loss.backward()
        module.zero_grad()
        t3 = time.time()
        per.append(
            {
                "prompt_tokens": len(ids),
                "rebuild_s": t1 - t0,
                "recompute_s": t2 - t1,
                "lookahead_s": t3 - t2,
                "kv_bytes": K.nbytes + V.nbytes,
            }
        )
    if not per:
        raise ValueError(f"no rows in {root}/{split}.jsonl to measure")
    mean = lambda k: sum(p[k] for p in per) / len(per)  # noqa: E731
    out = {
        "examples": len(per),
        "split": split,
        "threads": torch.get_num_threads(),
        "mean_prompt_tokens": round(mean("prompt_tokens")),
        "mean_seconds": {k: round(mean(k), 2) for k in ("rebuild_s", "recompute_s", "lookahead_s")},
        "mean_step_seconds_per_example": round(
            mean("rebuild_s") + mean("recompute_s") + mean("lookahead_s"), 2
        ),
        "kv_bytes_in_memory_per_example_fp32": round(mean("kv_bytes")),
        "kv_bytes_per_token_fp16_if_stored": round(mean("kv_bytes") / mean("prompt_tokens") / 2),
        "peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
        "stored_bytes_per_example": "see answer_build.mean_bytes_per_row (no tensors stored)",
        "measured": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }
    (root / "cost.json").write_text(json.dumps(out, indent=2) + "\n")
    path = root / "manifest.json"  # a running build copies cost.json in at its next write too
    manifest = json.loads(path.read_text())
    manifest["training_step"] = out
    path.write_text(json.dumps(manifest, indent=2) + "\n")
    return out


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("data", type=Path)
    p.add_argument("--model", default="smollm2-135m")
    p.add_argument("--split", default="test_heldout")
    p.add_argument("--n", type=int, default=20)
    p.add_argument("--threads", type=int, default=1)
    a = p.parse_args(argv)
    torch.set_num_threads(a.threads)
    print(json.dumps(measure(a.data, a.model, a.split, a.n), indent=2))


if __name__ == "__main__":
    main()
