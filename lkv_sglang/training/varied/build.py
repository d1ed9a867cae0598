"""Build lkv-data-v2: the model's greedy answer to every generated prompt (resumable).

Each split file gets one JSON line per example (answer ids, sha256 of the prompt's ids,
metadata, seconds), flushed as it is written; a stopped build continues where it left off.
usage: python -m lkv_sglang.training.varied.build OUT --counts test_heldout=100,test_informat=100,val_heldout=40,train=1000
       [--device cuda] [--shard I/N]   then, after N shards: ... build OUT --merge

``--shard I/N`` builds the indices i with i % N == I into ``{split}.partIofN.jsonl`` (N
processes share one GPU, each bound by Python, not by the GPU); ``--merge`` appends the parts'
new rows to ``{split}.jsonl`` in index order and rewrites the manifest. Every rebuilt prompt
also goes to the local prompt cache (``prompt_cache``) so a trainer on the same machine does
not rebuild it again.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import torch

from ...core.policies import make_policy
from ...hf import load_model
from ...hf.cache import greedy_decode
from ...hf.generate import eos_ids, prefill
from ...hf.geometry import fingerprint
from ..recompute import attention_impl
from . import prompt_cache
from .generator import (
    LENGTHS,
    REVISION,
    SPLITS,
    VERSION,
    build_sample,
    ids_sha256,
    prompt_ids,
    token_counter,
)

MAX_ANSWER = 64


@torch.no_grad()
def greedy_answer(model, ids: list[int], max_answer: int) -> list[int]:
    """The model's greedy answer (EOS excluded; the first token when it would be empty)."""
    with attention_impl(model, "sdpa"):  # is_causal SDPA: 2x faster than a masked prefill
        cache, first, _ = prefill(
            model, torch.tensor([ids], device=model.device), make_policy("full")
        )
        return greedy_decode(model, cache, first, len(ids), max_answer, eos_ids(model)) or [first]


def check_manifest(out: Path, want: dict) -> dict:
    """The existing manifest (must agree on seed, revision, model) or a new one."""
    path = out / "manifest.json"
    if not path.exists():
        return dict(want)
    have = json.loads(path.read_text())
    for k in ("version", "revision", "seed", "model_fingerprint", "max_answer_tokens", "lengths"):
        if have.get(k) != want[k]:
            raise ValueError(
                f"{out} was built with {k}={have.get(k)!r}; this build has {want[k]!r}: use another folder"
            )
    return have


def write_manifest(out: Path, manifest: dict) -> None:
    rows = {
        s: [json.loads(x) for x in (out / f"{s}.jsonl").open() if x.endswith("\n")]
        for s in SPLITS
        if (out / f"{s}.jsonl").exists()
    }
    manifest["counts"] = {s: len(r) for s, r in rows.items()}
    every = [r for rs in rows.values() for r in rs]
    if every:
        manifest["answer_build"] = {
            "examples": len(every),
            "mean_prompt_tokens": round(sum(r["prompt_len"] for r in every) / len(every)),
            "max_prompt_tokens": max(r["prompt_len"] for r in every),
            "mean_answer_tokens": round(sum(len(r["answer_ids"]) for r in every) / len(every), 1),
            "mean_seconds_per_example": round(sum(r["seconds"] for r in every) / len(every), 2),
            "mean_bytes_per_row": round(
                sum((out / f"{s}.jsonl").stat().st_size for s in rows) / len(every)
            ),
        }
    cost = out / "cost.json"  # the training-step cost, measured by varied.cost
    if cost.exists():
        manifest["training_step"] = json.loads(cost.read_text())
    tmp = out / "manifest.json.tmp"
    tmp.write_text(json.dumps(manifest, indent=2) + "\n")
    tmp.replace(out / "manifest.json")


def indices_in(path: Path) -> set[int]:
    if not path.exists():
        return set()
    return {json.loads(x)["index"] for x in path.open() if x.endswith("\n")}


def part_name(shard: tuple[int, int]) -> str:
    i, n = shard
    return "" if n == 1 else f".part{i}of{n}"


