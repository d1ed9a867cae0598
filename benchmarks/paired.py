"""Policies or checkpoints compared on the same prompts: paired means from quality_v2 records.

Two quality_v2 runs rarely cover the same prompts (time boxes stop them at different rows), so
their tables are not comparable row for row. This reads the raw records of each
``NAME:POLICY`` (results/raw/NAME/, written by benchmarks/quality_v2.py), keeps per split the
prompts that every one of them scored, and writes the means over those prompts:

  python benchmarks/paired.py --name paired_v3 --label v1=quality_v2_gpu:lookaheadkv \\
      --label v1cont=quality_v2_v3-v1cont:lookaheadkv --label full=quality_v2_gpu:oracle

Recall is over every shared prompt, task score over the shared prompts with gold, agreement
(token F1 with the full-cache answer, not accuracy) over every shared prompt.
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import write_result  # noqa: E402
from quality_v2 import mean, read_parts  # noqa: E402

FIELDS = {"recall": "recall", "task_score": "task", "agreement_with_full_answer": "agreement"}


def parse_label(text: str) -> tuple[str, str, str]:
    label, sep, rest = text.partition("=")
    name, sep2, policy = rest.partition(":")
    if not (sep and sep2 and label and name and policy):
        raise argparse.ArgumentTypeError(f"--label wants LABEL=NAME:POLICY; got {text!r}")
    return label, name, policy


def paired(labels: list[tuple[str, str, str]]) -> dict:
    """{split: {"examples", "examples_with_gold", FIELD: {label: {budget: mean}}}}."""
    runs = {name: read_parts(name)[0] for _, name, _ in labels}
    splits = sorted(set.intersection(*(set(r) for r in runs.values())))
    out = {}
    for split in splits:
        recs = {name: {r["id"]: r for r in runs[name][split]} for name in runs}
        shared = set.intersection(
            *(
                {i for i, r in recs[name].items() if policy in r["recall"]}
                for _, name, policy in labels
            )
        )
        if not shared:
            continue
        ids = sorted(shared)
        gold = [i for i in ids if recs[labels[0][1]][i]["has_gold"]]
        entry: dict = {"examples": len(ids), "examples_with_gold": len(gold)}
        for field, key in FIELDS.items():
            rows = gold if key == "task" else ids
            tab: dict = defaultdict(dict)
            for label, name, policy in labels:
                values: dict = defaultdict(list)
                for i in rows:
                    for b, v in recs[name][i].get(key, {}).get(policy, {}).items():
                        values[b].append(v)
                tab[label] = {
                    b: mean(v) for b, v in sorted(values.items(), key=lambda kv: int(kv[0]))
                }
            entry[field] = dict(tab)
        out[split] = entry
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--name", required=True, help="results/NAME.json")
    ap.add_argument(
        "--label",
        type=parse_label,
        action="append",
        required=True,
        help="LABEL=NAME:POLICY (repeat; at least two)",
    )
    a = ap.parse_args(argv)
    if len(a.label) < 2:
        ap.error("give at least two --label")
    splits = paired(a.label)
    for split, d in splits.items():
        print(f"\n{split}: {d['examples']} shared prompts, {d['examples_with_gold']} with gold")
        for field in FIELDS:
            for label, row in d[field].items():
                cells = " ".join(f"@{b} {v:.3f}" for b, v in row.items() if v is not None)
                print(f"  {field:28s} {label:16s} {cells}")
    labels = {label: f"{name}:{policy}" for label, name, policy in a.label}
    print("wrote", write_result(a.name, {"labels": labels, "splits": splits}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
