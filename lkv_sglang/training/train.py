"""Command line: ``python -m lkv_sglang.training.train CONFIG.json``."""

from __future__ import annotations

import argparse
import json

from .config import TrainConfig
from .trainer import Trainer


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description="Train a LookaheadKV module (resumable)")
    p.add_argument("config")
    p.add_argument("--max-steps", type=int)
    p.add_argument("--max-seconds", type=float)
    a = p.parse_args(argv)
    cfg = TrainConfig.load(a.config, max_steps=a.max_steps, max_seconds=a.max_seconds)
    summary = Trainer(cfg).fit()
    print(json.dumps(summary["history"][-1], indent=2))


if __name__ == "__main__":
    main()
