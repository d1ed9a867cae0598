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


def kinds_in(split_file: Path) -> list[str]:
    if not split_file.is_file():
        return ["?"]
    return sorted({json.loads(x)["kind"] for x in split_file.open() if x.endswith("\n")})


def run_chain(run: Path) -> list[Path]:
    """``run`` and the runs it started from (``init_from``), oldest first. The chain ends at
    weights that are not a run's (a shipped checkpoint: ``started_from`` names them)."""
    chain = [run]
    while True:
        init = json.loads((chain[0] / "config.json").read_text()).get("init_from")
        if not init:
            return chain
        parent = Path(init).parent  # init_from names a run's best/ (or checkpoint/) folder
        if not (parent / "config.json").is_file():
            if (Path(init) / "lookahead.json").is_file():
                return chain
            raise FileNotFoundError(f"{run} starts from {init}: neither a run nor a checkpoint")
        chain.insert(0, parent)


def started_from(chain: list[Path]) -> str | None:
    return json.loads((chain[0] / "config.json").read_text()).get("init_from")


def stage_row(run: Path, where: str) -> str:
    cfg = json.loads((run / "config.json").read_text())
    log = [json.loads(x) for x in (run / "log.jsonl").open()]
    best = json.loads((run / "best" / "metrics.json").read_text())
    first, last = log[0], log[-1]
    n_train = last.get("train_examples", "?")
    return (
        f"| `{run.name}` | {where} | {n_train} | {cfg['accum']} | {cfg['lr_embeddings']} / "
        f"{cfg['lr_lora']} | {last['step']} (best {best['step']}) | {last['seconds'] / 60:.0f} min | "
        f"{first.get('val_recall@128', float('nan')):.3f} -> {best['val_recall@128']:.3f} |"
    )


def model_card(run: Path, model: str, where: list[str] | None = None) -> str:
    chain = run_chain(run)
    where = list(where or []) + ["?"] * (len(chain) - len(where or []))
    cfg = json.loads((run / "config.json").read_text())
    best = json.loads((run / "best" / "metrics.json").read_text())
    data = Path(cfg["data_dir"])
    manifest = (
        json.loads((data / "manifest.json").read_text())
        if (data / "manifest.json").exists()
        else {}
    )
    val = cfg.get("val_split", "val")
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
        f"| data | `{manifest.get('version', data.name)}` (`{data}`): {manifest.get('counts', '?')}; "
        f"answers up to {manifest.get('max_answer_tokens', '?')} tokens (the model's own greedy "
        "answers); split by source document, and for `*_heldout` by template too |",
        f"| kinds | {', '.join(kinds_in(data / (cfg.get('train_split', 'train') + '.jsonl')))} |",
        f"| checkpoint chosen by | `{cfg['best_metric']}` on `{val}` ({best.get('val_examples', '?')} "
        "prompts) |",
        f"| validation KL at the best step | {best['val_kl']:.4f} |",
        f"| validation recall@64 / @128 at the best step | {best['val_recall@64']:.3f} / "
        f"{best['val_recall@128']:.3f} |",
        "",
        "Training, stage by stage (each stage starts from the previous one's best weights with "
        "a fresh Adam optimiser):",
        "",
        "| run | where | train prompts | examples/step | lr (embeddings / LoRA) | steps | wall time "
        f"| {val} recall@128 |",
        "|---|---|---|---|---|---|---|---|",
        *(stage_row(r, w) for r, w in zip(chain, where, strict=True)),
        "",
        *(
            [f"The first stage started from the weights in `{started_from(chain)}`.", ""]
            if started_from(chain)
            else []
        ),
        "Reproduce: the configs of these runs are in `configs/` (`lkv train CONFIG`); the data is "
        f"rebuilt from `{data}` (prompts from the generator, answers stored). Test results: "
        "`results/quality_v2*.json` (`benchmarks/quality_v2.py`).",
    ]
    return "\n".join(lines) + "\n"


def ship(run: Path, model: str, where: list[str] | None = None) -> Path:
    dst = CHECKPOINT_ROOT / model
    dst.mkdir(parents=True, exist_ok=True)
    for f in (CONFIG_FILE, WEIGHTS_FILE):
        shutil.copy2(run / "best" / f, dst / f)
    (dst / "MODEL_CARD.md").write_text(model_card(run, model, where))
    return dst


def main(argv=None) -> None:
    import argparse

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("run_dir", type=Path, help="a training run directory (with best/)")
    p.add_argument("model", help="the registered model name the checkpoint is for")
    p.add_argument(
        "--where",
        action="append",
        help="the machine each stage ran on, oldest first (repeat per init_from stage)",
    )
    a = p.parse_args(argv)
    if not (a.run_dir / "best").is_dir():
        raise SystemExit(f"lkv ship: {a.run_dir} has no best/ checkpoint (train first)")
    print(ship(a.run_dir, a.model, a.where))


if __name__ == "__main__":
    main(sys.argv[1:])
