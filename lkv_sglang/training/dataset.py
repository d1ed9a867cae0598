"""Build the versioned training dataset: prompts, the model's greedy answers, true importance.

Layout under ``out``: ``{split}.jsonl`` (prompt text, gold, answer, token ids, metadata),
``tensors/{id}.pt`` (true importance fp16; prompt KV fp16 for train/val), ``manifest.json``.
usage: python -m lkv_sglang.training.dataset OUT --train 160 --val 16 --test 40 [--seed 0]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import time
from pathlib import Path

import torch
from tqdm import tqdm

from ..core.policies import make_policy
from ..hf import load_model
from ..hf.cache import copy_cache, greedy_decode
from ..hf.generate import eos_ids, prefill
from ..hf.geometry import fingerprint, geometry
from ..hf.observe import teacher_forced_attention
from ..runner import chat_ids
from .ground_truth import importance_target
from .prompts import build_split

VERSION = "lkv-data-v1"


def answer_and_truth(model, ids: torch.Tensor, max_answer: int, keep_kv: bool) -> dict:
    """Greedy answer (<= max_answer tokens, EOS excluded) and its true importance (L, Hkv, N)."""
    g = geometry(model)
    n = ids.shape[1]
    cache, first, _ = prefill(model, ids, make_policy("full"))
    answer = greedy_decode(model, copy_cache(cache), first, n, max_answer, eos_ids(model)) or [
        first
    ]
    truth = importance_target(teacher_forced_attention(model, cache, answer, n), g.num_kv_heads)
    rec = {"answer_ids": answer, "true": truth.half()}
    if keep_kv:
        rec["K"] = torch.stack([layer.keys[0] for layer in cache.layers]).half()  # (L, Hkv, N, D)
        rec["V"] = torch.stack([layer.values[0] for layer in cache.layers]).half()
    return rec


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def build(
    out: Path,
    model_name: str,
    counts: dict[str, int],
    seed: int,
    max_answer: int,
    min_tokens: int,
    max_tokens: int,
) -> dict:
    model, tok = load_model(model_name)
    ntok = lambda s: len(tok(s, add_special_tokens=False)["input_ids"])  # noqa: E731
    (out / "tensors").mkdir(parents=True, exist_ok=True)
    t_start = time.time()
    for split, n in counts.items():
        path = out / f"{split}.jsonl"
        done = {json.loads(line)["id"] for line in path.open()} if path.exists() else set()
        examples = build_split(split, n, seed, ntok, min_tokens, max_tokens)
        with path.open("a") as fh:
            for ex in tqdm(examples, desc=f"{split} answers", unit="ex"):
                if ex.id in done:
                    continue
                ids = chat_ids(tok, ex.user)
                rec = answer_and_truth(model, ids, max_answer, keep_kv=split != "test")
                torch.save(rec, out / "tensors" / f"{ex.id}.pt")
                row = ex.to_json() | {
                    "prompt_len": int(ids.shape[1]),
                    "input_ids": ids[0].tolist(),
                    "answer_ids": rec["answer_ids"],
                    "answer": tok.decode(rec["answer_ids"], skip_special_tokens=True),
                }
                fh.write(json.dumps(row) + "\n")
                fh.flush()
    return write_manifest(
        out,
        model_name,
        fingerprint(model),
        seed,
        max_answer,
        min_tokens,
        max_tokens,
        build_seconds=time.time() - t_start,
    )


def write_manifest(
    out: Path,
    model_name: str,
    model_fingerprint: dict | None,
    seed: int,
    max_answer: int,
    min_tokens: int,
    max_tokens: int,
    build_seconds: float | None = None,
) -> dict:
    """Record what the dataset holds now (counts are read from the files: a build stopped early
    holds exactly the first examples of each split, since ids and contents follow the seed)."""
    counts = {
        s: sum(1 for _ in (out / f"{s}.jsonl").open())
        for s in ("train", "val", "test")
        if (out / f"{s}.jsonl").exists()
    }
    manifest = {
        "version": VERSION,
        "model": model_name,
        "model_fingerprint": model_fingerprint,
        "seed": seed,
        "counts": counts,
        "prompt_tokens": [min_tokens, max_tokens],
        "max_answer_tokens": max_answer,
        "split_rule": "sources.split_of: sha256 of the source document id (SQuAD/HotpotQA title; essay range)",
        "files": {f"{s}.jsonl": sha256(out / f"{s}.jsonl") for s in counts},
        "build_seconds": None if build_seconds is None else round(build_seconds, 1),
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2))
    return manifest


def load_split(root: Path, split: str) -> list[dict]:
    return [json.loads(line) for line in (Path(root) / f"{split}.jsonl").open()]


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("out", type=Path)
    p.add_argument("--model", default="smollm2-135m")
    p.add_argument("--train", type=int, default=160)
    p.add_argument("--val", type=int, default=16)
    p.add_argument("--test", type=int, default=40)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--max-answer", type=int, default=64)
    p.add_argument("--min-tokens", type=int, default=500)
    p.add_argument("--max-tokens", type=int, default=3000)
    p.add_argument("--splits", default="test,val,train", help="order in which splits are built")
    p.add_argument(
        "--manifest-only", action="store_true", help="only (re)write manifest.json from the files"
    )
    a = p.parse_args(argv)
    if a.manifest_only:
        m = write_manifest(
            a.out,
            a.model,
            fingerprint(load_model(a.model)[0]),
            a.seed,
            a.max_answer,
            a.min_tokens,
            a.max_tokens,
        )
        print(json.dumps(m, indent=2))
        return
    counts = {s: getattr(a, s) for s in a.splits.split(",")}
    m = build(a.out, a.model, counts, a.seed, a.max_answer, a.min_tokens, a.max_tokens)
    print(json.dumps(m, indent=2))


if __name__ == "__main__":
    main()
