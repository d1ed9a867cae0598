"""lkv-data-v2 end to end on a tiny model: answers stored, KV and truth recomputed per step."""

import json

import pytest
import torch

from lkv_sglang.core.policies import make_policy
from lkv_sglang.hf import load_model
from lkv_sglang.hf.generate import prefill
from lkv_sglang.hf.observe import teacher_forced_attention
from lkv_sglang.training.config import TrainConfig
from lkv_sglang.training.ground_truth import importance_target
from lkv_sglang.training.recompute import kv_and_truth
from lkv_sglang.training.trainer import Trainer
from lkv_sglang.training.varied import generator
from lkv_sglang.training.varied.build import build
from lkv_sglang.training.varied.store import AnswerStore, PromptMismatch

LENGTHS = (150, 250, 300)


@pytest.fixture(scope="module")
def v2_data(tiny_llama_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("v2")
    build(out, str(tiny_llama_dir), {"val_heldout": 2, "train": 3}, 0, LENGTHS, log=lambda s: None)
    return out


def config(run, data, model_dir, **kw):
    base = dict(
        run_dir=str(run),
        data_dir=str(data),
        model=str(model_dir),
        data_format="recompute",
        val_split="val_heldout",
        best_metric="val_recall@8",
        max_steps=4,
        eval_every=2,
        checkpoint_every=2,
        accum=1,
        threads=1,
        eval_budgets=(8,),
        eval_variants=("pool3", "window4"),
        lr_embeddings=0.05,
        lr_lora=0.01,
    )
    return TrainConfig(**(base | kw))


def test_rows_manifest_and_resumed_build(v2_data, tiny_llama_dir):
    m = json.loads((v2_data / "manifest.json").read_text())
    assert m["counts"] == {"val_heldout": 2, "train": 3} and m["lengths"] == list(LENGTHS)
    first = (v2_data / "train.jsonl").read_text()
    row = json.loads(first.splitlines()[0])
    assert set(row) >= {"prompt_sha256", "answer_ids", "index", "family", "seconds"}
    assert "messages" not in row and 1 <= len(row["answer_ids"]) <= 64
    build(v2_data, str(tiny_llama_dir), {"train": 4}, 0, LENGTHS, log=lambda s: None)
    now = (v2_data / "train.jsonl").read_text()
    assert now.startswith(first) and len(now.splitlines()) == 4  # appended, nothing redone
    with pytest.raises(ValueError, match="seed=0"):
        build(v2_data, str(tiny_llama_dir), {"train": 1}, 1, LENGTHS)


def test_recomputed_truth_equals_teacher_forcing(v2_data, tiny_llama_dir):
    model, tok = load_model(str(tiny_llama_dir))
    store = AnswerStore(v2_data, tok)
    row = store.rows("train")[0]
    ids = store.prompt(row)
    K, V, truth = kv_and_truth(model, ids, row["answer_ids"], 2)
    cache, _, _ = prefill(model, torch.tensor([ids]), make_policy("full"))
    ref = importance_target(teacher_forced_attention(model, cache, row["answer_ids"], len(ids)), 2)
    torch.testing.assert_close(truth, ref, atol=1e-5, rtol=1e-4)
    torch.testing.assert_close(
        K, torch.stack([c.keys[0] for c in cache.layers]), atol=1e-5, rtol=1e-4
    )
    assert truth.shape == (2, 2, len(ids))


def test_changed_generator_is_refused_by_sha256(v2_data, tiny_llama_dir, monkeypatch):
    _, tok = load_model(str(tiny_llama_dir))
    store = AnswerStore(v2_data, tok)
    row = store.rows("train")[0]
    store.prompt(row)  # unchanged generator: fine
    monkeypatch.setattr(generator, "REVISION", generator.REVISION + 1)  # any change of prompts
    with pytest.raises(PromptMismatch, match="does not match the stored sha256"):
        store.prompt(row)


def test_step_with_recomputed_truth_lowers_the_loss(v2_data, tiny_llama_dir, tmp_path):
    tr = Trainer(config(tmp_path, v2_data, tiny_llama_dir))
    fixed = tr.train_ids[0]
    tr.next_id = lambda: fixed  # a fixed batch: the same example every step
    with torch.no_grad():
        before = float(tr.loss_on(tr.example(fixed)))
    for _ in range(3):
        tr.train_step()
    with torch.no_grad():
        assert float(tr.loss_on(tr.example(fixed))) < before


def test_resumed_run_equals_an_uninterrupted_one(v2_data, tiny_llama_dir, tmp_path):
    straight = Trainer(config(tmp_path / "a", v2_data, tiny_llama_dir))
    straight.fit()
    Trainer(config(tmp_path / "b", v2_data, tiny_llama_dir, max_steps=2)).fit()
    resumed = Trainer(config(tmp_path / "b", v2_data, tiny_llama_dir))
    assert resumed.step == 2
    resumed.fit()
    for k, v in straight.module.state_dict().items():
        torch.testing.assert_close(resumed.module.state_dict()[k], v, rtol=0, atol=1e-6)
    best = json.loads((tmp_path / "b" / "best" / "metrics.json").read_text())
    assert best["val_recall@8"] == max(h["val_recall@8"] for h in resumed.history)
    assert {"val_recall@8_pool3", "val_recall@8_window4"} <= set(best)


def test_best_metric_must_be_tracked(tmp_path):
    with pytest.raises(ValueError, match="val_recall@256"):
        TrainConfig(
            run_dir=str(tmp_path), data_dir=".", best_metric="val_recall@256", eval_budgets=(64,)
        )


def test_build_writes_the_prompt_cache_and_the_store_checks_it(v2_data, tiny_llama_dir):
    from lkv_sglang.training.varied import prompt_cache

    _, tok = load_model(str(tiny_llama_dir))
    cached = prompt_cache.load(v2_data, generator.REVISION)
    rows = {r["id"]: r for r in AnswerStore(v2_data, tok).rows("train")}
    assert set(rows) <= set(cached)  # every built row's prompt is cached
    assert prompt_cache.load(v2_data, generator.REVISION + 1) == {}  # another generator: none
    store = AnswerStore(v2_data, tok)
    row = next(iter(rows.values()))
    rebuilt = generator.prompt_ids(
        tok,
        generator.build_sample(0, row["split"], row["index"], store.ntok, store.lengths).messages,
    )
    assert store.prompt(row) == rebuilt
    store.cached[row["id"]] = (row["prompt_sha256"], rebuilt[:-1])  # a stale cache line
    assert store.prompt(row) == rebuilt  # is not used: its ids do not hash to the row's sha


def test_sharded_build_merges_to_the_unsharded_rows(v2_data, tiny_llama_dir, tmp_path):
    import shutil

    from lkv_sglang.training.varied.build import merge

    out = tmp_path / "sharded"
    shutil.copytree(v2_data, out)
    n = len((v2_data / "train.jsonl").read_text().splitlines())  # other tests may add rows
    (out / "train.jsonl").write_text("")  # same manifest, no train rows
    for shard in ((0, 2), (1, 2)):
        build(out, str(tiny_llama_dir), {"train": n}, 0, LENGTHS, log=lambda s: None, shard=shard)
    assert not (out / "train.jsonl").read_text()  # shards write part files only
    merge(out)
    assert not list(out.glob("train.part*"))

    def strip(path):
        rows = [json.loads(x) for x in path.open()]
        return [{k: v for k, v in r.items() if "seconds" not in k} for r in rows]

    assert strip(out / "train.jsonl") == strip(v2_data / "train.jsonl")
    assert json.loads((out / "manifest.json").read_text())["counts"]["train"] == n


def test_train_and_val_answers_reach_their_steps(v2_data, tiny_llama_dir, tmp_path):
    tr = Trainer(config(tmp_path, v2_data, tiny_llama_dir, train_answers="gold_when_wrong"))
    seen = []
    real = tr.source.example
    tr.source.example = lambda ex_id, answers="model": seen.append(answers) or real(ex_id, answers)
    tr.train_step()
    assert seen == ["gold_when_wrong"]  # accum=1
    seen.clear()
    tr.evaluate()
    assert seen and set(seen) == {"model"}  # val_answers: the default
    tr = Trainer(config(tmp_path / "v", v2_data, tiny_llama_dir, val_answers="gold_when_wrong"))
    real = tr.source.example
    tr.source.example = lambda ex_id, answers="model": seen.append(answers) or real(ex_id, answers)
    seen.clear()
    tr.evaluate()
    assert seen and set(seen) == {"gold_when_wrong"}
