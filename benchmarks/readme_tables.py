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

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "results"
README = ROOT / "README.md"


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


# region name in README.md -> the results files (without .json) it renders, each with its renderer
REGIONS: dict[str, list[tuple[str, Callable[[dict], list[str]]]]] = {
    "quality": [("quality_test24", quality)],
    "overhead": [("overhead", overhead)],
    "serving": [("serving_smollm2", serving)],
}


def region(name: str) -> str:
    """One region's markdown; an absent results file gives a "not present" line."""
    blocks = []
    for stem, fn in REGIONS[name]:
        doc = load(stem)
        blocks.append(
            "\n".join(fn(doc)) if doc else f"_results/{stem}.json not present: not measured._"
        )
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
