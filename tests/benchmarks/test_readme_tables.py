"""README.md's benchmark tables are generated from results/*.json, and the results files hold no
machine paths. Regenerate the tables with ``python benchmarks/readme_tables.py --write``."""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "results"
README = ROOT / "README.md"

spec = importlib.util.spec_from_file_location("readme_tables", ROOT / "benchmarks/readme_tables.py")
readme_tables = importlib.util.module_from_spec(spec)
spec.loader.exec_module(readme_tables)
SUITES = readme_tables.SUITES  # the agent's task suites, as the tables read them

# an absolute path on a particular machine: /work/..., /root/..., /home/..., /tmp/... (and the
# macOS and mount roots), as a path of its own, not the tail of a URL or a relative path
MACHINE_PATH = re.compile(r"(?<![\w.~/-])/(?:work|root|home|tmp|Users|mnt)/")


def strings(value, where="$"):
    """Every string in a JSON value (keys too), with where it is."""
    if isinstance(value, str):
        yield where, value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield f"{where}.{k} (key)", k
            yield from strings(v, f"{where}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from strings(v, f"{where}[{i}]")


def machine_paths(doc) -> list[str]:
    return [f"{w}: {s[:120]!r}" for w, s in strings(doc) if MACHINE_PATH.search(s)]


def test_readme_tables_match_results():
    text = README.read_text()
    found = readme_tables.read_regions(text)
    want = readme_tables.generate()
    assert set(found) == set(want), f"README lacks the markers of {set(want) - set(found)}"
    stale = [name for name in want if found[name] != want[name]]
    assert not stale, (
        f"README's table regions {stale} differ from results/*.json: "
        "run python benchmarks/readme_tables.py --write"
    )


def test_write_keeps_the_prose_and_is_idempotent():
    text = README.read_text()
    once = readme_tables.replace_regions(text, readme_tables.generate())
    assert readme_tables.replace_regions(once, readme_tables.generate()) == once
    strip = lambda t: re.sub(r"<!-- tables:(\w+) -->.*?<!-- /tables:\1 -->", "", t, flags=re.S)  # noqa: E731
    assert strip(once) == strip(text)


def test_region_replacement_and_drift_detection():
    text = "intro\n<!-- tables:serving -->\n\nold\n\n<!-- /tables:serving -->\nafter\n"
    assert readme_tables.read_regions(text) == {"serving": "old"}
    new = readme_tables.replace_regions(text, {"serving": "| a |\n|---|"})
    assert (
        new == "intro\n<!-- tables:serving -->\n\n| a |\n|---|\n\n<!-- /tables:serving -->\nafter\n"
    )
    with pytest.raises(ValueError, match="tables:quality"):
        readme_tables.replace_regions(text, {"quality": "x"})


def test_check_fails_on_a_changed_figure(tmp_path):
    text = readme_tables.replace_regions(README.read_text(), readme_tables.generate())
    readme = tmp_path / "README.md"
    readme.write_text(text)
    assert readme_tables.main(["--check", "--readme", str(readme)]) == 0
    body = readme_tables.generate()["quality"]
    changed = body[:-1] + ("0" if body[-1] != "0" else "1")  # one character of one figure
    readme.write_text(text.replace(body, changed, 1))
    assert readme_tables.main(["--check", "--readme", str(readme)]) == 1
    assert readme_tables.main(["--write", "--readme", str(readme)]) == 0
    assert readme.read_text() == text


def test_absent_results_file_renders_a_placeholder(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(readme_tables, "RESULTS", tmp_path)
    tables = readme_tables.generate()
    for name, body in tables.items():
        stems = readme_tables.stems(name)
        assert body == "\n\n".join(f"_results/{s}.json not present: not measured._" for s in stems)
    assert readme_tables.main([]) == 0
    assert "not present" in capsys.readouterr().out


def test_serving_table_reads_both_result_schemas():
    doc = {
        "command": "python benchmarks/serving.py",
        "settings": {"requests": 4, "max_total_tokens": 1000},
        "figures": [
            # current schema: KV per running request at the max / mean, no TTFT kept
            {
                "policy": "snapkv",
                "requests_running_at_once_max": 4,
                "requests_running_at_once_mean": 3.5,
                "kv_tokens_per_running_request_at_max": 66.0,
                "kv_tokens_per_running_request_mean": 72.5,
                "eviction_ms_mean": 2281.23,
                "throughput_tokens_per_s": 0.68,
                "ttft_mean_s": None,
            },
            # older schema: one KV figure after prefill, a TTFT ratio
            {
                "policy": "lookaheadkv",
                "requests_running_at_once_max": 3,
                "requests_running_at_once_mean": 3,
                "kv_tokens_held_per_request_after_prefill": 64,
                "eviction_ms_mean": 10.03,
                "throughput_tokens_per_s": 29.2,
                "ttft_ratio_to_none": 0.751,
            },
        ],
    }
    rows = readme_tables.serving(doc)[-2:]
    assert rows == [
        "| snapkv | 4 (all) / 3.5 | 66 / 72.5 | 2281 | 0.68 | - |",
        "| lookaheadkv | 3 / 3 | 64 | 10.0 | 29.2 | 0.75 |",
    ]


MACHINE = {"cpus": 2, "processor": "x86_64", "torch": "2.13.0+cpu", "cuda": None}


def v2_doc(name: str, splits: dict[str, tuple[int, int, dict, dict]]) -> dict:
    """A quality_v2.py --merge document; splits: {split: (examples, with gold, recall, task)}."""
    return {
        "command": f"python benchmarks/quality_v2.py --name {name} --merge",
        "machine": MACHINE,
        "model": "smollm2-135m",
        "lookahead_checkpoint": f"runs/{name}",
        "splits": {
            s: {"examples": n, "examples_with_gold": g, "recall": r, "task_score": t}
            for s, (n, g, r, t) in splits.items()
        },
    }


def write_results(tmp_path, monkeypatch, **docs):
    monkeypatch.setattr(readme_tables, "RESULTS", tmp_path)
    for stem, doc in docs.items():
        (tmp_path / f"{stem}.json").write_text(json.dumps(doc))


def test_quality_v2_region_with_only_the_cpu_file(tmp_path, monkeypatch):
    # in-format written first: the table still puts format-heldout first
    cpu = v2_doc(
        "cpu",
        {
            "test_informat": (
                3,
                2,
                {"oracle": {"64": 1.0, "128": 1.0}, "lookaheadkv": {"64": 0.5, "128": 0.75}},
                {"full": {"128": 0.5}, "lookaheadkv": {"128": 0.25}},
            ),
            "test_heldout": (
                4,
                4,
                {"oracle": {"64": 1.0, "128": 1.0}, "lookaheadkv": {"64": 0.6, "128": 0.7001}},
                {"full": {"128": 1 / 3}, "lookaheadkv": {"128": None}},
            ),
        },
    )
    write_results(tmp_path, monkeypatch, quality_v2_cpu=cpu)
    assert readme_tables.region("quality_v2").split("\n")[2:] == [
        "| policy | format-heldout n=4 @64 | @128 | in-format n=3 @64 | @128 |",
        "|---|---|---|---|---|",
        "| oracle | 1.000 | 1.000 | 1.000 | 1.000 |",
        "| lookaheadkv | 0.600 | 0.700 | 0.500 | 0.750 |",
        "",
        "**Task score at budget** (the same prompts' rows with gold)",
        "",
        "| policy | format-heldout n=4 @128 | in-format n=3 @128 |",
        "|---|---|---|",
        "| full | 0.333 | 0.500 |",
        "| lookaheadkv | - | 0.250 |",
        "",
        "Task score is the mean over the rows with gold (needle / multi-needle / variable tracking: "
        "all gold strings; count: whole number; QA / multi-hop: best token F1): format-heldout 4 "
        "of 4, in-format 2 of 3 prompts.",
        "",
        "_results/quality_v2_v1.json not present: not measured._",
        "",
        "_results/quality_v2_variants.json not present: not measured._",
        "",
        "_results/served_v2.json not present: not measured._",
    ]


def test_quality_v2_region_with_every_file(tmp_path, monkeypatch):
    recall = {"oracle": {"128": 1.0}, "snapkv": {"128": 0.4}, "lookaheadkv": {"128": 0.8}}
    task = {"full": {"128": 0.5}, "lookaheadkv": {"128": 0.5}}
    cpu = v2_doc(
        "cpu", {"test_heldout": (4, 3, recall, task), "test_informat": (2, 2, recall, task)}
    )
    # the v1 run: only lookaheadkv (oracle and full are always there), one split, fewer prompts
    v1 = v2_doc(
        "v1",
        {
            "test_heldout": (
                2,
                2,
                {"oracle": {"128": 1.0}, "lookaheadkv": {"128": 0.3}},
                {"full": {"128": 0.9}, "lookaheadkv": {"128": 0.1}},
            )
        },
    )
    variants = v2_doc(
        "variants",
        {
            "test_heldout": (
                4,
                3,
                {
                    "oracle": {"128": 1.0},
                    "lookaheadkv:window=32": {"64": 0.1, "128": 0.81},
                    "lookaheadkv:pool_kernel=3": {"128": 0.79},
                },
                {"full": {"128": 0.5}, "lookaheadkv:window=32": {"128": 0.6}},
            )
        },
    )
    served = {
        "command": "python benchmarks/served_vs_reference.py --name served_v2",
        "machine": MACHINE,
        "model": "smollm2-135m",
        "lookahead_checkpoint": "runs/cpu",
        "split": "test_heldout",
        "budget": 128,
        "summary": {
            "lookaheadkv": {"equal": 19, "prompts": 20, "pruned": 20, "radix_hits": 19},
            "snapkv": {"equal": 20, "prompts": 20, "pruned": 20},
        },
    }
    write_results(
        tmp_path,
        monkeypatch,
        quality_v2_cpu=cpu,
        quality_v2_v1=v1,
        quality_v2_variants=variants,
        served_v2=served,
    )
    body = readme_tables.region("quality_v2")
    assert "not present" not in body
    lines = body.split("\n")
    assert "v1 checkpoint `runs/v1`" in lines[0] and "`runs/cpu`" in lines[0]
    assert lines[2:17] == [
        "| policy | format-heldout n=4 @128 | in-format n=2 @128 |",
        "|---|---|---|",
        "| oracle | 1.000 | 1.000 |",
        "| snapkv | 0.400 | 0.400 |",
        "| lookaheadkv (v2 checkpoint) | 0.800 | 0.800 |",
        "| lookaheadkv (v1 checkpoint) | 0.300 | - |",
        "",
        "**Task score at budget** (the same prompts' rows with gold)",
        "",
        "| policy | format-heldout n=4 @128 | in-format n=2 @128 |",
        "|---|---|---|",
        "| full | 0.500 | 0.500 |",
        "| lookaheadkv (v2 checkpoint) | 0.500 | 0.500 |",
        "| lookaheadkv (v1 checkpoint) | 0.100 | - |",
        "",
    ]
    assert lines[17].endswith(
        "format-heldout 3 of 4, in-format 2 of 2; v1 checkpoint row: format-heldout 2 of 2 prompts."
    )
    assert lines[19] == (
        "The v1 checkpoint rows are over another number of prompts than the headers say: "
        "format-heldout n=2."
    )
    variants_at = lines.index(
        "| variant | format-heldout n=4 recall@128 | format-heldout n=4 task@128 |"
    )
    assert lines[variants_at + 1 : variants_at + 4] == [
        "|---|---|---|",
        "| lookaheadkv:window=32 | 0.810 | 0.600 |",
        "| lookaheadkv:pool_kernel=3 | 0.790 | - |",
    ]
    assert lines[-6].startswith("**Served == reference** (format-heldout prompts")
    assert lines[-3:] == [
        "|---|---|---|---|---|",
        "| lookaheadkv | 19 | 20 | 20 | 19 |",
        "| snapkv | 20 | 20 | 20 | - |",
    ]


def test_quality_v2_region_with_only_the_v1_file(tmp_path, monkeypatch):
    v1 = v2_doc("v1", {"test_informat": (2, 1, {"lookaheadkv": {"128": 0.3}}, {})})
    write_results(tmp_path, monkeypatch, quality_v2_v1=v1)
    body = readme_tables.region("quality_v2")
    assert "| lookaheadkv (v1 checkpoint) | 0.300 |" in body
    assert "_results/quality_v2_cpu.json not present: not measured._" in body
    assert "_results/quality_v2_v1.json" not in body


def test_machine_path_pattern():
    for bad in (
        "/work/main/x",
        "/root/.cache/m",
        "--model-path /home/u/m",
        "a=/tmp/run",
        "/Users/x",
    ):
        assert MACHINE_PATH.search(bad), bad
    for ok in ("lkv_sglang/checkpoints/x", "~/.cache/lkv_sglang", "runs/tmp/x", "http://h/home/x"):
        assert not MACHINE_PATH.search(ok), ok


@pytest.mark.parametrize("path", sorted(RESULTS.glob("*.json")), ids=lambda p: p.name)
def test_results_hold_no_machine_paths(path):
    bad = machine_paths(json.loads(path.read_text()))
    assert not bad, f"{path.name} holds machine paths (make them repo-relative): {bad}"


def _agent_entry(rows: list[dict]) -> dict:
    n, done = len(rows), sum(r["completed"] for r in rows)
    return {
        "command": "python -m lkv_app.bench_agent",
        "machine": "x86_64",
        "max_turns": 4,
        "summary": {"tasks": n, "completed": done},
        "runs": rows,
    }


def _row(kind: str, completed: bool, answer: str, stop: str = "answered") -> dict:
    return {
        "kind": kind,
        "completed": completed,
        "answer": answer,
        "stop_reason": stop,
        "seconds": 2,
    }


def test_agent_tables_sum_the_suites_and_count_unsourced_answers():
    doc = {
        "m/none": _agent_entry([_row("lookup", True, "7731 (source: a.md)")]),
        "m/none/heldout": _agent_entry(
            [_row("absent", True, "The documents do not say."), _row("lookup", False, "7731")]
        ),
        "m/lookaheadkv@256/heldout2": _agent_entry([_row("two_hop", False, "x", "limit")]),
    }
    body = "\n".join(readme_tables.agent(doc))
    # none: main 1/1, heldout 1/2, nothing on the other suites; 2 of 3 in all; one answer names
    # no source (one column per suite of agent_tasks.SUITES: main, heldout, heldout2, ...)
    rest = " | ".join(["-"] * (len(SUITES) - 2))
    assert f"| none | 1/1 | 1/2 | {rest} | 2/3 (67%) | 1/2 | 0/0 | 1/1 | 0 | 1 | 2.0 |" in body
    after = " | ".join(["-"] * (len(SUITES) - 3))
    assert (
        f"| lookaheadkv@256 | - | - | 0/1 | {after} | 0/1 (0%) | 0/0 | 0/1 | 0/0 | 1 | 1 | 2.0 |"
        in body
    )
    versions = {"versions": {"v1": {"none/main": doc["m/none"]}}}
    assert (
        readme_tables.agent_versions(versions)[-1]
        == f"| v1 | 1/1 | {' | '.join(['-'] * (len(SUITES) - 1))} | 1/1 (100%) |"
    )
