"""Which answer a training row's ground truth is computed on.

The ground truth is the attention of the answer's tokens over the prompt. The paper's answer
is the model's own greedy one, from a model that answers most prompts right. SmolLM2-135M
answers 69 of lkv-data-v2's 715 train rows with gold strings right (task score >= 0.5): the
rest teach the attention of a wrong answer. ``gold_when_wrong`` keeps the model's answer
where it is right (or where a row has no gold) and teacher-forces the gold answer elsewhere,
so the target is where the right answer looks.
"""

from __future__ import annotations

from ...metrics import ALL_GOLD, task_score

MODES = ("model", "gold_when_wrong")
RIGHT = 0.5  # a task score at least this counts as a right answer


def check_mode(mode: str, name: str = "answers") -> str:
    if mode not in MODES:
        raise ValueError(f"{name} must be one of {MODES}; got {mode!r}")
    return mode


def gold_text(kind: str, golds: list[str]) -> str:
    """The answer a right reply must hold: every gold string where the metric wants all of
    them (needle, multineedle, vt), else the first."""
    return ", ".join(golds) if kind in ALL_GOLD else golds[0]


def answer_ids(row: dict, tok, mode: str) -> list[int]:
    """The row's answer token ids under ``mode`` (``MODES``)."""
    if check_mode(mode) == "model" or not row["gold"]:
        return row["answer_ids"]
    kind = row.get("meta", {}).get("task") or row["kind"]
    if task_score(kind, row["answer"], row["gold"]) >= RIGHT:
        return row["answer_ids"]
    return tok(gold_text(kind, row["gold"]), add_special_tokens=False).input_ids
