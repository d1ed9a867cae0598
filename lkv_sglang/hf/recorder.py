"""The attention function the reference path runs: exact SDPA output, plus optional recording
of mean attention over prompt keys (the policies' observations)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F
from transformers import AttentionInterface

from ..core.attention import mean_attention

ATTN_NAME = "lkv_record"


@dataclass
class Recorder:
    """What to record in the next forward passes.

    mode: "off"; "window" (the last ``rows`` query rows); "all" (every query row, mean);
    "accumulate" (every row, summed over successive calls: one decode step at a time).
    read_len: number of leading keys read out (the prompt length).
    """

    mode: str = "off"
    rows: int = 0
    read_len: int = 0
    sums: dict[int, torch.Tensor] = field(default_factory=dict)
    counts: dict[int, int] = field(default_factory=dict)
    hook: object = None  # training: a callable (layer, query, key, scale) that keeps gradients
    seconds: float = 0.0  # time spent computing recorded attention (scoring cost inside prefill)

    def start(self, mode: str, read_len: int, rows: int = 0) -> None:
        self.mode, self.read_len, self.rows = mode, read_len, rows
        self.sums.clear()
        self.counts.clear()

    def stop(self) -> torch.Tensor:
        """(num_layers, num_q_heads, read_len): the mean over every recorded query row."""
        self.mode = "off"
        layers = sorted(self.sums)
        return torch.stack([self.sums[i] / self.counts[i] for i in layers])

    def record(self, layer: int, query: torch.Tensor, key: torch.Tensor, scale: float) -> None:
        t0 = time.perf_counter()
        q_len, k_len = query.shape[1], key.shape[1]
        if self.mode == "window":
            rows = min(self.rows, q_len)
            query = query[:, q_len - rows :]
        start = k_len - query.shape[1]
        mean = mean_attention(query, key, scale, query_start=start, read_len=self.read_len)
        n = query.shape[1]
        self.sums[layer] = self.sums.get(layer, 0) + mean * n
        self.counts[layer] = self.counts.get(layer, 0) + n
        self.seconds += time.perf_counter() - t0


RECORDER = Recorder()


def record_attention(
    module, query, key, value, attention_mask, scaling=None, dropout=0.0, **kwargs
):
    """SDPA over a (possibly pruned) cache. A batch of several rows only when nothing is
    recorded (``hf.batch_decode``); rows padded to one length pass ``lkv_key_mask``.

    New queries sit at the end of the physical key sequence: query ``i`` of ``Tq`` sees keys
    ``0 .. Tk - Tq + i``; this holds for a pruned cache too, whose logical positions only
    enter through RoPE.
    """
    q_len, k_len = query.shape[2], key.shape[2]
    if query.shape[0] != 1 and (RECORDER.hook is not None or RECORDER.mode != "off"):
        raise ValueError(
            f"attention is recorded for a batch of one prompt; got batch {query.shape[0]}"
        )
    mask = None
    if q_len > 1:
        q_pos = torch.arange(k_len - q_len, k_len, device=query.device)
        mask = torch.arange(k_len, device=query.device)[None, :] <= q_pos[:, None]
    key_mask = kwargs.get("lkv_key_mask")  # optional bool (..., k_len): False hides a key
    if key_mask is not None:
        mask = key_mask if mask is None else mask & key_mask
    out = F.scaled_dot_product_attention(
        query, key, value, attn_mask=mask, scale=scaling, enable_gqa=True
    )
    if RECORDER.hook is not None:
        RECORDER.hook(module.layer_idx, query[0], key[0], scaling)
    elif RECORDER.mode != "off":
        RECORDER.record(module.layer_idx, query[0].detach(), key[0].detach(), scaling)
    return out.transpose(1, 2).contiguous(), None


AttentionInterface.register(ATTN_NAME, record_attention)
