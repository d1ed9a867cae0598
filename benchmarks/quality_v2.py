"""Importance recall@budget and task score at budget, every policy, on lkv-data-v2's test splits.

usage (run, resumable, shardable, time-boxable):
  python benchmarks/quality_v2.py --data data/smollm2-135m/lkv-data-v2 \
      --splits test_heldout test_informat --budgets 64 128 256 --task-budgets 64 128 256 \
      --device cuda --shard 0/1 --name quality_v2 [--max-seconds S] [--limit N]
  python benchmarks/quality_v2.py --name quality_v2 --merge

A run appends one JSON line per example to results/raw/NAME/<split>.partIofN.jsonl (an id
already there is skipped, so a rerun resumes). ``--merge`` reads every part file of NAME and
writes results/NAME.json and results/NAME.png.

Scores: recall is the importance recall of each policy's keep plan against the ground truth
(the model's attention while it writes its own full-cache answer, ``kv_and_truth``). Rows
with gold strings get ``task_score`` (app_qa / chat / agent rows by the needle or qa task
they wrap); rows without (summary) get only the *agreement* with the full-cache answer
(token F1 against it), which measures faithfulness to the uncompressed model, not accuracy.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import defaultdict
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import REPO, RESULTS, machine, repo_relative, write_result  # noqa: E402
from kv_eval import POLICIES, SLOW, evaluate_example  # noqa: E402

from lkv_sglang.metrics import f1, task_score  # noqa: E402
from lkv_sglang.training.varied.build import parse_shard  # noqa: E402

RAW = RESULTS / "raw"
TASK_POLICIES = ["full", "lookaheadkv", "snapkv", "snapkv_nopool", "laq", "oracle"]
LONG = 4000  # prompts at least this long: needle accuracy reported apart
NEEDLE_KINDS = ("needle", "multineedle")
ANSWER_CHARS = 200  # decoded answers kept per policy@budget in the part files


def scrub(text: str) -> str:
    """Replace this machine's repository path by nothing (paths become repo-relative)."""
    return text.replace(str(REPO) + os.sep, "").replace(str(REPO), ".")


def metric_kind(row: dict) -> str:
    """The kind ``task_score`` scores a row by: app_qa / chat / agent by the task they wrap."""
    return row.get("meta", {}).get("task") or row["kind"]


def part_path(name: str, split: str, shard: tuple[int, int]) -> Path:
    return RAW / name / f"{split}.part{shard[0]}of{shard[1]}.jsonl"


def done_ids(path: Path) -> set[str]:
    if not path.exists():
        return set()
    return {json.loads(line)["id"] for line in path.open() if line.endswith("\n")}


def score_row(row: dict, answers: dict[str, dict[int, str]]) -> dict:
    """task score (rows with gold) and agreement with the full-cache answer, per policy@budget."""
    gold = row["gold"]
    kind = metric_kind(row)
    task = {
        p: {str(b): task_score(kind, t, gold) for b, t in d.items()} for p, d in answers.items()
    }
    agree = {p: {str(b): f1(t, row["answer"]) for b, t in d.items()} for p, d in answers.items()}
    return {
        "task": task if gold else {},
        "full": task_score(kind, row["answer"], gold) if gold else None,
        "agreement": agree,
    }


