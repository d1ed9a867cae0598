"""Fixtures for the real-server tests: the tiny model's reference path and lookahead checkpoints.

Servers are module-scoped (one per configuration), in their own process group, on loopback.
"""

from __future__ import annotations

import os
import random

import pytest
import torch

from lkv_sglang.launcher import start_server

# SGLang's modules only import on a CPU-only machine with its CPU engine selected.
os.environ.setdefault("SGLANG_USE_CPU_ENGINE", "1")

BASE_FLAGS = ["--disable-overlap-schedule"]


_FIRST_TOKENS: list[int] = []


def random_prompt(rnd: random.Random, n: int, vocab: int) -> list[int]:
    """Random token ids whose first token no earlier prompt of this session used.

    The radix cache matches any common prefix, even one token; a prompt that must not share a
    prefix with earlier requests (to compare with the plain reference path) needs a fresh start.
    """
    if not _FIRST_TOKENS:
        _FIRST_TOKENS.extend(random.Random(0).sample(range(6, vocab), vocab - 6))
    return [_FIRST_TOKENS.pop()] + [rnd.randrange(6, vocab) for _ in range(n - 1)]


def make_lookahead(model, out_dir, base_model: str, seed: int = 0):
    """A lookahead checkpoint for ``model`` whose LoRA is active (B non-zero), saved at ``out_dir``."""
    from lkv_sglang.hf.geometry import new_lookahead

    module = new_lookahead(model, base_model, seed=seed)
    gen = torch.Generator().manual_seed(seed + 1)
    with torch.no_grad():
        for p in module.lora_b.values():
            p.copy_(torch.randn(p.shape, generator=gen) * 0.05)
    module.save(out_dir)
    return module


@pytest.fixture(scope="session")
def tiny_hf(tiny_llama_dir):
    from lkv_sglang.hf import load_model

    model, _ = load_model(str(tiny_llama_dir))
    return model


@pytest.fixture(scope="session")
def tiny_lookahead(tiny_hf, tmp_path_factory):
    """(module, checkpoint dir) for the tiny Llama."""
    out = tmp_path_factory.mktemp("lookahead_tiny_llama")
    return make_lookahead(tiny_hf, out, "tiny-llama"), out


@pytest.fixture(scope="session")
def qwen2_lookahead_dir(tiny_qwen2_dir, tmp_path_factory):
    """A checkpoint made for the tiny Qwen2: wrong for the tiny Llama."""
    from lkv_sglang.hf import load_model

    model, _ = load_model(str(tiny_qwen2_dir))
    out = tmp_path_factory.mktemp("lookahead_tiny_qwen2")
    make_lookahead(model, out, "tiny-qwen2")
    return out


def reference(
    model, ids: list[int], policy: str, budget: int, max_new: int, lookahead=None
) -> list[int]:
    """Greedy output of the transformers reference path (no EOS stop, like ignore_eos)."""
    from lkv_sglang.hf import generate

    return generate(
        model, ids, policy, budget, max_new, lookahead=lookahead, stop_on_eos=False
    ).output_ids


def reference_with_prefix(
    model, ids: list[int], policy: str, budget: int, shared: int, max_new: int, lookahead=None
) -> list[int]:
    """Reference for a request whose first ``shared`` entries came from the radix cache: those are
    kept whole and only the own suffix is pruned (prompt-attention policies and lookaheadkv).
    With ``shared == 0`` it is the plain reference path."""
    from lkv_sglang.core.plan import KeepPlan, Observation
    from lkv_sglang.core.policies import make_policy
    from lkv_sglang.hf.cache import greedy_decode, prune_cache
    from lkv_sglang.hf.generate import prefill

    pol = make_policy(policy)
    cache, first, attn = prefill(model, torch.tensor([ids]), pol)
    n = len(ids)
    if lookahead is not None:
        from lkv_sglang.hf.lora import attach_lookahead
        from lkv_sglang.hf.observe import lookahead_attention

        attach_lookahead(model, lookahead)
        attn = lookahead_attention(model, cache, lookahead, n)
    obs = Observation(
        n - shared, attn.shape[0], model.config.num_key_value_heads, attn[:, :, shared:]
    )
    own = pol.select(obs, budget)
    keep = KeepPlan(
        n,
        tuple(
            torch.cat([torch.arange(shared).expand(i.shape[0], -1), i + shared], 1)
            for i in own.indices
        ),
    )
    return greedy_decode(model, prune_cache(cache, keep), first, n, max_new, set())


@pytest.fixture(scope="session")
def ref_prefix():
    """``ref_prefix(model, ids, policy, budget, shared, max_new, lookahead=None)``: see
    ``reference_with_prefix``."""
    return reference_with_prefix


@pytest.fixture(scope="session")
def lookahead_factory():
    """``lookahead_factory(model, out_dir, base_model)``: see ``make_lookahead``."""
    return make_lookahead


@pytest.fixture(scope="session")
def prompts():
    """``prompts(rnd, n, vocab)``: see ``random_prompt``."""
    return random_prompt


@pytest.fixture(scope="session")
def ref():
    """``ref(model, ids, policy, budget, max_new, lookahead=None)``: see ``reference``."""
    return reference


@pytest.fixture(scope="module")
def server_factory(tmp_path_factory):
    """``start(model, flags)``: a server stopped when the module ends."""
    started = []

    def start(model, flags, **kwargs):
        server = start_server(
            model, BASE_FLAGS + list(flags), tmp_path_factory.mktemp("server"), **kwargs
        )
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()
