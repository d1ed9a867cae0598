"""The masked LoRA: prompt rows compute exactly what the base model computes."""

import torch
from transformers import DynamicCache

from lkv_sglang.hf.lora import attach_lookahead, detach_lookahead


def test_prompt_kv_and_next_token_logits_unchanged_by_lora(tiny):
    model, tok, la = tiny
    n, p = 40, la.config.n_lookahead
    ids = torch.randint(10, len(tok), (1, n), generator=torch.Generator().manual_seed(7))
    base = model(input_ids=ids, past_key_values=DynamicCache(), use_cache=True)
    mask = attach_lookahead(model, la)
    try:
        # one mixed pass over [X; P] with the LoRA active on P's rows only
        embeds = torch.cat([model.get_input_embeddings()(ids), la.embeddings[None].detach()], dim=1)
        mask.rows = torch.cat([torch.zeros(n, dtype=torch.bool), torch.ones(p, dtype=torch.bool)])
        mixed = model(inputs_embeds=embeds, past_key_values=DynamicCache(), use_cache=True)
        mask.rows = True  # sanity: the LoRA is not a no-op on the lookahead rows
        on = model(inputs_embeds=embeds, past_key_values=DynamicCache(), use_cache=True)
    finally:
        mask.rows = None
    for lb, lm in zip(base.past_key_values.layers, mixed.past_key_values.layers, strict=True):
        torch.testing.assert_close(lm.keys[:, :, :n], lb.keys, rtol=0, atol=1e-5)
        torch.testing.assert_close(lm.values[:, :, :n], lb.values, rtol=0, atol=1e-5)
    torch.testing.assert_close(mixed.logits[0, n - 1], base.logits[0, n - 1], rtol=0, atol=1e-4)
    assert int(mixed.logits[0, n - 1].argmax()) == int(base.logits[0, n - 1].argmax())
    assert not torch.allclose(on.logits[0, n - 1], base.logits[0, n - 1], atol=1e-3)


def test_detach_restores_plain_linears(tiny):
    model, _, la = tiny
    attach_lookahead(model, la)
    detach_lookahead(model)
    assert type(model.model.layers[0].self_attn.q_proj).__name__ == "Linear"
    attach_lookahead(model, la)  # leave it attached as the fixture had it
