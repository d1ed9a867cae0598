"""Train the lookahead embeddings + masked LoRA with KL(true || predicted) importance.

usage: python -m lkv_sglang.training.train CONFIG.json [--max-steps N] [--max-seconds S]
Resumable: a run directory with a checkpoint continues from its step.
"""

from __future__ import annotations

import json
import random
import time
from collections import defaultdict
from pathlib import Path

import torch
from tqdm import tqdm

from ..core.lookahead import LookaheadModule
from ..hf import load_model
from ..hf.geometry import new_lookahead
from ..hf.lora import attach_lookahead
from .config import TrainConfig
from .examples import RecomputedExamples, StoredExamples
from .forward import lookahead_scores
from .ground_truth import kl_loss, recall_at
from .variants import kept


class Trainer:
    def __init__(self, cfg: TrainConfig, model=None):
        self.cfg = cfg
        torch.manual_seed(cfg.seed)
        torch.set_num_threads(cfg.threads)
        self.run = Path(cfg.run_dir)
        self.run.mkdir(parents=True, exist_ok=True)
        cfg.save(self.run / "config.json")
        self.device = torch.device(
            ("cuda" if torch.cuda.is_available() else "cpu") if cfg.device == "auto" else cfg.device
        )
        self.model = (model if model is not None else load_model(cfg.model)[0]).to(self.device)
        self.data = Path(cfg.data_dir)
        self.source = (
            RecomputedExamples(self.data, self.model, cfg.model)
            if cfg.data_format == "recompute"
            else StoredExamples(self.data)
        )
        self.train_ids = self.source.ids(cfg.train_split)
        self.val_ids = self.source.ids(cfg.val_split)[: cfg.max_val]
        if not self.train_ids:
            raise ValueError(f"no training examples in {self.data}/train.jsonl")
        self.module = new_lookahead(
            self.model,
            cfg.model,
            seed=cfg.seed,
            n_lookahead=cfg.n_lookahead,
            rank=cfg.rank,
            alpha=cfg.alpha,
            targets=tuple(cfg.targets),
        )
        self.module.to(self.device)
        self.opt = self._optimizer()
        self.step = 0
        self.order: list[str] = []
        self.rng = random.Random(cfg.seed)
        self.history: list[dict] = []
        if not self._resume() and cfg.init_from:
            self._init_from(Path(cfg.init_from))
        attach_lookahead(self.model, self.module)

    def _optimizer(self) -> torch.optim.Optimizer:
        lora = list(self.module.lora_a.values()) + list(self.module.lora_b.values())
        groups = [{"params": [self.module.embeddings], "lr": self.cfg.lr_embeddings}]
        if lora:
            groups.append({"params": lora, "lr": self.cfg.lr_lora})
        return torch.optim.Adam(groups)

    # ------------------------------------------------------------------ data
    def example(self, ex_id: str, answers: str = "model") -> dict:
        """{"K", "V", "true"} of one example on the training device."""
        ex = self.source.example(ex_id, answers)
        return {k: v.to(self.device) if torch.is_tensor(v) else v for k, v in ex.items()}

    def next_id(self) -> str:
        """The next training example; each epoch re-reads the split, so a dataset that is
        still being built (examples appended) is picked up as it grows."""
        if not self.order:
            self.train_ids = self.source.ids(self.cfg.train_split)
            self.order = list(self.train_ids)
            self.rng.shuffle(self.order)
        return self.order.pop()

    # ------------------------------------------------------------------ steps
    def loss_on(self, ex: dict) -> torch.Tensor:
        pred = lookahead_scores(self.model, self.module, ex["K"], ex["V"])
        return kl_loss(ex["true"].float(), pred)

    def train_step(self) -> float:
        self.opt.zero_grad()
        total = 0.0
        for _ in range(self.cfg.accum):
            ex = self.example(self.next_id(), self.cfg.train_answers)
            loss = self.loss_on(ex) / self.cfg.accum
            loss.backward()
            total += float(loss.detach())
        self.opt.step()
        self.step += 1
        return total

    @torch.no_grad()
    def evaluate(self) -> dict:
        losses, recalls = [], defaultdict(list)
        for ex_id in self.val_ids:
            ex = self.example(ex_id, self.cfg.val_answers)
            truth = ex["true"].float()
            pred = lookahead_scores(self.model, self.module, ex["K"], ex["V"])
            losses.append(float(kl_loss(truth, pred)))
            for b in self.cfg.eval_budgets:
                for v in ("plain", *self.cfg.eval_variants):
                    recalls[(b, v)].append(recall_at(kept(pred, b, v), truth, b))
        out = {
            "step": self.step,
            "train_examples": len(self.train_ids),
            "val_examples": len(self.val_ids),
            "val_kl": sum(losses) / max(1, len(losses)),
        }
        for (b, v), r in recalls.items():
            name = f"val_recall@{b}" + ("" if v == "plain" else f"_{v}")
            out[name] = sum(r) / max(1, len(r))
        return out

    # ------------------------------------------------------------------ checkpoints
    def save(self) -> None:
        ck = self.run / "checkpoint"
        self.module.save(ck)
        torch.save(
            {
                "step": self.step,
                "opt": self.opt.state_dict(),
                "order": self.order,
                "rng": self.rng.getstate(),
                "torch_rng": torch.get_rng_state(),
                "history": self.history,
            },
            ck / "trainer_state.pt",
        )

    def _init_from(self, path: Path) -> None:
        """Start from another run's weights (same base model, rank and targets)."""
        loaded = LookaheadModule.load(path, expect_fingerprint=self.module.config.base_fingerprint)
        shape = lambda c: (c.n_lookahead, c.rank, c.alpha, tuple(c.targets))  # noqa: E731
        if shape(loaded.config) != shape(self.module.config):
            raise ValueError(
                f"init_from {path} has (n_lookahead, rank, alpha, targets) = "
                f"{shape(loaded.config)}; this run's config says {shape(self.module.config)}"
            )
        self.module.load_state_dict(loaded.state_dict())

    def _resume(self) -> bool:
        """Continue from the run directory's checkpoint; False when it has none."""
        ck = self.run / "checkpoint"
        if not (ck / "trainer_state.pt").is_file():
            return False
        loaded = LookaheadModule.load(ck, expect_fingerprint=self.module.config.base_fingerprint)
        self.module.load_state_dict(loaded.state_dict())
        state = torch.load(ck / "trainer_state.pt", weights_only=False)
        self.opt.load_state_dict(state["opt"])
        self.step, self.order, self.history = state["step"], state["order"], state["history"]
        self.rng.setstate(state["rng"])
        torch.set_rng_state(state["torch_rng"])
        return True

    # ------------------------------------------------------------------ loop
    def fit(self) -> dict:
        cfg = self.cfg
        t0 = time.time()
        if self.step == 0 and not self.history:
            self.history.append(self.evaluate() | {"seconds": 0.0})
            self._log(self.history[-1])
        bar = tqdm(total=cfg.max_steps, initial=self.step, desc="train", unit="step")
        recent: list[float] = []
        while self.step < cfg.max_steps and time.time() - t0 < cfg.max_seconds:
            ts = time.time()
            recent = (recent + [self.train_step()])[-20:]
            bar.update(1)
            bar.set_postfix(
                loss=f"{sum(recent) / len(recent):.4f}",
                ex_s=f"{cfg.accum / (time.time() - ts):.2f}",
            )
            if self.step % cfg.eval_every == 0:
                self.history.append(
                    self.evaluate()
                    | {"seconds": time.time() - t0, "train_kl": sum(recent) / len(recent)}
                )
                self._log(self.history[-1])
                self._keep_best()
            if self.step % cfg.checkpoint_every == 0:
                self.save()
        bar.close()
        if not self.history or self.history[-1]["step"] != self.step:
            self.history.append(self.evaluate() | {"seconds": time.time() - t0})
            self._log(self.history[-1])
            self._keep_best()
        self.save()
        summary = {"steps": self.step, "seconds": time.time() - t0, "history": self.history}
        (self.run / "history.json").write_text(json.dumps(summary, indent=2))
        return summary

    def _keep_best(self) -> None:
        key = self.cfg.best_metric
        sign = 1.0 if key.startswith("val_recall") else -1.0  # recall: higher; KL: lower
        cur = sign * self.history[-1][key]
        best = max(sign * h[key] for h in self.history if key in h)
        if cur >= best or not (self.run / "best").exists():
            self.module.save(self.run / "best")
            (self.run / "best" / "metrics.json").write_text(json.dumps(self.history[-1], indent=2))

    def _log(self, rec: dict) -> None:
        with (self.run / "log.jsonl").open("a") as fh:
            fh.write(json.dumps(rec) + "\n")
        tqdm.write(
            " ".join(f"{k}={v:.4f}" if isinstance(v, float) else f"{k}={v}" for k, v in rec.items())
        )
