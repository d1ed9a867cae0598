"""The data builder: deterministic for a seed, and no test document ever reaches training."""

import pytest

from lkv_sglang.training import sources
from lkv_sglang.training.prompts import KINDS, build_split


def ntok(s: str) -> int:
    return len(s.split()) * 4 // 3


@pytest.fixture(scope="module")
def splits():
    return {
        s: build_split(s, 15, seed=3, ntok=ntok, min_tokens=400, max_tokens=900)
        for s in sources.SPLITS
    }


def test_deterministic_for_a_seed(splits):
    again = build_split("train", 15, seed=3, ntok=ntok, min_tokens=400, max_tokens=900)
    assert [e.to_json() for e in again] == [e.to_json() for e in splits["train"]]
    other = build_split("train", 15, seed=4, ntok=ntok, min_tokens=400, max_tokens=900)
    assert [e.user for e in other] != [e.user for e in splits["train"]]


def test_no_test_document_in_training(splits):
    docs = {s: {d for e in exs for d in e.docs} for s, exs in splits.items()}
    assert docs["train"] and docs["test"]
    assert not docs["train"] & docs["test"]
    assert not docs["train"] & docs["val"]
    for split, exs in splits.items():
        for e in exs:
            assert all(sources.split_of(d) == split or d == f"essays:{split}" for d in e.docs), e.id
    # and no test paragraph text appears inside a training prompt
    test_qa = [e for e in splits["test"] if e.kind in ("qa", "multihop")]
    train_text = "\n".join(e.user for e in splits["train"])
    for e in test_qa:
        body = e.user.split("Document 1:\n", 1)[1][:200]
        assert body not in train_text


def test_every_kind_and_gold_present(splits):
    exs = splits["train"]
    assert {e.kind for e in exs} == set(KINDS)
    for e in exs:
        assert e.gold
        if e.kind in ("needle", "multineedle", "vt"):
            assert all(g in e.user for g in e.gold)
        assert 300 <= ntok(e.user) <= 1000


def test_unknown_split_named():
    with pytest.raises(ValueError, match="unknown split 'dev'"):
        build_split("dev", 1, 0, ntok)
