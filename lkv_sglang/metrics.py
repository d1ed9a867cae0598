"""Task metrics: substring match for retrieval answers, whole-number match for counts, token F1
for QA."""

from __future__ import annotations

import re
import string
from collections import Counter


def normalise_answer(s: str) -> str:
    s = s.lower()
    s = "".join(ch for ch in s if ch not in set(string.punctuation))
    s = re.sub(r"\b(a|an|the)\b", " ", s)
    return " ".join(s.split())


def f1(prediction: str, gold: str) -> float:
    p, g = normalise_answer(prediction).split(), normalise_answer(gold).split()
    common = Counter(p) & Counter(g)
    same = sum(common.values())
    if same == 0:
        return 0.0
    precision, recall = same / len(p), same / len(g)
    return 2 * precision * recall / (precision + recall)


def contains_all(prediction: str, golds: list[str]) -> float:
    """1.0 when every gold string occurs in the prediction (case-insensitive)."""
    a = prediction.lower()
    return float(all(g.lower() in a for g in golds))


def contains_number(prediction: str, golds: list[str]) -> float:
    """1.0 when every gold number occurs in the prediction as a whole number ("11" is not found
    in "110" or "2011")."""
    return float(all(re.search(rf"(?<!\d){re.escape(g)}(?!\d)", prediction) for g in golds))


ALL_GOLD = ("needle", "multineedle", "vt")


def task_score(kind: str, prediction: str, golds: list[str]) -> float:
    """needle / multineedle / vt: all gold strings present; count: the gold number present as a
    whole number; qa / multihop / app_qa / chat / agent (and anything else): best F1 over golds.
    (lkv-data-v2's app_qa / chat / agent rows wrap a needle or qa task, named in
    ``row["meta"]["task"]``: pass that as ``kind`` to score them by it.)"""
    if kind in ALL_GOLD:
        return contains_all(prediction, golds)
    if kind == "count":
        return contains_number(prediction, golds)
    return max((f1(prediction, g) for g in golds), default=0.0)
