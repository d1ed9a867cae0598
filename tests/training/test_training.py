"""Ground truth, the loss, one step, checkpoints and resume, on a tiny model end to end."""

import json
import math

import pytest
import torch

from lkv_sglang.core.lookahead import LookaheadModule
from lkv_sglang.training.config import TrainConfig
from lkv_sglang.training.dataset import build
from lkv_sglang.training.ground_truth import importance_target, kl_loss, recall_at
from lkv_sglang.training.trainer import Trainer


def test_importance_target_hand_computed():
    # 1 layer, 2 query heads in one KV head; mean answer attention per head over 2 prompt keys
    attn = torch.tensor(
        [[[0.6, 0.2], [0.2, 0.2]]]
    )  # rows need not sum to 1 (lookahead keys took the rest)
    t = importance_target(attn, num_kv_heads=1)
    # group mean [0.4, 0.2] -> normalised [2/3, 1/3]
    assert torch.allclose(t, torch.tensor([[[2 / 3, 1 / 3]]]))


def test_kl_hand_computed_and_zero_on_match():
    t = torch.tensor([[[0.5, 0.5]]])
    p = torch.tensor([[[0.25, 0.75]]])
    expect = 0.5 * math.log(0.5 / 0.25) + 0.5 * math.log(0.5 / 0.75)
    assert abs(float(kl_loss(t, p)) - expect) < 1e-6
    assert float(kl_loss(t, t)) < 1e-8


def test_recall_at():
    truth = torch.tensor([[[0.1, 0.5, 0.3, 0.1]]])
    assert recall_at(torch.tensor([[[1, 2]]]), truth, 2) == 1.0
    assert recall_at(torch.tensor([[[0, 2]]]), truth, 2) == 0.5


@pytest.fixture(scope="module")
def tiny_data(tiny_llama_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("data")
    build(
        out,
        str(tiny_llama_dir),
        {"train": 3, "val": 2},
        seed=0,
        max_answer=6,
        min_tokens=150,
        max_tokens=220,
    )
    return out


def config(tmp_path, data, model_dir, **kw):
    base = dict(
        run_dir=str(tmp_path),
        data_dir=str(data),
        model=str(model_dir),
        max_steps=4,
        eval_every=2,
        checkpoint_every=2,
        accum=1,
        threads=1,
        eval_budgets=(8,),
        lr_embeddings=0.05,
        lr_lora=0.01,
    )
    return TrainConfig(**(base | kw))


def test_dataset_files_and_manifest(tiny_data):
    m = json.loads((tiny_data / "manifest.json").read_text())
    assert m["counts"] == {"train": 3, "val": 2}
    rows = [json.loads(x) for x in (tiny_data / "train.jsonl").open()]
    assert len(rows) == 3
    t = torch.load(tiny_data / "tensors" / f"{rows[0]['id']}.pt")
    n = rows[0]["prompt_len"]
    assert t["true"].shape == (2, 2, n) and t["K"].shape[:3] == (2, 2, n)
    assert torch.allclose(t["true"].float().sum(-1), torch.ones(2, 2), atol=1e-2)


def test_one_step_lowers_the_loss_on_a_fixed_batch(tiny_data, tiny_llama_dir, tmp_path):
    tr = Trainer(config(tmp_path, tiny_data, tiny_llama_dir))
    ex = tr.example(tr.train_ids[0])
    before = float(tr.loss_on(ex))
    for _ in range(3):
        tr.opt.zero_grad()
        tr.loss_on(ex).backward()
        tr.opt.step()
    assert float(tr.loss_on(ex)) < before


def test_saved_and_reloaded_checkpoint_gives_identical_scores(tiny_data, tiny_llama_dir, tmp_path):
    from lkv_sglang.training.forward import lookahead_scores

    tr = Trainer(config(tmp_path / "run", tiny_data, tiny_llama_dir, max_steps=2))
    tr.fit()
    ex = tr.example(tr.val_ids[0])
    with torch.no_grad():
        a = lookahead_scores(tr.model, tr.module, ex["K"], ex["V"])
        back = LookaheadModule.load(
            tmp_path / "run" / "checkpoint", expect_fingerprint=tr.module.config.base_fingerprint
        )
        from lkv_sglang.hf.lora import attach_lookahead

        attach_lookahead(tr.model, back)
        b = lookahead_scores(tr.model, back, ex["K"], ex["V"])
    assert torch.equal(a, b)


def test_resumed_run_continues_from_its_step(tiny_data, tiny_llama_dir, tmp_path):
    straight = Trainer(config(tmp_path / "a", tiny_data, tiny_llama_dir, max_steps=4))
    straight.fit()
    first = Trainer(config(tmp_path / "b", tiny_data, tiny_llama_dir, max_steps=2))
    first.fit()
    resumed = Trainer(config(tmp_path / "b", tiny_data, tiny_llama_dir, max_steps=4))
    assert resumed.step == 2
    hist = resumed.fit()
    assert hist["steps"] == 4
    for k, v in straight.module.state_dict().items():
        torch.testing.assert_close(resumed.module.state_dict()[k], v, rtol=0, atol=1e-6)
    assert (tmp_path / "b" / "best" / "lookahead.json").is_file()
