"""Produce a policy's ``Observation`` from the prompt's cache, for each query source."""

from __future__ import annotations

import torch
from transformers import DynamicCache

from ..core.lookahead import LookaheadModule
from ..core.plan import Observation, QuerySource
from ..core.policies import BasePolicy, make_policy
from .cache import copy_cache, crop_cache, greedy_decode, prune_cache
from .geometry import geometry
from .recorder import RECORDER

# What the prefill pass must record for a source; which rows: ``BasePolicy.prompt_queries``.
PREFILL_RECORDING = {
    QuerySource.PROMPT_WINDOW: "window",
    QuerySource.SELF_DRAFT: "window",  # LAQ's first step is a SnapKV pass
    QuerySource.PROMPT_ALL: "all",
}


def prefill_rows(policy: BasePolicy, prompt_len: int) -> int:
    """How many of the prompt's last queries the prefill records for ``policy``."""
    return len(policy.prompt_queries(prompt_len))


@torch.no_grad()
def teacher_forced_attention(
    model, cache: DynamicCache, tokens: list[int], prompt_len: int
) -> torch.Tensor:
    """(L, Hq, N): mean attention of ``tokens`` (at positions N..) over prompt keys; no trace left."""
    RECORDER.start("all", read_len=prompt_len)
    try:
        model(
            input_ids=torch.tensor([tokens], device=model.device),
            position_ids=torch.arange(prompt_len, prompt_len + len(tokens), device=model.device)[
                None
            ],
            past_key_values=cache,
            use_cache=True,
        )
    finally:
        scores = RECORDER.stop()
        crop_cache(cache, prompt_len)
    return scores


@torch.no_grad()
def lookahead_attention(
    model, cache: DynamicCache, module: LookaheadModule, prompt_len: int
) -> torch.Tensor:
    """(L, Hq, N): mean attention of the lookahead tokens (masked LoRA on) over prompt keys."""
    mask = getattr(model, "_lkv_lora_mask", None)
    if mask is None:
        raise RuntimeError(
            "attach the lookahead module first (lkv_sglang.hf.lora.attach_lookahead)"
        )
    n = module.config.n_lookahead
    RECORDER.start("all", read_len=prompt_len)
    mask.rows = True
    try:
        model(
            inputs_embeds=module.embeddings[None].to(device=model.device, dtype=model.dtype),
            position_ids=torch.arange(prompt_len, prompt_len + n, device=model.device)[None],
            past_key_values=cache,
            use_cache=True,
        )
    finally:
        mask.rows = None
        scores = RECORDER.stop()
        crop_cache(cache, prompt_len)
    return scores


def observe(
    model,
    policy: BasePolicy,
    cache: DynamicCache,
    prompt_len: int,
    first_token: int,
    budget: int,
    eos: set[int],
    prefill_scores: torch.Tensor | None = None,
    lookahead: LookaheadModule | None = None,
    draft_model=None,
    prompt_ids: torch.Tensor | None = None,
) -> Observation:
    """The observation ``policy`` scores; ``cache`` is left holding exactly the prompt.

    ``prompt_ids`` (1, N) is needed only by SpecKV with a separate draft model (its own prefill).
    """
    g = geometry(model)
    src = policy.query_source
    attn = None
    if src in (QuerySource.PROMPT_WINDOW, QuerySource.PROMPT_ALL):
        attn = prefill_scores
    elif src is QuerySource.LOOKAHEAD:
        if lookahead is None:
            raise ValueError(
                "policy 'lookaheadkv' needs a lookahead module (a checkpoint path or an untrained one)"
            )
        attn = lookahead_attention(model, cache, lookahead, prompt_len)
    elif src is QuerySource.SELF_DRAFT:
        obs = Observation(
            prompt_len, g.num_layers, g.num_kv_heads, prefill_scores, device=model.device
        )
        snap_plan = make_policy("snapkv").select(obs, budget)
        draft = greedy_decode(
            model, prune_cache(cache, snap_plan), first_token, prompt_len, policy.num_queries, set()
        )
        attn = teacher_forced_attention(model, cache, draft, prompt_len)
    elif src is QuerySource.DRAFT_MODEL:
        attn = teacher_forced_attention(
            model,
            cache,
            draft_answer(model, cache, prompt_len, first_token, policy, draft_model, prompt_ids),
            prompt_len,
        )
    elif src is QuerySource.ANSWER:
        answer = greedy_decode(
            model, copy_cache(cache), first_token, prompt_len, policy.num_queries, eos
        ) or [first_token]
        attn = teacher_forced_attention(model, cache, answer, prompt_len)
    elif src is QuerySource.KEYS:
        keys = torch.stack([layer.keys[0, :, :prompt_len] for layer in cache.layers])
        return Observation(prompt_len, g.num_layers, g.num_kv_heads, keys=keys, device=model.device)
    # on the model's device even when there is no tensor to follow (position-only policies:
    # random, streamingllm), so the plan's indices can index a GPU cache
    return Observation(prompt_len, g.num_layers, g.num_kv_heads, attn, device=model.device)


@torch.no_grad()
def draft_answer(
    model,
    cache,
    prompt_len: int,
    first_token: int,
    policy: BasePolicy,
    draft_model,
    prompt_ids=None,
) -> list[int]:
    """SpecKV's draft: the draft model's greedy answer (the target itself when none is given)."""
    if draft_model is None or draft_model is model:
        return greedy_decode(
            model, copy_cache(cache), first_token, prompt_len, policy.num_queries, set()
        )
    raise_if_tokenizers_differ(model, draft_model)
    if prompt_ids is None:
        raise ValueError("SpecKV with a separate draft model needs the prompt ids (prompt_ids=)")
    out = draft_model(
        input_ids=prompt_ids.to(draft_model.device),
        past_key_values=DynamicCache(),
        use_cache=True,
        logits_to_keep=1,
    )
    first = int(out.logits[0, -1].argmax())
    return greedy_decode(
        draft_model, out.past_key_values, first, prompt_len, policy.num_queries, set()
    )


def raise_if_tokenizers_differ(model, draft_model) -> None:
    a, b = model.config.vocab_size, draft_model.config.vocab_size
    if a != b:
        raise ValueError(
            f"draft model vocabulary {b} differs from the target's {a}: SpecKV needs the same tokenizer"
        )
