"""The README's benchmark tables (markdown), generated from results/*.json.

usage: python benchmarks/readme_tables.py            # print every table region
       python benchmarks/readme_tables.py --write    # replace the regions inside README.md
       python benchmarks/readme_tables.py --check    # exit 1 when README.md differs

Each region sits in README.md between ``<!-- tables:NAME -->`` and ``<!-- /tables:NAME -->``;
``--write`` replaces only what is between the two markers, so the prose around them stays.
A results file that is absent renders as one "not present" line (a region still generates),
and a figure missing from a file renders as "-".
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Callable
from pathlib import Path

from lkv_app.agent_tasks import SUITES, entry_key

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "results"
README = ROOT / "README.md"


def load(name: str) -> dict | None:
    p = RESULTS / f"{name}.json"
    return json.loads(p.read_text()) if p.exists() else None


def placeholder(stem: str) -> str:
    return f"_results/{stem}.json not present: not measured._"


def machine(doc: dict) -> str:
    """Where the figures were measured: the machines that ran the records a merge read
    (``run_machines``), else the machine that wrote the file."""
    ran = doc.get("run_machines") or [doc["machine"]]
    return " + ".join(
        dict.fromkeys(
            f"{m['cpus']} CPUs ({m['processor']}), torch {m['torch']}"
            + (f", {m['cuda']}" if m.get("cuda") else "")
            for m in ran
        )
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


def _ms(v) -> str:
    if v is None:
        return "-"
    return "0" if v == 0 else f"{v:.0f}" if v >= 100 else f"{v:.1f}"


def _num(v) -> str:
    return "-" if v is None else f"{v:g}"


def serving(doc: dict) -> list[str]:
    """Requests at once in a fixed KV pool, per policy (benchmarks/serving.py's figures)."""
    st, m = doc.get("settings", {}), doc.get("machine", {})
    n = st.get("requests")
    out = [
        f"`{doc['command']}`",
        f"(one fresh server per policy, fixed pool of {st.get('max_total_tokens', 0):,} KV tokens, "
        f"{n} requests of {st.get('prompt_len')} prompt tokens and {st.get('new_tokens')} new "
        f"tokens, budget {st.get('budget')}, {doc.get('lookahead_checkpoint', '?')} checkpoint, "
        f"{doc.get('model')}; {m.get('cpus')} CPU cores, {m.get('device', 'cpu')}"
        + (
            "; figures recomputed from the run's server logs, see `recovered_from_logs` in the file"
            if doc.get("recovered_from_logs")
            else ""
        )
        + "):",
        "",
        "| policy | requests running at once (max / mean) | KV tokens per running request "
        "(at the max / mean) | eviction ms / request | throughput (tokens/s) | "
        "TTFT ratio to `none` |",
        "|---|---|---|---|---|---|",
    ]
    for f in doc["figures"]:
        at_once = f.get("requests_running_at_once_max")
        at_once = "-" if at_once is None else f"{at_once}" + (" (all)" if at_once == n else "")
        # older runs recorded one figure: KV held per request after prefill
        held = f.get("kv_tokens_held_per_request_after_prefill")
        kv = (
            _num(held)
            if held is not None
            else f"{_num(f.get('kv_tokens_per_running_request_at_max'))} / "
            f"{_num(f.get('kv_tokens_per_running_request_mean'))}"
        )
        ratio = f.get("ttft_ratio_to_none")
        out.append(
            f"| {f['policy']} | {at_once} / {_num(f.get('requests_running_at_once_mean'))} | {kv} "
            f"| {_ms(f.get('eviction_ms_mean'))} | {_num(f.get('throughput_tokens_per_s'))} "
            f"| {'-' if ratio is None else f'{ratio:.2f}'} |"
        )
    return out


# lkv-data-v2's test splits (issue 10), in table order, with their README names
V2_SPLITS = {"test_heldout": "format-heldout", "test_informat": "in-format"}
V2_EXCLUDE = ("oracle", "full")  # not per-checkpoint rows (variants table)
VARIANT_BUDGET = "128"


def _by_int(keys) -> list[str]:
    return sorted(set(keys), key=int)


def _split_order(*docs: dict) -> list[str]:
    present = {s for d in docs for s in d.get("splits", {})}
    return [s for s in V2_SPLITS if s in present] + sorted(present - set(V2_SPLITS))


def _split_head(split: str, doc: dict) -> str:
    return f"{V2_SPLITS.get(split, split)} n={doc['splits'][split].get('examples', '?')}"


def _gold_line(splits: list[str], docs: list[tuple[str, dict]]) -> str:
    """One line: task score is over the rows with gold, how many of how many per split."""
    parts = []
    for label, d in docs:
        counts = ", ".join(
            f"{V2_SPLITS.get(s, s)} {d['splits'][s].get('examples_with_gold', '?')} of "
            f"{d['splits'][s].get('examples', '?')}"
            for s in splits
            if s in d.get("splits", {})
        )
        parts.append(f"{label}{counts}")
    return (
        "Task score is the mean over the rows with gold (needle / multi-needle / variable "
        "tracking: all gold strings; count: whole number; QA / multi-hop: best token F1): "
        + "; ".join(parts)
        + " prompts."
    )


def quality_v2(cpu: dict | None, v1: dict | None, note_absent: bool = True) -> list[str]:
    """Recall and task score on lkv-data-v2's two test splits side by side; the v1 checkpoint's
    lookaheadkv rows (results/quality_v2_v1.json) join the tables under their own name."""
    main, docs = cpu or v1, [d for d in (cpu, v1) if d]
    splits = _split_order(*docs)

    def rows(key: str) -> dict[str, dict[str, dict]]:
        """{row name: {split: {budget: value}}}"""
        out: dict[str, dict[str, dict]] = {}
        for s in splits:
            if cpu and s in cpu["splits"]:
                for p, v in cpu["splits"][s].get(key, {}).items():
                    name = f"{p} (v2 checkpoint)" if p.startswith("lookaheadkv") and v1 else p
                    out.setdefault(name, {})[s] = v
            if v1 and s in v1["splits"]:
                for p, v in v1["splits"][s].get(key, {}).items():
                    if p.startswith("lookaheadkv"):
                        out.setdefault(f"{p} (v1 checkpoint)", {})[s] = v
        return out

    def table(key: str) -> list[str]:
        tab = rows(key)
        cols = [
            (s, b) for s in splits for b in _by_int(b for r in tab.values() for b in r.get(s, {}))
        ]
        head = {
            s: _split_head(s, main) if s in main["splits"] else V2_SPLITS.get(s, s) for s in splits
        }
        # the split and its n head the first column of the split's group
        cells = [
            f"{head[s]} @{b}" if i == 0 or cols[i - 1][0] != s else f"@{b}"
            for i, (s, b) in enumerate(cols)
        ]
        out = ["| policy | " + " | ".join(cells) + " |"]
        out.append("|---|" + "---|" * len(cols))
        for p, r in tab.items():
            out.append(f"| {p} | " + " | ".join(fmt(r.get(s, {}).get(b)) for s, b in cols) + " |")
        return out

    ckpts = f"lookaheadkv checkpoint `{main.get('lookahead_checkpoint')}`" if cpu else ""
    if v1:
        ckpts += ("; " if ckpts else "") + f"v1 checkpoint `{v1.get('lookahead_checkpoint')}`"
    cmds = "; ".join(f"`{d['command']}`" for d in docs if d.get("command"))
    out = [
        f"**Importance recall@budget on the lkv-data-v2 test** (format-heldout = test_heldout, "
        f"in-format = test_informat; n = prompts; {main.get('model')}; {ckpts}; {machine(main)}; "
        f"{cmds})",
        "",
        *table("recall"),
        "",
        "**Task score at budget** (the same prompts' rows with gold)",
        "",
        *table("task_score"),
        "",
        _gold_line(
            splits,
            [("", main)] + ([("v1 checkpoint row: ", v1)] if cpu and v1 else []),
        ),
    ]
    if cpu and v1:
        differ = [
            s
            for s in splits
            if s in v1["splits"]
            and v1["splits"][s].get("examples") != cpu["splits"].get(s, {}).get("examples")
        ]
        if differ:
            out += [
                "",
                "The v1 checkpoint rows are over another number of prompts than the headers "
                "say: " + ", ".join(_split_head(s, v1) for s in differ) + ".",
            ]
    for stem, d in (("quality_v2_cpu", cpu), ("quality_v2_v1", v1)):
        if d is None and note_absent:
            out += ["", placeholder(stem)]
    return out


def quality_v2_one(doc: dict) -> list[str]:
    """One run's recall and task score tables (its lookaheadkv rows: its own checkpoint)."""
    return quality_v2(doc, None, note_absent=False)


def quality_v2_variants(doc: dict) -> list[str]:
    """Recall and task score at one budget per LookaheadKV option (policy spec), per split."""
    splits, b = _split_order(doc), VARIANT_BUDGET
    names: dict[str, None] = {}
    for s in splits:
        for key in ("recall", "task_score"):
            names |= dict.fromkeys(p for p in doc["splits"][s].get(key, {}) if p not in V2_EXCLUDE)
    cols = [(s, key) for s in splits for key in ("recall", "task_score")]
    short = {"recall": "recall", "task_score": "task"}
    out = [
        f"**LookaheadKV options** (recall@{b} and task score@{b}; {doc.get('model')}; checkpoint "
        f"`{doc.get('lookahead_checkpoint')}`; {machine(doc)}; `{doc['command']}`)",
        "",
        "| variant | "
        + " | ".join(f"{_split_head(s, doc)} {short[k]}@{b}" for s, k in cols)
        + " |",
        "|---|" + "---|" * len(cols),
    ]
    for p in names:
        out.append(
            f"| {p} | "
            + " | ".join(fmt(doc["splits"][s].get(k, {}).get(p, {}).get(b)) for s, k in cols)
            + " |"
        )
    return out + ["", _gold_line(splits, [("", doc)])]


def served_v2(doc: dict) -> list[str]:
    """The served tokens vs the transformers reference path, per policy (served_vs_reference.py)."""
    split = doc.get("split")
    out = [
        f"**Served == reference** ({V2_SPLITS.get(split, split)} prompts through the SGLang server "
        f"vs the transformers reference path, greedy, token for token; budget {doc.get('budget')}; "
        f"checkpoint `{doc.get('lookahead_checkpoint')}`; {doc.get('model')}; {machine(doc)}; "
        f"`{doc['command']}`)",
        "",
        "| policy | equal | prompts | pruned | radix-cache hits |",
        "|---|---|---|---|---|",
    ]
    for p, r in doc.get("summary", {}).items():
        out.append(
            f"| {p} | "
            + " | ".join(str(r.get(k, "-")) for k in ("equal", "prompts", "pruned", "radix_hits"))
            + " |"
        )
    return out


def paired_v2(doc: dict) -> list[str]:
    """Checkpoints and policies on the prompts every one of them scored (benchmarks/paired.py)."""
    labels = doc.get("labels", {})
    out = [
        f"**Paired on the same prompts** (each row: `RUN:POLICY` of benchmarks/quality_v2.py "
        f"records, merged on {machine(doc)}: "
        + ", ".join(f"{k} = `{v}`" for k, v in labels.items())
        + f"; `{doc['command']}`)",
    ]
    for split, d in doc.get("splits", {}).items():
        fields = [f for f in ("recall", "task_score", "agreement_with_full_answer") if d.get(f)]
        short = {"recall": "recall", "task_score": "task", "agreement_with_full_answer": "agree"}
        budgets = _by_int(b for f in fields for r in d[f].values() for b in r)
        cols = [(f, b) for f in fields for b in budgets]
        out += [
            "",
            f"{V2_SPLITS.get(split, split)}: {d['examples']} prompts, {d['examples_with_gold']} "
            "with gold (task score over those; agree = token F1 with the full-cache answer, "
            "every prompt)",
            "",
            "| | " + " | ".join(f"{short[f]}@{b}" for f, b in cols) + " |",
            "|---|" + "---|" * len(cols),
        ]
        for label in labels:
            out.append(
                f"| {label} | "
                + " | ".join(fmt(d[f].get(label, {}).get(b)) for f, b in cols)
                + " |"
            )
    return out


def needle_example(doc: dict) -> list[str]:
    """Each checkpoint's greedy answer to examples/needle.txt per budget (needle_example.py)."""
    rows = doc.get("checkpoints", {})
    budgets = _by_int(b for r in rows.values() for b in r["answers"])

    def clip(text: str) -> str:  # the answers share their start: show their ends
        text = text.strip().replace("|", "/").replace("\n", " ")
        return text if len(text) <= 30 else "..." + text[-30:]

    out = [
        f"**`{doc.get('prompt')}`** ({doc.get('prompt_tokens')} tokens; the number is "
        f'{doc.get("answer")}; full cache: "{clip(doc.get("full_cache_answer", ""))}"; '
        f"{doc.get('model')}; {machine(doc)}; `{doc['command']}`)",
        "",
        "| checkpoint | " + " | ".join(f"@{b}" for b in budgets) + " |",
        "|---|" + "---|" * len(budgets),
    ]
    for label, r in rows.items():
        cells = [
            ("kept: " if r["kept_the_number"].get(b) else "lost: ") + clip(r["answers"].get(b, ""))
            for b in budgets
        ]
        out.append(f"| {label} (`{r['checkpoint']}`) | " + " | ".join(cells) + " |")
    return out


AGENT_SUITES = tuple(SUITES)


def _agent_cell(entry: dict | None) -> str:
    if not entry or not entry.get("summary"):
        return "-"
    sm = entry["summary"]
    return f"{sm['completed']}/{sm['tasks']}"


def _agent_total(entries: list[dict | None]) -> str:
    done = [e["summary"] for e in entries if e and e.get("summary")]
    if not done:
        return "-"
    c, n = sum(d["completed"] for d in done), sum(d["tasks"] for d in done)
    return f"{c}/{n} ({100 * c / n:.0f}%)"


def _agent_configs(keys) -> list[str]:
    return list(dict.fromkeys(k.split("/")[1] for k in keys if k.count("/") >= 1))


def agent(doc: dict) -> list[str]:
    """bench_agent's entries (results/agent.json): per configuration, each suite and all of
    them, the kinds over all suites, turn-limit hits and answers naming no source."""
    models = list(dict.fromkeys(k.split("/")[0] for k in doc if "/" in k))
    out = []
    for model in models:
        keys = [k for k in doc if k.startswith(model + "/")]
        first = doc[keys[0]]
        out += [
            f"**{model}** (at most {first.get('max_turns')} model turns; {first.get('machine')}; "
            f"each entry's command in the file, e.g. `{first.get('command')}`)",
            "",
            "| eviction | "
            + " | ".join(AGENT_SUITES)
            + " | all | lookup | two-hop | absent | hit turn limit | answers naming no source "
            "| s / task |",
            "|---|" + "---|" * (len(AGENT_SUITES) + 7),
        ]
        for config in _agent_configs(keys):
            entries = [doc.get(entry_key(model, config, s)) for s in AGENT_SUITES]
            runs = [r for e in entries if e for r in e.get("runs", [])]
            kinds = []
            for kind in ("lookup", "two_hop", "absent"):
                sub = [r for r in runs if r["kind"] == kind]
                kinds.append(f"{sum(r['completed'] for r in sub)}/{len(sub)}")
            unsourced = sum(
                r["answer"] != "The documents do not say." and "(source: " not in r["answer"]
                for r in runs
            )
            limit = sum(r["stop_reason"] != "answered" for r in runs)
            secs = sum(r["seconds"] for r in runs) / max(len(runs), 1)
            out.append(
                f"| {config} | "
                + " | ".join(_agent_cell(e) for e in entries)
                + f" | {_agent_total(entries)} | "
                + " | ".join(kinds)
                + f" | {limit} | {unsourced} | {secs:.1f} |"
            )
        out.append("")
    return out[:-1]


def agent_versions(doc: dict) -> list[str]:
    """results/agent_versions.json: each version of the agent on each suite, per configuration."""
    versions = doc.get("versions", {})
    configs = _agent_configs("x/" + k for v in versions.values() for k in v)
    out = [
        "| agent version | "
        + " | ".join(f"{c}: {s}" for c in configs for s in AGENT_SUITES)
        + " | "
        + " | ".join(f"{c}: all" for c in configs)
        + " |",
        "|---|" + "---|" * (len(configs) * (len(AGENT_SUITES) + 1)),
    ]
    for name, entries in versions.items():
        cells = [_agent_cell(entries.get(f"{c}/{s}")) for c in configs for s in AGENT_SUITES]
        totals = [_agent_total([entries.get(f"{c}/{s}") for s in AGENT_SUITES]) for c in configs]
        out.append(f"| {name} | " + " | ".join(cells + totals) + " |")
    return out


# region name in README.md -> the results files (without .json) it renders, each with its
# renderer; a tuple of files goes to one renderer (one document or None each), which says itself
# which of them are absent unless all are
REGIONS: dict[str, list[tuple[str | tuple[str, ...], Callable[..., list[str]]]]] = {
    "quality_v2": [
        (("quality_v2_cpu", "quality_v2_v1"), quality_v2),
        ("quality_v2_variants", quality_v2_variants),
        ("served_v2", served_v2),
    ],
    "quality_v2_gpu": [
        ("quality_v2_gpu", quality_v2_one),
        ("paired_v3_gpu", paired_v2),
        ("paired_informat_cpu", paired_v2),
        ("needle_example", needle_example),
    ],
    "quality_v2_informat": [("quality_v2_informat_cpu", quality_v2_one)],
    "quality_v2_qwen": [("quality_v2_qwen_cpu", quality_v2_one), ("served_qwen", served_v2)],
    "quality": [("quality_test24", quality)],
    "overhead": [("overhead", overhead)],
    "serving": [("serving_smollm2", serving)],
    "agent": [("agent", agent)],
    "agent_versions": [("agent_versions", agent_versions)],
}


def stems(name: str) -> list[str]:
    """Every results file (without .json) that region ``name`` renders, in order."""
    return [
        s for entry, _ in REGIONS[name] for s in ((entry,) if isinstance(entry, str) else entry)
    ]


def region(name: str) -> str:
    """One region's markdown; an absent results file gives a "not present" line."""
    blocks = []
    for entry, fn in REGIONS[name]:
        names = (entry,) if isinstance(entry, str) else entry
        docs = [load(stem) for stem in names]
        if any(docs):
            blocks.append("\n".join(fn(*docs)))
        else:
            blocks += [placeholder(stem) for stem in names]
    return "\n\n".join(blocks)


def generate() -> dict[str, str]:
    return {name: region(name) for name in REGIONS}


def _pattern(name: str) -> re.Pattern:
    return re.compile(
        rf"(<!-- tables:{re.escape(name)} -->\n)(.*?)(\n<!-- /tables:{re.escape(name)} -->)", re.S
    )


def read_regions(text: str) -> dict[str, str]:
    """The content between each region's markers in ``text`` (absent regions left out)."""
    out = {}
    for name in REGIONS:
        found = _pattern(name).findall(text)
        if len(found) > 1:
            raise ValueError(f"README has the markers of region {name!r} {len(found)} times")
        if found:
            out[name] = found[0][1].strip("\n")
    return out


def replace_regions(text: str, tables: dict[str, str]) -> str:
    """``text`` with every region's content replaced by ``tables[name]``; every region in
    ``tables`` must have its markers in ``text``, once."""
    missing = [n for n in tables if len(_pattern(n).findall(text)) != 1]
    if missing:
        raise ValueError(
            "README needs each region's markers exactly once: "
            + ", ".join(f"<!-- tables:{n} --> ... <!-- /tables:{n} -->" for n in missing)
        )
    for name, body in tables.items():
        text = _pattern(name).sub(lambda m, b=body: f"{m[1]}\n{b}\n{m[3]}", text)
    return text


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--write", action="store_true", help="replace the regions in README.md")
    ap.add_argument("--check", action="store_true", help="exit 1 if README.md's regions differ")
    ap.add_argument("--readme", type=Path, default=README)
    a = ap.parse_args(argv)
    tables = generate()
    if not (a.write or a.check):
        for name, body in tables.items():
            print(f"<!-- tables:{name} -->\n{body}\n<!-- /tables:{name} -->\n")
        return 0
    text = a.readme.read_text()
    new = replace_regions(text, tables)
    if a.check:
        stale = [n for n, b in tables.items() if read_regions(text).get(n) != b]
        if stale:
            print(f"{a.readme}: stale table regions: {', '.join(stale)}; run {sys.argv[0]} --write")
            return 1
        print(f"{a.readme}: tables match results/*.json")
        return 0
    if new != text:
        a.readme.write_text(new)
    print(f"{a.readme}: {'rewrote' if new != text else 'unchanged'}: {', '.join(tables)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
