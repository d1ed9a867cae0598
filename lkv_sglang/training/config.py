"""A training run's configuration: one JSON file per run, saved beside its checkpoints."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from ..core.lookahead import LORA_TARGETS
from .variants import check_variant
from .varied.targets import check_mode


@dataclass(frozen=True)
class TrainConfig:
    run_dir: str
    data_dir: str
    model: str = "smollm2-135m"
    seed: int = 0
    max_steps: int = 1000  # optimizer steps
    max_seconds: float = 3600.0  # wall-clock cap (a checkpoint is written when it is hit)
    accum: int = 2  # examples per optimizer step
    lr_embeddings: float = 5e-3
    lr_lora: float = 1e-3
    n_lookahead: int = 32
    rank: int = 8
    alpha: float = 32.0
    targets: tuple[str, ...] = LORA_TARGETS
    eval_every: int = 50  # optimizer steps
    checkpoint_every: int = 25
    eval_budgets: tuple[int, ...] = (64, 128)
    max_val: int = 16
    threads: int = 2
    device: str = "auto"  # "auto" (cuda when available), "cpu" or "cuda"
    # "tensors": lkv-data-v1 (stored prompt KV and truth); "recompute": lkv-data-v2 (stored
    # answers; each step recomputes the prompt's KV and the truth in one no-grad forward)
    data_format: str = "tensors"
    train_split: str = "train"
    val_split: str = "val"
    best_metric: str = "val_kl"  # or "val_recall@B" for a B in eval_budgets (higher is better)
    eval_variants: tuple[str, ...] = ()  # extra selections scored on val (training.variants)
    # a checkpoint directory whose weights start a new run (e.g. continue a GPU run on more
    # data with a fresh optimiser); ignored when the run directory has its own checkpoint
    init_from: str | None = None
    # the answer each row's truth is computed on, in training and in validation: "model" (its
    # own greedy answer), or "gold_when_wrong" (lkv-data-v2: see training.varied.targets)
    train_answers: str = "model"
    val_answers: str = "model"

    def __post_init__(self) -> None:
        for name in (
            "max_steps",
            "accum",
            "eval_every",
            "checkpoint_every",
            "n_lookahead",
            "rank",
            "threads",
        ):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1; got {getattr(self, name)}")
        if self.data_format not in ("tensors", "recompute"):
            raise ValueError(
                f"data_format must be 'tensors' or 'recompute'; got {self.data_format!r}"
            )
        for v in self.eval_variants:
            check_variant(v)
        for name in ("train_answers", "val_answers"):
            mode = check_mode(getattr(self, name), name)
            if mode != "model" and self.data_format != "recompute":
                raise ValueError(
                    f"{name} {mode!r} needs data_format 'recompute' "
                    f"(lkv-data-v1 stores its truth); got {self.data_format!r}"
                )
        metrics = ["val_kl"] + [f"val_recall@{b}" for b in self.eval_budgets]
        if self.best_metric not in metrics:
            raise ValueError(
                f"best_metric {self.best_metric!r} is not tracked; choose from {metrics}"
            )

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(asdict(self), indent=2))

    @classmethod
    def load(cls, path: Path, **overrides) -> TrainConfig:
        raw = json.loads(Path(path).read_text()) | {
            k: v for k, v in overrides.items() if v is not None
        }
        known = {f.name for f in fields(cls)}
        bad = sorted(set(raw) - known)
        if bad:
            raise ValueError(f"unknown training config keys {bad}; known: {sorted(known)}")
        for k in ("targets", "eval_budgets", "eval_variants"):
            if k in raw:
                raw[k] = tuple(raw[k])
        return cls(**raw)
