"""Identify the served model from its directory, to refuse a lookahead checkpoint made for another.

The keys and values equal those the transformers path stores in a checkpoint
(``lkv_sglang.hf.geometry.fingerprint``): architecture numbers plus the mean absolute value of
the token embeddings. Read from the files, so it is the same on every TP rank.
"""

from __future__ import annotations

import json
from pathlib import Path

import torch

EMBED_KEY = "model.embed_tokens.weight"


def _embedding(model_dir: Path) -> torch.Tensor:
    from safetensors import safe_open

    index = model_dir / "model.safetensors.index.json"
    if index.is_file():
        name = json.loads(index.read_text())["weight_map"][EMBED_KEY]
    else:
        name = "model.safetensors"
    path = model_dir / name
    if not path.is_file():
        raise FileNotFoundError(f"{model_dir} has no {name} holding {EMBED_KEY}")
    with safe_open(str(path), framework="pt") as f:
        return f.get_tensor(EMBED_KEY)


def model_fingerprint(model_dir: str | Path) -> dict:
    """The fingerprint of the transformers model directory ``model_dir``."""
    d = Path(model_dir)
    cfg = json.loads((d / "config.json").read_text())
    heads = cfg["num_attention_heads"]
    emb = _embedding(d)
    return {
        "model_type": cfg["model_type"],
        "num_layers": cfg["num_hidden_layers"],
        "num_q_heads": heads,
        "num_kv_heads": cfg.get("num_key_value_heads", heads),
        "head_dim": cfg.get("head_dim") or cfg["hidden_size"] // heads,
        "hidden_size": cfg["hidden_size"],
        "vocab_size": int(emb.shape[0]),
        "embed_checksum": round(float(emb.double().abs().mean()), 6),
    }


def default_lookahead_path(model_dir: str | Path) -> str | None:
    """The shipped checkpoint of a registered model converted by ``resolve_model``, if any.

    ``resolve_model`` marks its directories with ``.converted`` holding the registered name.
    """
    marker = Path(model_dir) / ".converted"
    if not marker.is_file():
        return None
    from ..checkpoints import shipped_checkpoint

    path = shipped_checkpoint(marker.read_text().strip())
    return str(path) if path else None
