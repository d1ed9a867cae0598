"""Apply a ``LookaheadModule``'s LoRA to a transformers model, active only where a mask says."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from ..core.lookahead import LookaheadModule


@dataclass
class LoRAMask:
    """Which rows of the running forward are lookahead tokens.

    ``rows``: None (LoRA off everywhere), True (every row: a lookahead-only pass), or a bool
    tensor (seq_len,) marking lookahead positions in a mixed [prompt; lookahead] pass.
    """

    rows: object = None


class MaskedLoRALinear(nn.Module):
    """``base(x) + mask * lora(x)``: prompt rows compute exactly what the base model computes."""

    def __init__(
        self, base: nn.Linear, module: LookaheadModule, layer: int, target: str, mask: LoRAMask
    ):
        super().__init__()
        self.base = base
        self.lookahead = [module]  # a list: not registered as a submodule of the model
        self.layer, self.target, self.mask = layer, target, mask

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.base(x)
        rows = self.mask.rows
        if rows is None:
            return y
        delta = self.lookahead[0].lora_delta(self.layer, self.target, x).to(y.dtype)
        if rows is True:
            return y + delta
        return y + delta * rows.to(y.dtype).view(*([1] * (y.dim() - 2)), -1, 1)


def _projections(layer: nn.Module):
    for owner in (layer.self_attn, layer.mlp):
        for name, child in owner.named_children():
            if isinstance(child, nn.Linear | MaskedLoRALinear):
                yield owner, name, child


def attach_lookahead(model: nn.Module, module: LookaheadModule) -> LoRAMask:
    """Wrap every targeted projection of every layer; returns the shared mask (initially off).

    Attaching the module that is already attached changes nothing.
    """
    if getattr(model, "_lkv_lora_owner", None) is module and model._lkv_lora_mask is not None:
        return model._lkv_lora_mask
    mask = LoRAMask()
    detach_lookahead(model)
    module.to(next(model.parameters()).device)
    for i, layer in enumerate(model.model.layers):
        for owner, name, child in _projections(layer):
            if module.has_lora(i, name):
                setattr(owner, name, MaskedLoRALinear(child, module, i, name, mask))
    model._lkv_lora_mask = mask
    model._lkv_lora_owner = module
    return mask


def detach_lookahead(model: nn.Module) -> None:
    """Restore the plain projections."""
    for layer in model.model.layers:
        for owner, name, child in list(_projections(layer)):
            if isinstance(child, MaskedLoRALinear):
                setattr(owner, name, child.base)
    model._lkv_lora_mask = None
    model._lkv_lora_owner = None