def run(a) -> None:
    from lkv_sglang.checkpoints import shipped_checkpoint
    from lkv_sglang.hf import load_model
    from lkv_sglang.hf.generate import eos_ids
    from lkv_sglang.hf.geometry import load_lookahead, new_lookahead
    from lkv_sglang.training.recompute import kv_and_truth
    from lkv_sglang.training.varied.store import AnswerStore

    t_start = time.time()
    model, tok = load_model(a.model)
    la_path = a.lookahead or shipped_checkpoint(a.model)
    wants_trained = any(
        p.partition(":")[0] == "lookaheadkv" for p in [*a.policies, *a.task_policies]
    )
    if la_path is None and wants_trained:
        raise SystemExit(f"no lookahead checkpoint ships for {a.model}: pass --lookahead")
    # built on the CPU before the move; attach_lookahead moves each onto the model's device
    trained = load_lookahead(model, la_path) if wants_trained else None
    untrained = new_lookahead(model, a.model, seed=0)
    model.to(a.device)
    num_kv = model.config.num_key_value_heads
    eos = eos_ids(model)
    store = AnswerStore(a.data, tok)
    max_answer = int(store.manifest.get("max_answer_tokens", 64))
    recall_policies = ["oracle"] + [p for p in a.policies if p != "oracle"]
    task_policies = [p for p in a.task_policies if p != "full"]
    longest = 0.0
    for split in a.splits:
        rows = store.rows(split)[: a.limit or None]
        rows = [r for i, r in enumerate(rows) if i % a.shard[1] == a.shard[0]]
        out = part_path(a.name, split, a.shard)
        out.parent.mkdir(parents=True, exist_ok=True)
        meta = out.with_suffix(".meta.json")  # one entry per run into this part file
        runs = json.loads(meta.read_text()) if meta.exists() else []
        runs.append(
            {
                "command": "python " + " ".join(sys.argv),
                "machine": machine(),
                "model": a.model,
                "lookahead_checkpoint": repo_relative(la_path) if trained else None,
                "data": repo_relative(a.data),
                "dataset_revision": store.manifest.get("revision"),
                "policies": recall_policies,
                "task_policies": a.task_policies,
                "budgets": a.budgets,
                "task_budgets": a.task_budgets,
            }
        )
        meta.write_text(scrub(json.dumps(runs, indent=2)))
        done = done_ids(out)
        todo = [r for r in rows if r["id"] not in done]
        print(f"{split}: {len(rows)} rows in shard {a.shard}, {len(todo)} to do -> {out}")
        for i, row in enumerate(todo):
            if a.max_seconds and time.time() - t_start + longest > a.max_seconds:
                print(f"--max-seconds {a.max_seconds}: stopping before {row['id']}", flush=True)
                return
            t0 = time.time()
            prompt = store.prompt(row)
            ids = torch.tensor([prompt], device=model.device)
            with torch.no_grad():
                _, _, truth = kv_and_truth(model, prompt, row["answer_ids"], num_kv)
            ev = evaluate_example(
                model,
                ids,
                truth.float(),
                recall_policies=recall_policies,
                recall_budgets=a.budgets,
                task_policies=task_policies,
                task_budgets=a.task_budgets,
                lookahead=trained,
                untrained=untrained,
                eos=eos,
                max_new=min(max_answer, len(row["answer_ids"]) + 8),
            )
            texts = {
                p: {b: tok.decode(t, skip_special_tokens=True) for b, t in d.items()}
                for p, d in ev["answers"].items()
            }
            rec = {
                "id": row["id"],
                "split": split,
                "kind": row["kind"],
                "family": row["family"],
                "metric": metric_kind(row),
                "has_gold": bool(row["gold"]),
                "prompt_len": len(prompt),
                "recall": {p: {str(b): r for b, r in d.items()} for p, d in ev["recall"].items()},
                **score_row(row, texts),
                "answers": {
                    f"{p}@{b}": t[:ANSWER_CHARS] for p, d in texts.items() for b, t in d.items()
                },
                "select_seconds": {p: sum(v) for p, v in ev["select_seconds"].items()},
                "seconds": round(time.time() - t0, 2),
            }
            with out.open("a") as f:
                f.write(json.dumps(rec) + "\n")
                f.flush()
            longest = max(longest, rec["seconds"])
            la, sn = rec["recall"].get("lookaheadkv", {}), rec["recall"].get("snapkv", {})
            b0 = str(a.budgets[0])
            print(
                f"[{i + 1}/{len(todo)}] {row['id']} N={len(prompt)} full={rec['full']} "
                f"la@{b0}={la.get(b0, float('nan')):.3f} snap@{b0}={sn.get(b0, float('nan')):.3f} "
                f"{rec['seconds']:.1f}s (total {time.time() - t_start:.0f}s)",
                flush=True,
            )


def mean(v: list) -> float | None:
    return sum(v) / len(v) if v else None


def table(recs: list[dict], field: str) -> dict:
    """{policy: {budget: mean}} of ``rec[field]`` over ``recs``."""
    acc: dict = defaultdict(lambda: defaultdict(list))
    for r in recs:
        for p, d in r[field].items():
            for b, v in d.items():
                acc[p][b].append(v)
    return {
        p: {b: mean(v) for b, v in sorted(d.items(), key=lambda kv: int(kv[0]))}
        for p, d in acc.items()
    }


