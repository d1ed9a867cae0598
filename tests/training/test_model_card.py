"""The shipped checkpoint's model card follows a run back through ``init_from``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lkv_sglang.training.ship import model_card, run_chain


def fake_run(root: Path, name: str, init_from: str | None, steps: int, recall: float) -> Path:
    run = root / name
    (run / "best").mkdir(parents=True)
    cfg = {
        "run_dir": str(run),
        "data_dir": str(root / "data"),
        "init_from": init_from,
        "rank": 8,
        "alpha": 32.0,
        "targets": ["q_proj"],
        "accum": 2,
        "lr_embeddings": 0.005,
        "lr_lora": 0.001,
        "best_metric": "val_recall@128",
        "val_split": "val_heldout",
    }
    (run / "config.json").write_text(json.dumps(cfg))
    log = [
        {"step": 0, "val_kl": 0.3, "val_recall@64": 0.5, "val_recall@128": 0.6, "seconds": 0.0},
        {
            "step": steps,
            "train_examples": 10 * steps,
            "val_examples": 48,
            "val_kl": 0.1,
            "val_recall@64": recall,
            "val_recall@128": recall,
            "seconds": 120.0,
        },
    ]
    (run / "log.jsonl").write_text("".join(json.dumps(x) + "\n" for x in log))
    (run / "best" / "metrics.json").write_text(json.dumps(log[-1]))
    return run


def test_two_stages_oldest_first(tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "train.jsonl").write_text('{"kind": "needle"}\n{"kind": "qa"}\n')
    gpu = fake_run(tmp_path, "gpu", None, 260, 0.754)
    cpu = fake_run(tmp_path, "cpu", str(gpu / "best"), 400, 0.78)
    assert run_chain(cpu) == [gpu, cpu]
    card = model_card(cpu, "smollm2-135m", ["one H200", "a 2-core CPU"])
    rows = [line for line in card.splitlines() if line.startswith("| `")]
    assert [r.split("|")[1].strip() for r in rows] == ["`gpu`", "`cpu`"]
    assert "one H200" in rows[0] and "a 2-core CPU" in rows[1]
    assert "2600" in rows[0] and "4000" in rows[1]  # train prompts from the logs
    assert "needle, qa" in card
    assert "0.780" in rows[1]


def test_missing_parent_run_is_named(tmp_path):
    run = fake_run(tmp_path, "cpu", str(tmp_path / "gone" / "best"), 10, 0.7)
    with pytest.raises(FileNotFoundError, match="gone/best"):
        run_chain(run)


def test_a_chain_can_start_from_a_shipped_checkpoint(tmp_path):
    (tmp_path / "data").mkdir()
    shipped = tmp_path / "checkpoints" / "smollm2-135m"
    shipped.mkdir(parents=True)
    (shipped / "lookahead.json").write_text("{}")
    run = fake_run(tmp_path, "cpu", str(shipped), 10, 0.7)
    assert run_chain(run) == [run]
    assert f"started from the weights in `{shipped}`" in model_card(run, "m", ["cpu"])
