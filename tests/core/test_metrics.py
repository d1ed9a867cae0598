"""Task metrics (``lkv_sglang.metrics``): token F1, gold-string match, the per-kind score."""

from __future__ import annotations

import pytest

from lkv_sglang.metrics import contains_all, f1, normalise_answer, task_score


def test_normalise_lowercases_drops_punctuation_articles_and_extra_spaces():
    assert normalise_answer("  The Cat, an  APPLE & a dog!  ") == "cat apple dog"
    # articles go only as whole words: "theatre" and "another" stay
    assert normalise_answer("Another theatre") == "another theatre"


def test_f1_exact_match_is_one():
    assert f1("Paris", "Paris") == 1.0
    assert f1("the Eiffel Tower", "Eiffel tower") == 1.0


def test_f1_partial_overlap_hand_computed():
    # prediction 3 tokens, gold 2 tokens, 1 in common: P = 1/3, R = 1/2, F1 = 2PR/(P+R) = 0.4
    assert f1("blue red green", "red yellow") == pytest.approx(0.4)
    # repeated tokens count at most as often as in the gold: "red red" vs "red" -> P = 1/2, R = 1
    assert f1("red red", "red") == pytest.approx(2 / 3)
    # and a token repeated in both counts as often as it repeats in both: 2 common of 3 and 2
    assert f1("red red blue", "red red") == pytest.approx(0.8)


def test_f1_no_overlap_is_zero():
    assert f1("London", "Paris") == 0.0


@pytest.mark.parametrize(("prediction", "gold"), [("", "Paris"), ("Paris", ""), ("", "")])
def test_f1_empty_side_is_zero(prediction, gold):
    assert f1(prediction, gold) == 0.0


def test_f1_only_punctuation_or_articles_counts_as_empty():
    assert f1("The.", "the") == 0.0
    assert f1("!!!", "Paris") == 0.0


def test_f1_ignores_case_punctuation_and_articles():
    assert f1("The answer is: PARIS.", "paris") == pytest.approx(2 * (1 / 3) / (1 / 3 + 1))
    assert f1("A Paris!", "paris") == 1.0


def test_f1_is_symmetric():
    assert f1("blue red green", "red yellow") == f1("red yellow", "blue red green")


def test_contains_all_is_case_insensitive_substring():
    assert contains_all("The code is 4829173.", ["4829173"]) == 1.0
    assert contains_all("the MAGIC word is Zebra", ["zebra"]) == 1.0
    assert contains_all("the magic word is zebra", ["ZEBRA"]) == 1.0
    assert contains_all("The code is 482917.", ["4829173"]) == 0.0


def test_contains_all_needs_every_gold():
    assert contains_all("alpha=1 beta=2", ["alpha=1", "beta=2"]) == 1.0
    assert contains_all("alpha=1 only", ["alpha=1", "beta=2"]) == 0.0
    assert contains_all("", ["x"]) == 0.0


def test_contains_all_with_no_gold_is_one():
    # ``all`` over nothing is true: an example with no gold strings counts as answered
    assert contains_all("anything", []) == 1.0


def test_contains_all_does_not_normalise_punctuation():
    # substring match is literal apart from case
    assert contains_all("X = 12", ["x=12"]) == 0.0


@pytest.mark.parametrize("kind", ["needle", "multineedle", "vt"])
def test_task_score_match_kinds_use_contains_all(kind):
    assert task_score(kind, "values: 11, 22 and 33", ["11", "22", "33"]) == 1.0
    assert task_score(kind, "values: 11, 22", ["11", "22", "33"]) == 0.0
    # no partial credit and no F1: a long answer holding the gold scores 1
    assert task_score(kind, "a very long answer mentioning 4829173 somewhere", ["4829173"]) == 1.0


@pytest.mark.parametrize("kind", ["qa", "multihop"])
def test_task_score_qa_kinds_take_the_best_f1_over_golds(kind):
    golds = ["red yellow", "blue red green"]
    assert task_score(kind, "blue red green", golds) == 1.0
    assert task_score(kind, "red yellow", golds) == 1.0
    assert task_score(kind, "red", golds) == pytest.approx(max(f1("red", g) for g in golds))
    assert task_score(kind, "red", golds) == pytest.approx(2 / 3)
    # F1, not substring match: the gold inside a long answer scores below 1
    assert 0.0 < task_score(kind, "the answer is red yellow I think", ["red yellow"]) < 1.0


@pytest.mark.parametrize("kind", ["qa", "multihop"])
def test_task_score_qa_kinds_with_no_gold_is_zero(kind):
    assert task_score(kind, "Paris", []) == 0.0


def test_task_score_match_kind_with_no_gold_is_one():
    assert task_score("needle", "anything", []) == 1.0


def test_scores_stay_in_unit_interval():
    cases = [("", ""), ("a", "b"), ("x y z", "x"), ("Paris Paris", "paris"), ("1 2 3", "3 2 1")]
    for p, g in cases:
        assert 0.0 <= f1(p, g) <= 1.0
        for kind in ("needle", "qa"):
            assert 0.0 <= task_score(kind, p, [g]) <= 1.0
