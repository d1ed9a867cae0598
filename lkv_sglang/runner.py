"""Load, tokenise and run one request through the reference path; a dict for CLI and notebooks."""

from __future__ import annotations

from pathlib import Path

import torch

from .checkpoints import shipped_checkpoint
from .core.plan import QuerySource
from .core.policies import make_policy
from .hf import generate, load_model
from .hf.geometry import load_lookahead, new_lookahead


def chat_ids(tok, text: str, chat: bool = True) -> torch.Tensor:
    if chat and tok.chat_template:
        rendered = tok.apply_chat_template(
            [{"role": "user", "content": text}], tokenize=False, add_generation_prompt=True
        )
        return tok(rendered, add_special_tokens=False, return_tensors="pt")["input_ids"]
    return tok(text, return_tensors="pt")["input_ids"]


def lookahead_for(model, model_name: str, path: Path | None):
    """(module, description): the given checkpoint, the shipped one, or an untrained module."""
    if path is not None:
        return load_lookahead(model, path), str(path)
    shipped = shipped_checkpoint(model_name)
    if shipped is not None:
        return load_lookahead(model, shipped), f"shipped checkpoint {shipped.name}"
    return new_lookahead(
        model, model_name
    ), "UNTRAINED (random init): no checkpoint ships for this model"


def run_generate(
    model: str,
    policy: str,
    budget: int,
    text: str,
    max_new_tokens: int = 64,
    lookahead_path: Path | None = None,
    draft_model: str | None = None,
    chat: bool = True,
) -> dict:
    pol = make_policy(policy)
    m, tok = load_model(model)
    ids = chat_ids(tok, text, chat)
    la, la_desc = (None, None)
    if pol.query_source is QuerySource.LOOKAHEAD:
        la, la_desc = lookahead_for(m, model, lookahead_path)
    draft = load_model(draft_model)[0] if draft_model else None
    res = generate(
        m, ids, pol, budget=budget, max_new_tokens=max_new_tokens, lookahead=la, draft_model=draft
    )
    full, kept = res.kv_entries
    return {
        "model": model,
        "policy": policy,
        "budget": budget,
        "prompt_len": res.prompt_len,
        "answer": tok.decode(res.output_ids, skip_special_tokens=True),
        "output_ids": res.output_ids,
        "kept_per_layer_head": [
            [int(idx.shape[1])] * int(idx.shape[0]) for idx in res.plan.indices
        ],
        "kv_entries_full": full,
        "kv_entries_kept": kept,
        "kv_kept_fraction": kept / full if full else 1.0,
        "timings": res.timings,
        "lookahead": la_desc,
    }
