"""Importance recall@budget and task score at budget, every policy, on the test split.

usage: python benchmarks/quality.py --data runs/datasets/lkv-data-v1 [--lookahead DIR]
       [--budgets 32 64 128 256] [--task-budgets 64 128] [--limit N]
Writes results/quality.json and results/quality.png.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import RESULTS, print_table, write_result  # noqa: E402
from kv_eval import POLICIES, evaluate_example  # noqa: E402

from lkv_sglang.checkpoints import shipped_checkpoint  # noqa: E402
from lkv_sglang.hf import load_model  # noqa: E402
from lkv_sglang.hf.generate import eos_ids  # noqa: E402
from lkv_sglang.hf.geometry import load_lookahead, new_lookahead  # noqa: E402
from lkv_sglang.metrics import task_score  # noqa: E402
from lkv_sglang.training.dataset import load_split  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, required=True)
    ap.add_argument("--model", default="smollm2-135m")
    ap.add_argument("--lookahead", type=Path, help="default: the shipped checkpoint")
    ap.add_argument("--budgets", type=int, nargs="+", default=[32, 64, 128, 256])
    ap.add_argument("--task-budgets", type=int, nargs="+", default=[64, 128])
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument(
        "--policies", nargs="+", default=POLICIES, help="default: every policy (oracle always)"
    )
    ap.add_argument("--name", default="quality")
    ap.add_argument(
        "--replot", action="store_true", help="only redraw the PNG from results/NAME.json"
    )
    a = ap.parse_args()
    if a.replot:
        doc = json.loads((RESULTS / f"{a.name}.json").read_text())
        a.budgets = [int(b) for b in next(iter(doc["recall"].values()))]
        a.task_budgets = [int(b) for b in next(iter(doc["task_score"].values()))]
        a.model = doc["model"]
        plot(doc["recall"], doc["task_score"], a, RESULTS / f"{a.name}.png")
        return

    model, tok = load_model(a.model)
    la_path = a.lookahead or shipped_checkpoint(a.model)
    if la_path is None:
        raise SystemExit("no lookahead checkpoint: pass --lookahead")
    trained, untrained = load_lookahead(model, la_path), new_lookahead(model, a.model, seed=0)
    rows = load_split(a.data, "test")[: a.limit or None]
    eos = eos_ids(model)
    rec = defaultdict(lambda: defaultdict(list))  # policy -> budget -> [recall]
    task = defaultdict(lambda: defaultdict(list))  # policy -> budget -> [score]
    kinds = defaultdict(lambda: defaultdict(list))  # f"{policy}@{b}" -> kind -> [score]
    score_s = defaultdict(list)
    names = ["oracle"] + [p for p in a.policies if p != "oracle"]
    t_start = time.time()
    for i, row in enumerate(rows):
        ids = torch.tensor([row["input_ids"]])
        n = ids.shape[1]
        truth = torch.load(a.data / "tensors" / f"{row['id']}.pt")["true"].float()
        max_new = min(64, len(row["answer_ids"]) + 8)
        full_score = task_score(row["kind"], row["answer"], row["gold"])
        for b in a.task_budgets:
            task["full"][b].append(full_score)
            kinds[f"full@{b}"][row["kind"]].append(full_score)
        ev = evaluate_example(
            model,
            ids,
            truth,
            recall_policies=names,
            recall_budgets=a.budgets,
            task_policies=names,
            task_budgets=[b for b in a.task_budgets if b in a.budgets],
            lookahead=trained,
            untrained=untrained,
            eos=eos,
            max_new=max_new,
        )
        for name in names:
            score_s[name].extend(ev["select_seconds"].get(name, []))
            for b, r in ev["recall"].get(name, {}).items():
                rec[name][b].append(r)
            for b, out in ev["answers"].get(name, {}).items():
                s = task_score(row["kind"], tok.decode(out, skip_special_tokens=True), row["gold"])
                task[name][b].append(s)
                kinds[f"{name}@{b}"][row["kind"]].append(s)
        print(
            f"[{i + 1}/{len(rows)}] {row['id']} N={n} full={full_score:.2f} "
            f"la@128={rec['lookaheadkv'][128][-1] if 128 in a.budgets else 0:.2f} "
            f"snap@128={rec['snapkv'][128][-1] if 128 in a.budgets and rec['snapkv'][128] else 0:.2f} "
            f"{time.time() - t_start:.0f}s",
            flush=True,
        )

    mean = lambda v: sum(v) / len(v) if v else None  # noqa: E731
    recall_tab = {p: {str(b): mean(rec[p][b]) for b in a.budgets} for p in names}
    task_tab = {p: {str(b): mean(task[p][b]) for b in a.task_budgets} for p in ["full"] + names}
    by_kind = {k: {kind: mean(v) for kind, v in d.items()} for k, d in kinds.items()}
    print_table(
        "importance recall@budget (test split)",
        names,
        a.budgets,
        lambda r, c: f"{recall_tab[r][str(c)]:.3f}",
    )
    print_table(
        "task score at budget (substring for retrieval, F1 for QA)",
        ["full"] + names,
        a.task_budgets,
        lambda r, c: f"{task_tab[r][str(c)]:.3f}",
    )
    out = write_result(
        a.name,
        {
            "model": a.model,
            "lookahead_checkpoint": str(la_path),
            "dataset": json.loads((a.data / "manifest.json").read_text())
            if (a.data / "manifest.json").exists()
            else str(a.data),
            "examples": len(rows),
            "kinds": sorted({r["kind"] for r in rows}),
            "recall": recall_tab,
            "task_score": task_tab,
            "task_score_by_kind": by_kind,
            "mean_selection_seconds": {p: mean(v) for p, v in score_s.items()},
            "seconds": time.time() - t_start,
        },
    )
    plot(recall_tab, task_tab, a, out.with_suffix(".png"))
    print("wrote", out)


def plot(recall_tab, task_tab, a, path: Path) -> None:
    """Recall vs budget (lines) and task score at budget (bars), one colour per policy."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(task_tab)
    colours = {p: plt.get_cmap("tab20")(i % 20) for i, p in enumerate(names)}
    fig, axes = plt.subplots(1, 2, figsize=(13, 4.8))
    for p, d in recall_tab.items():
        bold = p == "lookaheadkv"
        axes[0].plot(
            a.budgets,
            [d[str(b)] for b in a.budgets],
            marker="o",
            label=p,
            color=colours[p],
            lw=3 if bold else 1.2,
        )
    axes[0].set_xscale("log", base=2)
    axes[0].set_xticks(a.budgets, [str(b) for b in a.budgets])
    axes[0].minorticks_off()
    axes[0].set(
        xlabel="budget (entries per layer and KV head)",
        ylabel="importance recall",
        title="importance recall@budget",
        ylim=(0, 1.05),
    )
    width = 0.8 / len(a.task_budgets)
    for j, b in enumerate(a.task_budgets):
        xs = [i + j * width for i in range(len(names))]
        axes[1].bar(
            xs,
            [task_tab[p][str(b)] for p in names],
            width,
            color=[colours[p] for p in names],
            alpha=1.0 if j == len(a.task_budgets) - 1 else 0.5,
            label=f"budget {b}",
        )
    axes[1].set_xticks(
        [i + width * (len(a.task_budgets) - 1) / 2 for i in range(len(names))],
        names,
        rotation=45,
        ha="right",
    )
    axes[1].set(
        ylabel="task score", title="task score at budget " + ", ".join(map(str, a.task_budgets))
    )
    axes[0].legend(fontsize=7, ncol=2)
    fig.suptitle(f"{a.model}, held-out test split ({a.data.name})")
    fig.tight_layout()
    fig.savefig(path, dpi=110)


if __name__ == "__main__":
    main()
