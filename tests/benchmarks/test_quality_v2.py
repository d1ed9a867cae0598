"""quality_v2's merge and scoring on synthetic part files (no model, no data)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

import quality_v2  # noqa: E402

from lkv_sglang.metrics import task_score  # noqa: E402


def rec(i, split, kind, metric, gold, n, la, snap, task_la, full=1.0):
    return {
        "id": f"{split}-{i}",
        "split": split,
        "kind": kind,
        "family": f"{kind}-fam",
        "metric": metric,
        "has_gold": gold,
        "prompt_len": n,
        "recall": {"lookaheadkv": {"64": la}, "snapkv": {"64": snap}, "oracle": {"64": 1.0}},
        "task": {"lookaheadkv": {"64": task_la}} if gold else {},
        "full": full if gold else None,
        "agreement": {"lookaheadkv": {"64": 0.5}},
        "answers": {"lookaheadkv@64": "x"},
        "select_seconds": {},
        "seconds": 2.0,
    }


@pytest.fixture
def merged(tmp_path, monkeypatch):
    results = tmp_path / "results"
    monkeypatch.setattr(quality_v2, "RAW", results / "raw")
    monkeypatch.setattr("common.RESULTS", results)
    monkeypatch.setattr(sys, "argv", [str(quality_v2.REPO / "benchmarks/quality_v2.py")])
    raw = results / "raw" / "t"
    raw.mkdir(parents=True)
    a = [
        rec(0, "test_heldout", "needle", "needle", True, 4500, 0.8, 0.4, 1.0),
        rec(1, "test_heldout", "qa", "qa", True, 1000, 0.6, 0.2, 0.0, full=0.5),
        rec(2, "test_heldout", "summary", "summary", False, 2000, 0.4, 0.3, None),
    ]
    b = [rec(3, "test_heldout", "chat", "needle", True, 1200, 0.2, 0.1, 1.0)]
    lines = lambda rs: "".join(json.dumps(r) + "\n" for r in rs)  # noqa: E731
    (raw / "test_heldout.part0of2.jsonl").write_text(lines(a) + lines(a[:1]))  # a duplicate
    (raw / "test_heldout.part1of2.jsonl").write_text(lines(b) + '{"id": "half a line')
    (raw / "test_heldout.part0of2.meta.json").write_text(
        json.dumps(
            [{"command": "python x", "machine": {}, "model": "m", "lookahead_checkpoint": "c"}]
        )
    )
    out = quality_v2.merge("t")
    return json.loads(out.read_text()), out


def test_merge_means_split_gold_from_agreement(merged):
    doc, out = merged
    s = doc["splits"]["test_heldout"]
    assert s["examples"] == 4  # duplicate id counted once, the unfinished line skipped
    assert s["recall"]["lookaheadkv"]["64"] == pytest.approx((0.8 + 0.6 + 0.4 + 0.2) / 4)
    assert s["recall"]["snapkv"]["64"] == pytest.approx((0.4 + 0.2 + 0.3 + 0.1) / 4)
    assert s["task_score"]["lookaheadkv"]["64"] == pytest.approx(2 / 3)  # the 3 rows with gold
    assert s["task_score"]["full"]["64"] == pytest.approx(2.5 / 3)
    assert s["agreement_with_full_answer_no_gold_kinds"]["lookaheadkv"]["64"] == 0.5
    long = s["needle_accuracy_prompts_ge_4000"]
    assert long["examples"] == 1 and long["accuracy"]["lookaheadkv"]["64"] == 1.0
    assert "task_score" not in s["by_kind"]["summary"]
    assert s["by_kind"]["qa"]["task_score"]["lookaheadkv"]["64"] == 0.0
    assert out.with_suffix(".png").stat().st_size > 0


def test_merged_result_holds_no_machine_path(merged):
    doc, out = merged
    text = out.read_text()
    assert str(quality_v2.REPO) not in text
    assert doc["command"].startswith("python benchmarks/quality_v2.py")
    assert quality_v2.repo_relative(quality_v2.REPO / "x" / "ckpt") == "x/ckpt"
    assert quality_v2.repo_relative("/somewhere/else/ckpt") == "<outside-repo>/else/ckpt"


def test_v2_kinds_score_by_the_task_they_wrap():
    row = {"kind": "chat", "meta": {"task": "needle"}, "gold": ["730564"], "answer": "730564"}
    assert quality_v2.metric_kind(row) == "needle"
    assert quality_v2.metric_kind({"kind": "count", "meta": {}}) == "count"
    s = quality_v2.score_row(row, {"snapkv": {64: "it is 730564 ok"}})
    assert s["task"]["snapkv"]["64"] == 1.0 and s["full"] == 1.0
    assert 0 < s["agreement"]["snapkv"]["64"] < 1
    nogold = quality_v2.score_row({**row, "gold": []}, {"snapkv": {64: "730564"}})
    assert nogold["task"] == {} and nogold["full"] is None
    assert task_score("count", "there are 11 entries", ["11"]) == 1.0
    assert task_score("count", "there are 110 entries", ["11"]) == 0.0
