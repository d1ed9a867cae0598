"""Copy a run's best checkpoint into the package and write its model card.

usage: python -m lkv_sglang.training.ship RUN_DIR MODEL_NAME
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

from ..checkpoints import CHECKPOINT_ROOT
from ..core.lookahead import CONFIG_FILE, WEIGHTS_FILE


def model_card(run: Path, model: str) -> str:
    cfg = json.loads((run / "config.json").read_text())
    log = [json.loads(x) for x in (run / "log.jsonl").open()]
    hist = {"history": log, "steps": log[-1]["step"], "seconds": log[-1]["seconds"]}
    best = json.loads((run / "best" / "metrics.json").read_text())
    data = Path(cfg["data_dir"])
    manifest = (
        json.loads((data / "manifest.json").read_text())
        if (data / "manifest.json").exists()
        else {}
    )
    first = hist["history"][0]
    lines = [
        f"# LookaheadKV checkpoint for `{model}`",
        "",
        "32 lookahead embeddings + masked LoRA (rank {rank}, alpha {alpha}) on {t}.".format(
            rank=cfg["rank"], alpha=cfg["alpha"], t=", ".join(cfg["targets"])
        ),
        "",
        "| | |",
        "|---|---|",
        f"| base model | `{model}` (fingerprint in `lookahead.json`) |",
        f"| data | `{manifest.get('version', data.name)}`: {manifest.get('counts', '?')} prompts of "
        f"{manifest.get('prompt_tokens', '?')} tokens, answers up to {manifest.get('max_answer_tokens', '?')} tokens "
        "(the model's own greedy answers), split by source document |",
        "| kinds | multi-document QA (SQuAD), multi-hop QA (HotpotQA), needle, multi-needle, variable tracking |",
        f"| optimiser | Adam, lr {cfg['lr_embeddings']} (embeddings) / {cfg['lr_lora']} (LoRA), {cfg['accum']} examples per step, seed {cfg['seed']} |",
        f"| steps | {hist['steps'] if hist else '?'} (best at step {best['step']}) |",
        f"| wall time | {hist['seconds'] / 60:.0f} min on a shared 2-core CPU, {cfg['threads']} thread(s) |"
        if hist
        else "| wall time | ? |",
        f"| validation KL | {first.get('val_kl', float('nan')):.4f} (untrained) -> {best['val_kl']:.4f} |",
        f"| validation recall@64 | {first.get('val_recall@64', float('nan')):.3f} -> {best['val_recall@64']:.3f} |",
        f"| validation recall@128 | {first.get('val_recall@128', float('nan')):.3f} -> {best['val_recall@128']:.3f} |",
        "",
        "Reproduce: `python -m lkv_sglang.training.dataset` then `python -m lkv_sglang.training.train "
        "configs/smollm2-135m.json` (see the README). Test-split results: `results/quality_test24.json` (`python benchmarks/quality.py --data runs/datasets/lkv-data-v1 --budgets 32 64 128 256 --task-budgets 128 --name quality_test24`).",
    ]
    return "\n".join(lines) + "\n"


def ship(run: Path, model: str) -> Path:
    dst = CHECKPOINT_ROOT / model
    dst.mkdir(parents=True, exist_ok=True)
    for f in (CONFIG_FILE, WEIGHTS_FILE):
        shutil.copy2(run / "best" / f, dst / f)
    (dst / "MODEL_CARD.md").write_text(model_card(run, model))
    return dst


def main(argv=None) -> None:
    import argparse

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("run_dir", type=Path, help="a training run directory (with best/)")
    p.add_argument("model", help="the registered model name the checkpoint is for")
    a = p.parse_args(argv)
    if not (a.run_dir / "best").is_dir():
        raise SystemExit(f"lkv ship: {a.run_dir} has no best/ checkpoint (train first)")
    print(ship(a.run_dir, a.model))


if __name__ == "__main__":
    main(sys.argv[1:])