def with_full(recs: list[dict], tab: dict) -> dict:
    """``tab`` with a "full" row: the full-cache answer's score, the same at every budget."""
    budgets = sorted({b for d in tab.values() for b in d}, key=int)
    full = mean([r["full"] for r in recs])
    return {"full": {b: full for b in budgets}} | tab if recs else tab


def summarise(recs: list[dict]) -> dict:
    gold = [r for r in recs if r["has_gold"]]
    nogold = [r for r in recs if not r["has_gold"]]
    long_needle = [r for r in gold if r["metric"] in NEEDLE_KINDS and r["prompt_len"] >= LONG]
    by_kind: dict = defaultdict(list)
    for r in recs:
        by_kind[r["kind"]].append(r)
    kinds = {}
    for k, rs in sorted(by_kind.items()):
        entry = {"examples": len(rs), "recall": table(rs, "recall")}
        if rs[0]["has_gold"]:
            entry["task_score"] = with_full(rs, table(rs, "task"))
        entry["agreement_with_full_answer"] = table(rs, "agreement")
        kinds[k] = entry
    return {
        "examples": len(recs),
        "examples_with_gold": len(gold),
        "examples_without_gold": len(nogold),
        "mean_prompt_tokens": mean([r["prompt_len"] for r in recs]),
        "mean_seconds_per_example": mean([r["seconds"] for r in recs]),
        "recall": table(recs, "recall"),
        "task_score": with_full(gold, table(gold, "task")),
        "agreement_with_full_answer_no_gold_kinds": table(nogold, "agreement"),
        "agreement_with_full_answer": table(recs, "agreement"),
        f"needle_accuracy_prompts_ge_{LONG}": {
            "examples": len(long_needle),
            "accuracy": with_full(long_needle, table(long_needle, "task")),
        },
        "by_kind": kinds,
    }


def read_parts(name: str) -> tuple[dict[str, list[dict]], list[dict]]:
    """{split: records} (deduplicated by id) and the run metadata of every part file."""
    root = RAW / name
    parts = sorted(root.glob("*.part*of*.jsonl"))
    if not parts:
        raise SystemExit(f"no part files under {repo_relative(root)}")
    by_split: dict[str, dict[str, dict]] = defaultdict(dict)
    for p in parts:
        for line in p.open():
            if line.endswith("\n"):
                r = json.loads(line)
                by_split[r["split"]][r["id"]] = r
    metas = [
        run for m in sorted(root.glob("*.part*of*.meta.json")) for run in json.loads(m.read_text())
    ]
    return {s: list(d.values()) for s, d in by_split.items()}, metas


def markdown_table(title: str, tab: dict) -> str:
    """{policy: {budget: value}} as a markdown table under a bold title."""
    cols = sorted({b for v in tab.values() for b in v}, key=int)
    cell = lambda v: "-" if v is None else f"{v:.3f}"  # noqa: E731
    lines = [f"\n**{title}**\n", "| policy | " + " | ".join(f"@{b}" for b in cols) + " |"]
    lines.append("|---|" + "---|" * len(cols))
    lines += [f"| {p} | " + " | ".join(cell(v.get(b)) for b in cols) + " |" for p, v in tab.items()]
    return "\n".join(lines)


