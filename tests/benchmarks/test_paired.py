"""paired.py: means over the prompts every compared run scored, and nothing else."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

import paired  # noqa: E402
import quality_v2  # noqa: E402


def rec(i, gold, recall, task, agree, policy="lookaheadkv"):
    return {
        "id": f"r{i}",
        "split": "test_heldout",
        "has_gold": gold,
        "recall": {policy: {"64": recall}},
        "task": {policy: {"64": task}} if gold else {},
        "agreement": {policy: {"64": agree}},
    }


def write(raw: Path, name: str, recs: list[dict]) -> None:
    (raw / name).mkdir(parents=True)
    (raw / name / "test_heldout.part0of1.jsonl").write_text(
        "".join(json.dumps(r) + "\n" for r in recs)
    )


def test_means_are_over_shared_prompts_only(tmp_path, monkeypatch):
    monkeypatch.setattr(quality_v2, "RAW", tmp_path)
    # run a scored r0..r2, run b r1..r3: only r1 and r2 are shared; r2 has no gold
    write(
        tmp_path,
        "a",
        [rec(0, True, 0.9, 1.0, 0.9), rec(1, True, 0.5, 1.0, 0.4), rec(2, False, 0.3, None, 0.2)],
    )
    write(
        tmp_path,
        "b",
        [rec(1, True, 0.7, 0.0, 0.6), rec(2, False, 0.1, None, 0.0), rec(3, True, 0.0, 0.0, 0.0)],
    )
    out = paired.paired([("A", "a", "lookaheadkv"), ("B", "b", "lookaheadkv")])
    s = out["test_heldout"]
    assert (s["examples"], s["examples_with_gold"]) == (2, 1)
    assert s["recall"]["A"]["64"] == pytest.approx(0.4) and s["recall"]["B"]["64"] == pytest.approx(
        0.4
    )
    assert s["task_score"]["A"]["64"] == 1.0 and s["task_score"]["B"]["64"] == 0.0  # r1 only
    assert s["agreement_with_full_answer"]["A"]["64"] == pytest.approx(0.3)


def test_a_policy_missing_from_a_row_drops_the_row(tmp_path, monkeypatch):
    monkeypatch.setattr(quality_v2, "RAW", tmp_path)
    write(
        tmp_path, "a", [rec(0, True, 0.9, 1.0, 0.9), rec(1, True, 0.5, 1.0, 0.4, policy="snapkv")]
    )
    out = paired.paired([("A", "a", "lookaheadkv"), ("S", "a", "snapkv")])
    assert out == {}  # no row holds both policies


def test_bad_label_names_the_form():
    with pytest.raises(argparse.ArgumentTypeError, match="LABEL=NAME:POLICY"):
        paired.parse_label("v1=quality_v2_gpu")
