"""Read what the core needs from a transformers causal LM: geometry, LoRA shapes, fingerprint."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from ..core.lookahead import LORA_TARGETS, LookaheadConfig, LookaheadModule
from ..models.fingerprint import fingerprint_of

SUPPORTED = ("llama", "qwen2")


@dataclass(frozen=True)
class Geometry:
    model_type: str
    num_layers: int
    num_q_heads: int
    num_kv_heads: int
    head_dim: int
    hidden_size: int


def geometry(model: nn.Module) -> Geometry:
    cfg = model.config
    if cfg.model_type not in SUPPORTED:
        raise ValueError(
            f"model type {cfg.model_type!r} is not supported; supported: {', '.join(SUPPORTED)}"
        )
    head_dim = getattr(cfg, "head_dim", None) or cfg.hidden_size // cfg.num_attention_heads
    return Geometry(
        cfg.model_type,
        cfg.num_hidden_layers,
        cfg.num_attention_heads,
        cfg.num_key_value_heads,
        head_dim,
        cfg.hidden_size,
    )


def proj_shapes(model: nn.Module) -> dict[str, tuple[int, int]]:
    """(in_features, out_features) of each LoRA target in layer 0."""
    layer = model.model.layers[0]
    shapes = {}
    for owner in (layer.self_attn, layer.mlp):
        for t in LORA_TARGETS:
            lin = getattr(owner, t, None)
            lin = getattr(lin, "base", lin)
            if isinstance(lin, nn.Linear):
                shapes[t] = (lin.in_features, lin.out_features)
    return shapes


@torch.no_grad()
def fingerprint(model: nn.Module) -> dict:
    """Architecture numbers plus a checksum of the token embeddings (``models.fingerprint``)."""
    g = geometry(model)
    return fingerprint_of(
        g.model_type,
        g.num_layers,
        g.num_q_heads,
        g.num_kv_heads,
        g.head_dim,
        g.hidden_size,
        model.get_input_embeddings().weight,
    )


def new_lookahead(model: nn.Module, base_model: str, seed: int = 0, **config) -> LookaheadModule:
    """An untrained lookahead module shaped for ``model`` (embeddings from token statistics)."""
    g = geometry(model)
    cfg = LookaheadConfig(
        base_model=base_model,
        base_fingerprint=fingerprint(model),
        hidden_size=g.hidden_size,
        num_layers=g.num_layers,
        proj_shapes=proj_shapes(model),
        **config,
    )
    gen = torch.Generator().manual_seed(seed)
    module = LookaheadModule(cfg, generator=gen)
    module.init_embeddings(model.get_input_embeddings().weight.detach(), generator=gen)
    return module


def load_lookahead(model: nn.Module, path) -> LookaheadModule:
    """Load a checkpoint, refusing one trained for another base model."""
    return LookaheadModule.load(path, expect_fingerprint=fingerprint(model))