def build(
    out: Path,
    model_name: str,
    counts: dict[str, int],
    seed: int,
    lengths=LENGTHS,
    log=print,
    device: str = "cpu",
    shard: tuple[int, int] = (0, 1),
) -> dict:
    model, tok = load_model(model_name)
    model.to(device)
    ntok = token_counter(tok)
    out.mkdir(parents=True, exist_ok=True)
    want = {
        "version": VERSION,
        "revision": REVISION,
        "seed": seed,
        "model": model_name,
        "model_fingerprint": fingerprint(model),
        "max_answer_tokens": MAX_ANSWER,
        "lengths": list(lengths),
        "splits": {s: {"documents": d, "templates": r} for s, (d, r) in SPLITS.items()},
        "rebuild": "prompts are not stored: lkv_sglang.training.varied.generator.build_sample"
        "(seed, split, index) rebuilds each; prompt_sha256 is checked at load",
    }
    manifest = check_manifest(out, want)
    sharded = shard[1] > 1
    if sharded and not (out / "manifest.json").exists():
        raise ValueError(f"{out}: run one unsharded build (or --merge) first to write the manifest")
    part = part_name(shard)
    cache_fh = prompt_cache.writer(out, f"build{part}")
    for split, n in counts.items():
        path = out / f"{split}.jsonl"
        part_path = out / f"{split}{part}.jsonl"
        done = indices_in(path) | indices_in(part_path)
        with part_path.open("a") as fh:
            for index in range(shard[0], n, shard[1]):
                if index in done:
                    continue
                t0 = time.time()
                s = build_sample(seed, split, index, ntok, lengths)
                ids = prompt_ids(tok, s.messages)
                t1 = time.time()
                answer = greedy_answer(model, ids, MAX_ANSWER)
                row = {k: v for k, v in s.to_json().items() if k != "messages"} | {
                    "prompt_len": len(ids),
                    "prompt_sha256": ids_sha256(ids),
                    "answer_ids": answer,
                    "answer": tok.decode(answer, skip_special_tokens=True),
                    "seconds": round(time.time() - t0, 2),
                    "generate_seconds": round(t1 - t0, 2),
                }
                fh.write(json.dumps(row) + "\n")
                fh.flush()
                cache_fh.write(prompt_cache.line(s.id, row["prompt_sha256"], ids, REVISION))
                cache_fh.flush()
                log(
                    f"{s.id} {s.family} N={len(ids)} A={len(answer)} {row['seconds']:.1f}s {row['answer'][:60]!r}"
                )
                if not sharded and (index + 1) % 10 == 0:
                    write_manifest(out, manifest)
        if not sharded:
            write_manifest(out, manifest)
    cache_fh.close()
    return json.loads((out / "manifest.json").read_text())


def cache_prompts(out: Path, model_name: str, splits, shard=(0, 1), log=print) -> int:
    """Write the prompt cache for rows already built (rows of ``splits`` missing from it)."""
    from transformers import AutoTokenizer

    from ...models import resolve_model
    from .store import AnswerStore

    store = AnswerStore(out, AutoTokenizer.from_pretrained(str(resolve_model(model_name))))
    n = 0
    with prompt_cache.writer(out, f"rows{part_name(shard)}") as fh:
        for split in splits:
            for row in store.rows(split):
                if row["index"] % shard[1] != shard[0] or row["id"] in store.cached:
                    continue
                ids = store.prompt(row)
                fh.write(prompt_cache.line(row["id"], row["prompt_sha256"], ids, REVISION))
                n += 1
    log(f"cached {n} prompts")
    return n


def merge(out: Path) -> dict:
    """Append every part file's new rows to its split file (index order), then drop the parts."""
    manifest = json.loads((out / "manifest.json").read_text())
    for split in SPLITS:
        parts = sorted(out.glob(f"{split}.part*of*.jsonl"))
        if not parts:
            continue
        path = out / f"{split}.jsonl"
        done = indices_in(path)
        new = {}
        for p in parts:
            for x in p.open():
                if x.endswith("\n"):
                    r = json.loads(x)
                    if r["index"] not in done:
                        new[r["index"]] = x
        with path.open("a") as fh:
            for index in sorted(new):
                fh.write(new[index])
        for p in parts:
            p.unlink()
    write_manifest(out, manifest)
    return json.loads((out / "manifest.json").read_text())


def parse_shard(text: str) -> tuple[int, int]:
    i, _, n = text.partition("/")
    if not (i.isdigit() and n.isdigit() and 0 <= int(i) < int(n)):
        raise argparse.ArgumentTypeError(f"--shard must be I/N with 0 <= I < N; got {text!r}")
    return int(i), int(n)


def parse_counts(text: str) -> dict[str, int]:
    counts = {}
    for part in text.split(","):
        name, _, n = part.partition("=")
        if name not in SPLITS:
            raise ValueError(f"unknown split {name!r}; known: {', '.join(SPLITS)}")
        counts[name] = int(n)
    return counts


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("out", type=Path)
    p.add_argument("--model", default="smollm2-135m")
    p.add_argument(
        "--counts", default="test_heldout=100,test_informat=100,val_heldout=40,train=1000"
    )
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--lengths", default="1000,4000,6000", help="min,max,tail prompt tokens")
    p.add_argument("--device", default="cpu", help="cpu, cuda, cuda:1 ...")
    p.add_argument("--shard", default="0/1", type=parse_shard, help="I/N: indices i %% N == I")
    p.add_argument("--merge", action="store_true", help="merge the part files, then stop")
    p.add_argument(
        "--cache-prompts", action="store_true", help="only cache the built rows' prompts"
    )
    a = p.parse_args(argv)
    torch.set_num_threads(a.threads)
    log = lambda s: print(s, flush=True)  # noqa: E731
    if a.merge:
        m = merge(a.out)
    elif a.cache_prompts:
        cache_prompts(a.out, a.model, list(parse_counts(a.counts)), a.shard, log)
        return
    else:
        m = build(
            a.out,
            a.model,
            parse_counts(a.counts),
            a.seed,
            tuple(int(x) for x in a.lengths.split(",")),
            log=log,
            device=a.device,
            shard=a.shard,
        )
    print(json.dumps(m["counts"]))


if __name__ == "__main__":
    main()
