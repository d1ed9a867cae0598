"""Load a model for the reference path (any registered name or model directory)."""

from __future__ import annotations

import torch

from ..models import resolve_model
from .geometry import geometry
from .recorder import ATTN_NAME


def load_model(name_or_dir: str = "smollm2-135m", dtype: torch.dtype = torch.float32):
    """(model, tokenizer) in eval mode with the recording attention function installed."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    path = resolve_model(name_or_dir)
    tok = AutoTokenizer.from_pretrained(str(path))
    model = AutoModelForCausalLM.from_pretrained(str(path), dtype=dtype)
    geometry(model)  # refuse unsupported architectures early
    use_recorder(model)
    model.eval()
    for p in model.parameters():
        p.requires_grad_(False)
    model._lkv_name = str(name_or_dir)
    return model, tok


def use_recorder(model) -> None:
    model.config._attn_implementation = ATTN_NAME
