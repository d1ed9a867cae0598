"""The lookahead tokens' pass, run layer by layer over SGLang's own modules and KV pool.

After a request's last prefill chunk its prompt K/V are in the pool. The 32 lookahead
embeddings go through every decoder layer with the masked LoRA (it is only ever applied here,
so prompt tokens compute exactly the base model), at RoPE positions N .. N+31; in each layer
they attend to the prompt's K/V read from the pool plus their own (causal). Nothing is written
to the pool, the request's row or the scheduler: the pass leaves no trace, and the next token
already came from the last real prompt token.

Why not a second extend through the scheduler: it would allocate 32 slots per request, need
input embeddings plus a per-row LoRA inside SGLang's batched forward, and its KV would have to
be freed again; this pass needs no scheduler state at all. Cost: 32 rows through the layers'
linear layers plus 32 x N attention per layer (``meta_info.lkv_eviction.eviction_ms``).

Supported: Llama-style decoder layers (``self_attn.qkv_proj/o_proj/rotary_emb``,
``mlp.gate_up_proj/down_proj``, RMSNorms): Llama, Qwen2. TP > 1 shards the LoRA like the base
layers (column-parallel outputs sliced, row-parallel inputs reduced): written, not run here.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from ..core.attention import mean_attention
from ..core.lookahead import LookaheadModule

LAYER_ATTRS = ("self_attn.qkv_proj", "self_attn.o_proj", "self_attn.rotary_emb", "mlp.gate_up_proj", "mlp.down_proj",
               "input_layernorm", "post_attention_layernorm")


def unsupported_reason(model) -> str | None:
    """Why ``model`` (SGLang's ``*ForCausalLM``) cannot run the lookahead pass, or None."""
    layers = getattr(getattr(model, "model", None), "layers", None)
    if layers is None or len(layers) == 0:
        return f"{type(model).__name__} has no model.layers"
    for name in LAYER_ATTRS:
        obj = layers[0]
        for part in name.split("."):
            obj = getattr(obj, part, None)
        if obj is None:
            return f"{type(layers[0]).__name__} has no {name} (supported: Llama-style layers, e.g. Llama, Qwen2)"
    return None


def rms_norm(x: torch.Tensor, norm) -> torch.Tensor:
    """RMSNorm as transformers computes it (float32 statistics)."""
    h = x.float()
    h = h * torch.rsqrt(h.pow(2).mean(-1, keepdim=True) + norm.variance_epsilon)
    return (norm.weight.float() * h).to(x.dtype)


class TPSlices:
    """This rank's share of a layer's projections (identity at TP 1)."""

    def __init__(self, attn, tp_rank: int, tp_size: int, total_kv_heads: int) -> None:
        self.rank, self.size = tp_rank, tp_size
        q = attn.q_size
        self.q = slice(tp_rank * q, (tp_rank + 1) * q)
        kv_rank = tp_rank * total_kv_heads // tp_size if tp_size > total_kv_heads else tp_rank
        self.kv = slice(kv_rank * attn.kv_size, (kv_rank + 1) * attn.kv_size)

    @staticmethod
    def pick(full: torch.Tensor, cols: slice) -> torch.Tensor:
        return full if full.dim() == 0 else full[..., cols]

    def column(self, full: torch.Tensor, width: int) -> torch.Tensor:
        return self.pick(full, slice(self.rank * width, (self.rank + 1) * width))

    def reduce(self, partial: torch.Tensor) -> torch.Tensor:
        if self.size == 1:
            return partial
        from sglang.srt.distributed import tensor_model_parallel_all_reduce

        return tensor_model_parallel_all_reduce(partial)


def lora(module: LookaheadModule, layer: int, target: str, x: torch.Tensor) -> torch.Tensor:
    """Full-width LoRA output (zeros for a target the checkpoint does not adapt)."""
    if not module.has_lora(layer, target):
        return torch.zeros((), dtype=x.dtype, device=x.device)
    return module.lora_delta(layer, target, x)


def row_parallel_lora(module: LookaheadModule, layer: int, target: str, x_local: torch.Tensor, tp: TPSlices) -> torch.Tensor:
    """LoRA of a row-parallel projection from this rank's input columns (all-reduced)."""
    if not module.has_lora(layer, target):
        return torch.zeros((), dtype=x_local.dtype, device=x_local.device)
    key = module.key(layer, target)
    a, b = module.lora_a[key], module.lora_b[key]
    width = x_local.shape[-1]
    a_local = a[:, tp.rank * width : (tp.rank + 1) * width]
    low = tp.reduce(x_local.to(a.dtype) @ a_local.t())
    return (low @ b.t() * module.config.scaling).to(x_local.dtype)


def attend(q: torch.Tensor, keys: torch.Tensor, values: torch.Tensor, scale: float, query_start: int) -> torch.Tensor:
    """Causal GQA attention output: q (Hq, T, D), keys/values (Hkv, K, D) -> (T, Hq * D)."""
    group = q.shape[0] // keys.shape[0]
    k = keys.repeat_interleave(group, 0).float()
    v = values.repeat_interleave(group, 0).float()
    logits = q.float() @ k.transpose(1, 2) * scale
    q_pos = query_start + torch.arange(q.shape[1], device=q.device)
    logits.masked_fill_(torch.arange(k.shape[1], device=q.device)[None, :] > q_pos[:, None], float("-inf"))
    out = logits.softmax(-1) @ v  # (Hq, T, D)
    return out.transpose(0, 1).reshape(q.shape[1], -1).to(q.dtype)


@torch.no_grad()
def lookahead_attention(model, module: LookaheadModule, kv_pool, slots: torch.Tensor, prompt_len: int,
                        tp_rank: int = 0, tp_size: int = 1) -> torch.Tensor:
    """Mean attention of the lookahead tokens over the prompt keys, per layer and local query head.

    Parameters
    ----------
    model : SGLang's ``*ForCausalLM`` (Llama-style layers).
    module : the lookahead module (embeddings (n_lookahead, hidden), LoRA per layer/target).
    kv_pool : SGLang's ``MHATokenToKVPool``; ``slots`` (N,) int64: the request's prompt slots.

    Returns
    -------
    (num_layers, local_q_heads, N) float32.
    """
    layers = model.model.layers
    first = layers[0].self_attn
    dtype = first.qkv_proj.weight.dtype
    n_look = module.config.n_lookahead
    h = module.embeddings.detach().to(dtype)  # (T, hidden)
    positions = torch.arange(prompt_len, prompt_len + n_look, dtype=torch.int64, device=h.device)
    total_kv = module.config.base_fingerprint.get("num_kv_heads", first.num_kv_heads * tp_size)
    scores = []
    for idx, layer in enumerate(layers):
        attn, mlp = layer.self_attn, layer.mlp
        tp = TPSlices(attn, tp_rank, tp_size, total_kv)
        x = rms_norm(h, layer.input_layernorm)
        qkv, _ = attn.qkv_proj(x)
        q, k, v = qkv.split([attn.q_size, attn.kv_size, attn.kv_size], dim=-1)
        q = q + tp.pick(lora(module, idx, "q_proj", x), tp.q).to(dtype)
        k = k + tp.pick(lora(module, idx, "k_proj", x), tp.kv).to(dtype)
        v = v + tp.pick(lora(module, idx, "v_proj", x), tp.kv).to(dtype)
        q, k = attn.rotary_emb(positions, q, k)
        hq, hkv, dim = attn.num_heads, attn.num_kv_heads, attn.head_dim
        layer_id = attn.attn.layer_id
        pk = kv_pool.get_key_buffer(layer_id)[slots].to(dtype)  # (N, Hkv, D)
        pv = kv_pool.get_value_buffer(layer_id)[slots].to(dtype)
        keys = torch.cat([pk, k.reshape(n_look, hkv, dim)]).transpose(0, 1)  # (Hkv, N + T, D)
        values = torch.cat([pv, v.reshape(n_look, hkv, dim)]).transpose(0, 1)
        qh = q.reshape(n_look, hq, dim).transpose(0, 1)  # (Hq, T, D)
        scores.append(mean_attention(qh, keys, attn.scaling, query_start=prompt_len, read_len=prompt_len))
        if idx == len(layers) - 1:
            break  # the last layer's output is not needed for scores
        out = attend(qh, keys, values, attn.scaling, prompt_len)
        o, _ = attn.o_proj(out)
        h = h + o + row_parallel_lora(module, idx, "o_proj", out, tp)
        x = rms_norm(h, layer.post_attention_layernorm)
        gate_up, _ = mlp.gate_up_proj(x)
        gate, up = gate_up.chunk(2, dim=-1)
        width = gate.shape[-1]
        gate = gate + tp.column(lora(module, idx, "gate_proj", x), width).to(dtype)
        up = up + tp.column(lora(module, idx, "up_proj", x), width).to(dtype)
        act = F.silu(gate) * up
        d, _ = mlp.down_proj(act)
        h = h + d + row_parallel_lora(module, idx, "down_proj", act, tp)
    return torch.stack(scores)
