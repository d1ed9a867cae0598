"""A registered name or a directory -> a transformers model directory (converted once).

Sits above ``registry`` (what exists) and ``convert`` (how a GGUF becomes a directory), so
neither imports the other's caller.
"""

from __future__ import annotations

import os
from pathlib import Path

from .convert import convert_gguf_model
from .registry import DEFAULT_MODEL, cache_dir, model_spec


def resolve_model(name_or_dir: str | os.PathLike = DEFAULT_MODEL) -> Path:
    """A transformers model directory for a registered name or an existing directory."""
    p = Path(name_or_dir)
    if p.is_dir():
        if not (p / "config.json").is_file():
            raise ValueError(
                f"{p} is a directory without config.json: not a transformers model directory"
            )
        return p
    spec = model_spec(str(name_or_dir))
    out = cache_dir() / "models" / spec.name
    if (out / "config.json").is_file() and (out / ".converted").is_file():
        return out
    return convert_gguf_model(spec, out)
