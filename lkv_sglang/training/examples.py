"""Where a training step's example comes from: stored tensors (v1) or recomputed (v2)."""

from __future__ import annotations

from pathlib import Path

import torch

from ..hf.geometry import geometry
from .dataset import load_split
from .recompute import kv_and_truth
from .varied.targets import answer_ids


class StoredExamples:
    """lkv-data-v1: ``tensors/{id}.pt`` holds the prompt KV (fp16) and the truth."""

    def __init__(self, root: Path):
        self.root = Path(root)

    def ids(self, split: str) -> list[str]:
        path = self.root / f"{split}.jsonl"
        return [r["id"] for r in load_split(self.root, split)] if path.exists() else []

    def example(self, ex_id: str, answers: str = "model") -> dict:
        if answers != "model":
            raise ValueError(
                f"lkv-data-v1 stores its truth; train_answers must be 'model', got {answers!r}"
            )
        return torch.load(self.root / "tensors" / f"{ex_id}.pt")


class RecomputedExamples:
    """lkv-data-v2: the prompt is rebuilt (sha256-checked), then one no-grad forward over
    [prompt; answer] gives its KV and the truth; nothing but the answer ids is stored."""

    def __init__(self, root: Path, model, model_name: str):
        from transformers import AutoTokenizer

        from ..models import resolve_model
        from .varied.store import AnswerStore

        self.model = model
        self.store = AnswerStore(
            root, AutoTokenizer.from_pretrained(str(resolve_model(model_name)))
        )
        self.rows: dict[str, dict] = {}

    def ids(self, split: str) -> list[str]:
        rows = self.store.rows(split)
        self.rows |= {r["id"]: r for r in rows}
        return [r["id"] for r in rows]

    def example(self, ex_id: str, answers: str = "model") -> dict:
        """``answers``: the answer the truth is computed on (``varied.targets.MODES``)."""
        row = self.rows[ex_id]
        answer = answer_ids(row, self.store.tok, answers)
        K, V, truth = kv_and_truth(
            self.model, self.store.prompt(row), answer, geometry(self.model).num_kv_heads
        )
        return {"K": K, "V": V, "true": truth}
