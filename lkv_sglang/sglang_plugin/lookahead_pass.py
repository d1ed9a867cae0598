"""The lookahead tokens' pass, run layer by layer over SGLang's own modules and KV pool.

After a request's last prefill chunk its prompt K/V are in the pool. The 32 lookahead
embeddings go through every decoder layer with the masked LoRA (it is only ever applied here,
so prompt tokens compute exactly the base model), at RoPE positions N .. N+31; in each layer
they attend to the prompt's K/V read from the pool plus their own (causal). Nothing is written
to the pool, the request's row or the scheduler: the pass leaves no trace, and the next token
already came from the last real prompt token.

Why not a second extend through the scheduler: it would allocate 32 slots per request, need
input embeddings plus a per-row LoRA inside SGLang's batched forward, and its KV would have to
be freed again; this pass needs no scheduler state at all. Cost: 32 rows per request through
the layers' linear layers plus 32 x N attention per layer (``meta_info.lkv_eviction.eviction_ms``).
Requests that finish prefill in the same batch go through together: one pass, their rows
stacked, one scoring launch per layer over the ragged batch (``lkv_kernels.score_layer``).

Supported: Llama-style decoder layers (``self_attn.qkv_proj/o_proj/rotary_emb``,
``mlp.gate_up_proj/down_proj``, RMSNorms): Llama, Qwen2. TP > 1 shards the LoRA like the base
layers (column-parallel outputs sliced, row-parallel inputs reduced): written, not run here.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from ..core.attention import group_mean, mean_attention
from ..core.lookahead import LookaheadModule

LAYER_ATTRS = (
    "self_attn.qkv_proj",
    "self_attn.o_proj",
    "self_attn.rotary_emb",
    "mlp.gate_up_proj",
    "mlp.down_proj",
    "input_layernorm",
    "post_attention_layernorm",
)


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


def load_for_model(model, path: str, model_path: str) -> LookaheadModule:
    """The lookahead module at ``path`` for the served ``model``, on its device; a checkpoint
    made for another model (``model_path``'s fingerprint) or an unsupported model is refused."""
    from ..models.fingerprint import directory_fingerprint

    reason = unsupported_reason(model)
    if reason:
        raise RuntimeError(f"lkv_sglang: lookaheadkv cannot run on this model: {reason}")
    module = LookaheadModule.load(path, expect_fingerprint=directory_fingerprint(model_path))
    weight = model.model.layers[0].self_attn.qkv_proj.weight
    return module.to(weight.device).eval()


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

    def finish_row_parallel(self, proj, out: torch.Tensor) -> torch.Tensor:
        """A row-parallel projection's output, all-reduced when the module left it partial.

        SGLang 0.5.23's Llama/Qwen2 build ``o_proj`` and ``down_proj`` with
        ``reduce_results=False`` (the decoder layer reduces at its boundary); called on its own
        here, the sum over ranks must be taken here."""
        if getattr(proj, "reduce_results", True):
            return out
        return self.reduce(out)

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


def row_parallel_lora(
    module: LookaheadModule, layer: int, target: str, x_local: torch.Tensor, tp: TPSlices
) -> torch.Tensor:
    """LoRA of a row-parallel projection from this rank's input columns (all-reduced)."""
    if not module.has_lora(layer, target):
        return torch.zeros((), dtype=x_local.dtype, device=x_local.device)
    key = module.key(layer, target)
    a, b = module.lora_a[key], module.lora_b[key]
    width = x_local.shape[-1]
    a_local = a[:, tp.rank * width : (tp.rank + 1) * width]
    low = tp.reduce(x_local.to(a.dtype) @ a_local.t())
    return (low @ b.t() * module.config.scaling).to(x_local.dtype)


KEY_CHUNK = 4096  # keys per step of the pass's attention output (bounds its float32 blocks)


def attend(
    q: torch.Tensor,
    keys: torch.Tensor,
    values: torch.Tensor,
    scale: float,
    query_start: int,
    key_chunk: int = KEY_CHUNK,
) -> torch.Tensor:
    """Causal GQA attention output in torch: q (Hq, T, D), keys/values (Hkv, K, D) -> (T, Hq * D).

    Query t sits at position ``query_start + t`` and sees keys 0 .. that position. Keys are
    visited ``key_chunk`` at a time with a running (online) softmax, and each KV head serves its
    query group as one matrix, so no key is copied per query head: besides the inputs, the peak
    is about ``4 * Hq * T * (key_chunk + 2 * D)`` bytes (float32), whatever K is.
    """
    hq, t, d = q.shape
    hkv, k_len = keys.shape[0], keys.shape[1]
    group = hq // hkv
    rows = q.float().reshape(hkv, group * t, d)  # a KV head's query group, (group, t) row-major
    pos = (query_start + torch.arange(t, device=q.device)).repeat(group)  # (group * t,)
    top = torch.full((hkv, group * t), float("-inf"), device=q.device)
    norm = torch.zeros(hkv, group * t, device=q.device)
    acc = torch.zeros(hkv, group * t, d, device=q.device)
    for s in range(0, k_len, key_chunk):
        e = min(k_len, s + key_chunk)
        logits = rows @ keys[:, s:e].float().transpose(1, 2) * scale  # (Hkv, group * t, e - s)
        future = torch.arange(s, e, device=q.device)[None, :] > pos[:, None]
        logits.masked_fill_(future, float("-inf"))
        new_top = torch.maximum(top, logits.amax(-1))
        # rows that see no key of this chunk keep -inf: their weights are exp(-inf) = 0
        safe = torch.where(torch.isinf(new_top), torch.zeros_like(new_top), new_top)
        weights = torch.exp(logits - safe[..., None])
        rescale = torch.exp(top - safe)
        norm = norm * rescale + weights.sum(-1)
        acc = acc * rescale[..., None] + weights @ values[:, s:e].float()
        top = new_top
    out = (acc / norm[..., None]).reshape(hq, t, d)  # every query sees key 0: norm > 0
    return out.transpose(0, 1).reshape(t, -1).to(q.dtype)


def attend_nhd(
    q: torch.Tensor, keys: torch.Tensor, values: torch.Tensor, scale: float
) -> torch.Tensor:
    """The lookahead rows' attention output: q (T, Hq, D), keys/values (N + T, Hkv, D) -> (T, Hq * D).

    Query t sits at position N + t and sees keys 0 .. N + t. On a GPU with FlashInfer (and
    ``LKV_KERNELS`` not ``torch``) this is FlashInfer's single-request prefill, whose causal
    mask aligns the queries with the last keys; elsewhere ``attend``.
    """
    import lkv_kernels

    t = q.shape[0]
    if lkv_kernels.use_flashinfer(q.device) and q.dtype in (torch.float16, torch.bfloat16):
        from flashinfer.prefill import single_prefill_with_kv_cache

        out = single_prefill_with_kv_cache(
            q.contiguous(),
            keys.contiguous(),
            values.contiguous(),
            causal=True,
            kv_layout="NHD",
            sm_scale=scale,
        )
        return out.reshape(t, -1)
    return attend(
        q.transpose(0, 1), keys.transpose(0, 1), values.transpose(0, 1), scale, keys.shape[0] - t
    )


def layer_scores(
    sb,
    q: torch.Tensor,
    k_own: torch.Tensor,
    k_buffer: torch.Tensor,
    req_to_token: torch.Tensor,
    slots: list[torch.Tensor],
    scale: float,
) -> torch.Tensor:
    """(B, local_kv_heads, max N): one layer's lookahead scores for a batch, GQA groups averaged.

    q (B * T, Hq, D) and k_own (B * T, Hkv, D) are packed request after request; ``slots[b]``:
    request b's prompt slots. ``lkv_kernels.score_layer`` reads the prompt keys through
    ``req_to_token`` in one launch for the whole batch (the Triton kernel on a GPU or with
    ``LKV_KERNELS=triton``, its torch reference otherwise). A KV cache stored in another dtype
    than the model's (e.g. fp8) is gathered and cast per request instead.
    """
    import lkv_kernels

    if k_buffer.dtype == q.dtype:
        return lkv_kernels.score_layer(sb, q, k_buffer, req_to_token, extra_k=k_own)
    t = q.shape[0] // len(slots)
    out = torch.zeros(len(slots), k_own.shape[1], max(s.numel() for s in slots), device=q.device)
    for b, own in enumerate(slots):
        rows = slice(b * t, (b + 1) * t)
        keys = torch.cat([k_buffer[own].to(q.dtype), k_own[rows]]).transpose(
            0, 1
        )  # (Hkv, N + T, D)
        n = own.numel()
        attn = mean_attention(q[rows].transpose(0, 1), keys, scale, query_start=n, read_len=n)
        out[b, :, :n] = group_mean(attn, keys.shape[0])
    return out


@torch.no_grad()
def lookahead_attention(
    model,
    module: LookaheadModule,
    kv_pool,
    req_to_token: torch.Tensor,
    rows: list[int],
    prompt_lens: list[int],
    tp_rank: int = 0,
    tp_size: int = 1,
) -> list[torch.Tensor]:
    """Mean attention of the lookahead tokens over the prompt keys, per layer and local KV head,
    for a batch of requests in one pass (their 32 rows each go through every layer together).

    Parameters
    ----------
    model : SGLang's ``*ForCausalLM`` (Llama-style layers).
    module : the lookahead module (embeddings (n_lookahead, hidden), LoRA per layer/target).
    kv_pool : SGLang's ``MHATokenToKVPool``; ``req_to_token[rows[b], :prompt_lens[b]]``: request
        b's prompt slots (any page size).

    Returns
    -------
    Per request, (num_layers, local_kv_heads, N_b) float32: per KV head, the mean over the
    lookahead queries and the head's GQA group (what selection ranks).
    """
    import lkv_kernels

    if len(rows) != len(prompt_lens) or not rows:
        raise ValueError(
            f"rows {rows} and prompt_lens {prompt_lens} must be equally long and non-empty"
        )
    layers = model.model.layers
    first = layers[0].self_attn
    dtype = first.qkv_proj.weight.dtype
    n_look, batch = module.config.n_lookahead, len(rows)
    h = (
        module.embeddings.detach().to(dtype).repeat(batch, 1)
    )  # (B * T, hidden), request after request
    positions = torch.cat(
        [torch.arange(n, n + n_look, dtype=torch.int64, device=h.device) for n in prompt_lens]
    )
    total_kv = module.config.base_fingerprint.get("num_kv_heads", first.num_kv_heads * tp_size)
    slots = [req_to_token[r, :n].to(torch.int64) for r, n in zip(rows, prompt_lens, strict=True)]
    sb = lkv_kernels.score_batch(
        req_to_token,
        rows,
        [n_look] * batch,
        query_start=prompt_lens,
        read_len=prompt_lens,
        scale=first.scaling,
        extra_keys=True,
    )  # checked once
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
        k_buffer, v_buffer = kv_pool.get_key_buffer(layer_id), kv_pool.get_value_buffer(layer_id)
        q3, k3, v3 = q.reshape(-1, hq, dim), k.reshape(-1, hkv, dim), v.reshape(-1, hkv, dim)
        scores.append(layer_scores(sb, q3, k3, k_buffer, req_to_token, slots, attn.scaling))
        if idx == len(layers) - 1:
            break  # the last layer's output is not needed for scores
        outs = []
        for b, own in enumerate(slots):  # attention output per request: prompts differ in length
            mine = slice(b * n_look, (b + 1) * n_look)
            keys = torch.cat([k_buffer[own].to(dtype), k3[mine]])  # (N + T, Hkv, D)
            values = torch.cat([v_buffer[own].to(dtype), v3[mine]])
            outs.append(attend_nhd(q3[mine], keys, values, attn.scaling))
        out = torch.cat(outs)
        o = tp.finish_row_parallel(attn.o_proj, attn.o_proj(out)[0])
        h = h + o + row_parallel_lora(module, idx, "o_proj", out, tp)
        x = rms_norm(h, layer.post_attention_layernorm)
        gate_up, _ = mlp.gate_up_proj(x)
        gate, up = gate_up.chunk(2, dim=-1)
        width = gate.shape[-1]
        gate = gate + tp.column(lora(module, idx, "gate_proj", x), width).to(dtype)
        up = up + tp.column(lora(module, idx, "up_proj", x), width).to(dtype)
        act = F.silu(gate) * up
        d = tp.finish_row_parallel(mlp.down_proj, mlp.down_proj(act)[0])
        h = h + d + row_parallel_lora(module, idx, "down_proj", act, tp)
    stacked = torch.stack(scores)  # (L, B, Hkv, max N)
    return [stacked[:, b, :, :n] for b, n in enumerate(prompt_lens)]
