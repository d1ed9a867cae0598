"""Which prompt tokens eviction kept: per token, the share of (layer, KV head) pairs keeping it.

The server's plugin reports counts, not positions, so this view recomputes the keep plan with
the transformers reference path (``lkv_sglang.hf.generate``) on the same chat prompt, the same
policy and budget. For ``lookaheadkv`` it uses the model's shipped lookahead checkpoint, or an
untrained module when none ships (and says so).
"""

from __future__ import annotations

import functools
import html
from dataclasses import dataclass
from pathlib import Path

import torch

from .errors import InputRejected

METHOD = (
    "recomputed with the transformers reference path (lkv_sglang.hf.generate) on the same prompt"
)


@dataclass(frozen=True)
class KeptView:
    """tokens: the prompt's tokens as text; kept: per token, the fraction in [0, 1] of
    (layer, KV head) pairs that keep it (of KV heads only, when ``layer`` is set)."""

    tokens: list[str]
    kept: list[float]
    policy: str
    budget: int
    layer: int | None
    num_layers: int
    answer: str
    method: str = METHOD
    lookahead: str | None = None

    @property
    def prompt_len(self) -> int:
        return len(self.tokens)


def kept_fractions(
    indices: tuple[torch.Tensor, ...], prompt_len: int, layer: int | None = None
) -> torch.Tensor:
    """(prompt_len,) share of (layer, head) pairs keeping each position; ``indices[l]`` is
    (num_kv_heads, budget_l) as in ``KeepPlan``."""
    chosen = indices if layer is None else (indices[layer],)
    hits = torch.zeros(prompt_len)
    pairs = 0
    for idx in chosen:
        for head in idx:
            hits[head] += 1
        pairs += idx.shape[0]
    return hits / max(pairs, 1)


@functools.lru_cache(maxsize=1)
def _load(model: str):
    from lkv_sglang.hf import load_model

    return load_model(model)


def shipped_for(model: str) -> Path | None:
    """The shipped lookahead checkpoint of a converted model directory (as the server finds it)."""
    from lkv_sglang.models.fingerprint import default_lookahead_path

    path = default_lookahead_path(model) if Path(model).is_dir() else None
    return Path(path) if path else None


def compute(
    model: str,
    messages: list[dict],
    policy: str,
    budget: int,
    layer: int | None = None,
    max_new_tokens: int = 16,
) -> KeptView:
    """``messages``: chat messages ({"role", "content"}) as sent to the server."""
    from lkv_sglang.core.plan import QuerySource
    from lkv_sglang.core.policies import make_policy
    from lkv_sglang.hf import generate
    from lkv_sglang.runner import lookahead_for

    try:
        pol = make_policy(policy)
    except (KeyError, ValueError) as e:
        raise InputRejected(f"policy {policy!r} is not known: {e}") from None
    m, tok = _load(model)
    rendered = tok.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
    ids = tok(rendered, add_special_tokens=False, return_tensors="pt")["input_ids"]
    la, la_desc = (None, None)
    if pol.query_source is QuerySource.LOOKAHEAD:
        la, la_desc = lookahead_for(m, model, shipped_for(model))
    n_layers = m.config.num_hidden_layers
    if layer is not None and not 0 <= layer < n_layers:
        raise InputRejected(f"layer {layer} does not exist; the model has layers 0-{n_layers - 1}")
    res = generate(m, ids, pol, budget=budget, max_new_tokens=max_new_tokens, lookahead=la)
    frac = kept_fractions(res.plan.indices, res.prompt_len, layer)
    tokens = [tok.decode([int(t)]) for t in ids[0]]
    answer = tok.decode(res.output_ids, skip_special_tokens=True)
    return KeptView(
        tokens, frac.tolist(), policy, budget, layer, n_layers, answer, lookahead=la_desc
    )


def to_html(view: KeptView) -> str:
    """Escaped spans, shaded by kept share: every token goes through ``html.escape``."""
    spans = []
    for text, f in zip(view.tokens, view.kept, strict=True):
        safe = html.escape(text).replace("\n", "<br>")
        spans.append(
            f'<span title="kept {f:.0%}" style="background: rgba(46, 160, 67, {f:.2f})">{safe}</span>'
        )
    return '<div style="font-family: monospace; white-space: pre-wrap">' + "".join(spans) + "</div>"
