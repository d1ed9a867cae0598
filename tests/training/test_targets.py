"""Which answer a training row's truth is computed on (training.varied.targets)."""

import pytest

from lkv_sglang.training.config import TrainConfig
from lkv_sglang.training.varied.targets import answer_ids, gold_text


class Tok:
    """Characters as token ids: enough to see which text was tokenized."""

    def __call__(self, text, add_special_tokens=True):
        return type("Enc", (), {"input_ids": [ord(c) for c in text]})()


def row(kind, answer, gold, task=None):
    return {
        "kind": kind,
        "answer": answer,
        "answer_ids": [1, 2, 3],
        "gold": gold,
        "meta": {"task": task} if task else {},
    }


def ids_of(text):
    return [ord(c) for c in text]


def test_model_mode_always_keeps_the_models_answer():
    assert answer_ids(row("needle", "no idea", ["4829173"]), Tok(), "model") == [1, 2, 3]


def test_right_answers_and_rows_without_gold_keep_the_models_answer():
    assert answer_ids(row("needle", "It is 4829173.", ["4829173"]), Tok(), "gold_when_wrong") == [
        1,
        2,
        3,
    ]
    assert answer_ids(row("summary", "A summary.", []), Tok(), "gold_when_wrong") == [1, 2, 3]


def test_wrong_answers_take_the_gold_every_string_where_all_count():
    r = row("multineedle", "AB-1 only", ["AB-1", "CD-2"])
    assert answer_ids(r, Tok(), "gold_when_wrong") == ids_of("AB-1, CD-2")
    qa = row("app_qa", "Someone else", ["Ilse Marchetti", "Marchetti"], task="qa")
    assert answer_ids(qa, Tok(), "gold_when_wrong") == ids_of("Ilse Marchetti")
    assert gold_text("vt", ["x1", "x2"]) == "x1, x2" and gold_text("count", ["13"]) == "13"


def test_unknown_mode_is_refused_by_name():
    with pytest.raises(ValueError, match="'gold'"):
        answer_ids(row("needle", "x", ["y"]), Tok(), "gold")
    with pytest.raises(ValueError, match="train_answers"):
        TrainConfig(run_dir="r", data_dir="d", train_answers="gold")
    with pytest.raises(ValueError, match="val_answers"):
        TrainConfig(run_dir="r", data_dir="d", data_format="recompute", val_answers="x")
    with pytest.raises(ValueError, match="data_format 'recompute'"):
        TrainConfig(run_dir="r", data_dir="d", train_answers="gold_when_wrong")
