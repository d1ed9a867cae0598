"""A model's fingerprint: what a lookahead checkpoint records of the model it was trained for.

Architecture numbers plus the mean absolute value of the token embeddings, built by one
function (``fingerprint_of``) for both paths: from a loaded transformers module
(``lkv_sglang.hf.geometry.fingerprint``) and from a model directory's files
(``directory_fingerprint``: what the SGLang plugin uses, the same on every TP rank).
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


def fingerprint_of(
    model_type: str,
    num_layers: int,
    num_q_heads: int,
    num_kv_heads: int,
    head_dim: int,
    hidden_size: int,
    embedding: torch.Tensor,
) -> dict:
    """The fingerprint dict (the one definition both paths use)."""
    return {
        "model_type": model_type,
        "num_layers": int(num_layers),
        "num_q_heads": int(num_q_heads),
        "num_kv_heads": int(num_kv_heads),
        "head_dim": int(head_dim),
        "hidden_size": int(hidden_size),
        "vocab_size": int(embedding.shape[0]),
        "embed_checksum": round(float(embedding.double().abs().mean()), 6),
    }


def directory_fingerprint(model_dir: str | Path) -> dict:
    """The fingerprint of the transformers model directory ``model_dir``, from its files."""
    d = Path(model_dir)
    cfg = json.loads((d / "config.json").read_text())
    heads = cfg["num_attention_heads"]
    return fingerprint_of(
        cfg["model_type"],
        cfg["num_hidden_layers"],
        heads,
        cfg.get("num_key_value_heads", heads),
        cfg.get("head_dim") or cfg["hidden_size"] // heads,
        cfg["hidden_size"],
        _embedding(d),
    )


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
