"""Shipped lookahead checkpoints: which one belongs to which registered model."""

from __future__ import annotations

from pathlib import Path

CHECKPOINT_ROOT = Path(__file__).parent / "checkpoints"


def shipped_checkpoint(model_name: str) -> Path | None:
    """The packaged lookahead checkpoint for a registered model name, if one ships."""
    path = CHECKPOINT_ROOT / model_name
    return path if (path / "lookahead.json").is_file() else None
