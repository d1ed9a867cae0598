"""``bench_replay compare``: which recorded runs two agent versions treat differently."""

from __future__ import annotations

import json

import pytest

from lkv_app.bench_replay import compare


def write(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def row(key, run, turn, result="r", pattern="^(a)$"):
    return {"key": key, "run": run, "turn": turn, "result": result, "pattern": pattern}


def test_compare_lists_runs_whose_results_or_answer_options_differ(tmp_path):
    old = [row("m/none", 0, 0), row("m/none", 0, 1), row("m/none", 1, 0), row("m/x/h", 0, 0)]
    new = [
        row("m/none", 0, 0),
        row("m/none", 0, 1, pattern="^unknown$"),
        row("m/none", 1, 0),
        row("m/x/h", 0, 0, result="other"),
    ]
    got = compare(write(tmp_path / "a", old), write(tmp_path / "b", new))
    assert got == {"m/none": [0], "m/x/h": [0]}
    assert compare(write(tmp_path / "c", old), write(tmp_path / "d", old)) == {}


def test_compare_refuses_replays_of_different_runs(tmp_path):
    a = write(tmp_path / "a", [row("m/none", 0, 0)])
    b = write(tmp_path / "b", [row("m/none", 1, 0)])
    with pytest.raises(SystemExit, match="replay different runs"):
        compare(a, b)
