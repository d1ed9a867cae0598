"""Print the README's benchmark tables (markdown) from results/*.json.

usage: python benchmarks/readme_tables.py  > /tmp/tables.md
"""

from __future__ import annotations

import json
from pathlib import Path

RESULTS = Path(__file__).resolve().parent.parent / "results"


def load(name: str) -> dict | None:
    p = RESULTS / f"{name}.json"
    return json.loads(p.read_text()) if p.exists() else None


def machine(doc: dict) -> str:
    m = doc["machine"]
    return f"{m['cpus']} CPUs ({m['processor']}), torch {m['torch']}" + (
        f", {m['cuda']}" if m.get("cuda") else ""
    )


def fmt(v) -> str:
    return "-" if v is None else f"{v:.3f}"


def quality(doc: dict) -> list[str]:
    out = [
        f"**Importance recall@budget** ({doc['examples']} held-out test prompts, {doc['model']}; {machine(doc)}; "
        f"`{doc['command']}`)",
        "",
    ]
    budgets = list(next(iter(doc["recall"].values())))
    out.append("| policy | " + " | ".join(f"@{b}" for b in budgets) + " |")
    out.append("|---|" + "---|" * len(budgets))
    for p, row in doc["recall"].items():
        out.append(f"| {p} | " + " | ".join(fmt(row[b]) for b in budgets) + " |")
    out += [
        "",
        "**Task score at budget** (needle / multi-needle / variable tracking: all gold strings in the answer; "
        "QA and multi-hop: token F1; mean over the same prompts)",
        "",
    ]
    tb = list(next(iter(doc["task_score"].values())))
    out.append("| policy | " + " | ".join(f"@{b}" for b in tb) + " |")
    out.append("|---|" + "---|" * len(tb))
    for p, row in doc["task_score"].items():
        out.append(f"| {p} | " + " | ".join(fmt(row[b]) for b in tb) + " |")
    return out


def overhead(doc: dict) -> list[str]:
    cols = list(doc["by_prompt_tokens"])
    pols = [
        k
        for k in doc["by_prompt_tokens"][cols[0]]
        if isinstance(doc["by_prompt_tokens"][cols[0]][k], dict)
    ]
    out = [
        f"**Eviction overhead** (scoring + selection + pruning time / prefill time of the same prompt, median of "
        f"{doc['repeats']}, budget {doc['budget']}, {doc['model']}; {machine(doc)}; `{doc['command']}`)",
        "",
    ]
    out.append("| policy | " + " | ".join(f"{c} tokens" for c in cols) + " |")
    out.append("|---|" + "---|" * len(cols))
    out.append(
        "| prefill (s) | "
        + " | ".join(f"{doc['by_prompt_tokens'][c]['prefill_s']:.2f}" for c in cols)
        + " |"
    )
    for p in pols:
        out.append(
            f"| {p} | "
            + " | ".join(f"{doc['by_prompt_tokens'][c][p]['ratio_to_prefill']:.1%}" for c in cols)
            + " |"
        )
    r = doc["laq_speckv_over_lookaheadkv"]
    out += [
        "",
        "LAQ / LookaheadKV and SpecKV / LookaheadKV eviction-time ratios: "
        + "; ".join(
            f"{c} tokens: LAQ {r[c]['laq']:.1f}x, SpecKV {r[c]['speckv']:.1f}x" for c in cols
        ),
    ]
    return out


def main() -> None:
    for name, fn in (("quality_test24", quality), ("overhead", overhead)):
        doc = load(name)
        if doc:
            print("\n".join(fn(doc)) + "\n")
        else:
            print(f"_results/{name}.json not present: not measured._\n")


if __name__ == "__main__":
    main()