def merge(name: str) -> Path:
    splits, metas = read_parts(name)
    order = [s for s in ("test_heldout", "test_informat") if s in splits]
    order += sorted(set(splits) - set(order))
    per_split = {s: summarise(splits[s]) for s in order}
    first = metas[0] if metas else {}
    for s, d in per_split.items():
        print(f"\n### {s} ({d['examples']} examples)")
        for title, t in (
            ("importance recall@budget", d["recall"]),
            (f"task score at budget, {d['examples_with_gold']} rows with gold", d["task_score"]),
            (
                f"agreement with the full-cache answer (token F1, NOT accuracy), "
                f"{d['examples_without_gold']} rows without gold",
                d["agreement_with_full_answer_no_gold_kinds"],
            ),
            (
                f"needle accuracy, prompts >= {LONG} tokens, "
                f"{d[f'needle_accuracy_prompts_ge_{LONG}']['examples']} rows",
                d[f"needle_accuracy_prompts_ge_{LONG}"]["accuracy"],
            ),
        ):
            if t:
                print(markdown_table(f"{title} ({s})", t))
    out = write_result(
        name,
        {
            "run_commands": sorted({m["command"] for m in metas}),
            "run_machines": list(
                {json.dumps(m["machine"], sort_keys=True): m["machine"] for m in metas}.values()
            ),
            "model": first.get("model"),
            "lookahead_checkpoint": first.get("lookahead_checkpoint"),
            "data": first.get("data"),
            "dataset_revision": first.get("dataset_revision"),
            "scoring": (
                "recall: importance recall vs the model's attention while writing its full-cache "
                "answer; task_score: rows with gold (needle/multineedle/vt: all gold strings, "
                "count: whole number, qa/multihop: best F1; app_qa/chat/agent by the task they "
                "wrap); agreement_with_full_answer: token F1 against the full-cache answer, a "
                "faithfulness measure, not accuracy"
            ),
            "splits": per_split,
        },
    )
    out.write_text(scrub(out.read_text()))
    plot(per_split, name, first.get("model"), out.with_suffix(".png"))
    print("wrote", repo_relative(out), "and", repo_relative(out.with_suffix(".png")))
    return out


def plot(per_split: dict, name: str, model: str | None, path: Path) -> None:
    """Per split (columns): task score vs budget (top) and recall vs budget (bottom)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    splits = list(per_split)
    fig, axes = plt.subplots(2, len(splits), figsize=(6.5 * len(splits), 9), squeeze=False)
    names = sorted({p for d in per_split.values() for p in (*d["recall"], *d["task_score"])})
    colours = {p: plt.get_cmap("tab20")(i % 20) for i, p in enumerate(names)}
    for j, s in enumerate(splits):
        d = per_split[s]
        for row, (tab, ylabel) in enumerate(
            ((d["task_score"], "task score (rows with gold)"), (d["recall"], "importance recall"))
        ):
            ax = axes[row][j]
            for p, v in tab.items():
                bs = [b for b in v if v[b] is not None]
                if not bs:
                    continue
                xs = [int(b) for b in bs]
                style = {"ls": "--", "marker": "x"} if p == "full" else {"marker": "o"}
                ax.plot(
                    xs,
                    [v[b] for b in bs],
                    label=p,
                    color=colours[p],
                    lw=3 if p == "lookaheadkv" else 1.2,
                    **style,
                )
                ax.set_xscale("log", base=2)
                ax.set_xticks(xs, [str(x) for x in xs])
            ax.minorticks_off()
            ax.set(xlabel="budget (entries per layer and KV head)", ylabel=ylabel, ylim=(0, 1.05))
            ax.set_title(f"{s} ({d['examples']} examples)")
            ax.legend(fontsize=7, ncol=2)
    fig.suptitle(f"{model}, lkv-data-v2 ({name})")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=Path("data/smollm2-135m/lkv-data-v2"))
    ap.add_argument("--splits", nargs="+", default=["test_heldout", "test_informat"])
    ap.add_argument("--model", default="smollm2-135m")
    ap.add_argument(
        "--policies",
        nargs="+",
        default=POLICIES,
        help=f"recall policies (oracle is always added); laq, speckv ({', '.join(SLOW)}) are slow",
    )
    ap.add_argument("--budgets", type=int, nargs="+", default=[64, 128, 256])
    ap.add_argument("--task-budgets", type=int, nargs="+", default=[64, 128, 256])
    ap.add_argument("--task-policies", nargs="+", default=TASK_POLICIES)
    ap.add_argument("--lookahead", type=Path, help="checkpoint dir; default: the shipped one")
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--shard", type=parse_shard, default=(0, 1), help="I/N: rows i with i%%N == I")
    ap.add_argument("--limit", type=int, default=0, help="first N rows of each split (0: all)")
    ap.add_argument("--max-seconds", type=float, default=0, help="stop before running out")
    ap.add_argument("--name", default="quality_v2")
    ap.add_argument("--merge", action="store_true", help="merge the part files of NAME")
    a = ap.parse_args()
    if a.merge:
        merge(a.name)
    else:
        run(a)


if __name__ == "__main__":
    main()
