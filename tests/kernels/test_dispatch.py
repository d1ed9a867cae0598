"""The GPU gate, and the whole eviction step (score -> select -> compact) against the torch path."""

from __future__ import annotations

import pytest
import torch

import lkv_kernels
from lkv_kernels.compact_triton import compact_kv
from lkv_kernels.score_triton import lookahead_scores
from lkv_sglang.core.selection import select


def test_gate_follows_cuda_not_imports() -> None:
    assert lkv_kernels.use_gpu_kernels() == torch.cuda.is_available()
    assert not lkv_kernels.use_gpu_kernels("cpu")
    if not torch.cuda.is_available():
        assert not lkv_kernels.flashinfer_enabled()


def test_cpu_dispatch_uses_references(paged) -> None:
    gen = torch.Generator().manual_seed(0)
    r2t, rows, pool = paged([20], 1, 20, gen)
    kb = torch.randn(pool, 2, 16, generator=gen)
    q = torch.randn(4, 6, 16, generator=gen)
    got = lkv_kernels.score(q, kb, r2t, rows, [4], [16], [16], out=None)
    want = lkv_kernels.lookahead_scores_ref(q, kb, r2t, rows, [4], [16], [16])
    assert torch.equal(got, want)


@pytest.mark.parametrize("group", [1, 7])
def test_eviction_step_matches_torch_path(paged, group: int, device) -> None:
    """Kernel scores feed the core's selection to the same plan; compaction gives the same cache.

    Two requests, two layers; each request's queries are its last 4 tokens (prompt = the rest),
    request 1 has a protected (radix-owned) prefix of 16 tokens that is neither scored nor moved.
    """
    gen = torch.Generator().manual_seed(5)
    layers, hkv, dim, budget = 2, 2, 16, 10
    prompt, prot, t = [40, 50], [0, 16], 4
    kv = [n + t for n in prompt]
    r2t, rows, pool = paged(kv, 16, 64, gen)
    r2t = r2t.to(device)
    k_bufs = [torch.randn(pool, hkv, dim, generator=gen).half().to(device) for _ in range(layers)]
    v_bufs = [torch.randn(pool, hkv, dim, generator=gen).half().to(device) for _ in range(layers)]
    q = [
        torch.randn(2 * t, hkv * group, dim, generator=gen).half().to(device) for _ in range(layers)
    ]
    args = (rows, [t, t], prompt, prompt)
    kernel = torch.stack([lookahead_scores(q[i], k_bufs[i], r2t, *args) for i in range(layers)])
    ref = torch.stack(
        [lkv_kernels.lookahead_scores_ref(q[i], k_bufs[i], r2t, *args) for i in range(layers)]
    )
    torch.testing.assert_close(kernel, ref, atol=1e-5, rtol=1e-3)
    plans_k, plans_r = [], []
    for b in range(2):
        own = slice(prot[b], prompt[b])
        plans_k.append(select(kernel[:, b, :, own].cpu(), [budget] * layers, hkv).stacked())
        plans_r.append(select(ref[:, b, :, own].cpu(), [budget] * layers, hkv).stacked())
    assert all(torch.equal(a, c) for a, c in zip(plans_k, plans_r, strict=True))
    keep, budgets = lkv_kernels.pad_keep(plans_k, device=device)
    bufs_k = [x.clone() for x in k_bufs + v_bufs]
    bufs_r = [x.clone() for x in k_bufs + v_bufs]
    compact_kv(bufs_k, r2t, rows, prot, keep, budgets, sorted_keep=True)
    lkv_kernels.compact_kv_ref(bufs_r, r2t, rows, prot, keep, budgets)
    assert all(torch.equal(a, c) for a, c in zip(bufs_k, bufs_r, strict=True))
    assert any(not torch.equal(a, c) for a, c in zip(bufs_k, k_bufs + v_bufs, strict=True))


def test_backend_override(monkeypatch) -> None:
    monkeypatch.setenv("LKV_KERNELS", "torch")
    assert not lkv_kernels.use_triton("cpu")
    monkeypatch.setenv("LKV_KERNELS", "triton")
    monkeypatch.setenv("TRITON_INTERPRET", "1")  # set by the conftest only where no GPU is
    assert lkv_kernels.use_triton("cpu")
    monkeypatch.setenv("LKV_KERNELS", "auto")
    assert lkv_kernels.use_triton("cpu") is False
    monkeypatch.setenv("LKV_KERNELS", "fast")
    with pytest.raises(ValueError, match=r"LKV_KERNELS='fast' is not one of auto, torch, triton"):
        lkv_kernels.use_triton("cpu")


def test_triton_on_cpu_needs_the_interpreter(monkeypatch) -> None:
    monkeypatch.setenv("LKV_KERNELS", "triton")
    monkeypatch.delenv("TRITON_INTERPRET", raising=False)
    with pytest.raises(RuntimeError, match="needs TRITON_INTERPRET=1"):
        lkv_kernels.use_triton("cpu")


def test_forced_triton_dispatch_runs_the_kernels(paged, monkeypatch) -> None:
    """With ``LKV_KERNELS=triton`` the dispatcher's answer is the kernel's, not the reference's
    (their float sums differ in the last bits; equal within the kernel tolerance)."""
    gen = torch.Generator().manual_seed(3)
    r2t, rows, pool = paged([30], 16, 32, gen)
    kb = torch.randn(pool, 2, 16, generator=gen)
    q = torch.randn(4, 6, 16, generator=gen)
    monkeypatch.setenv("LKV_KERNELS", "triton")
    got = lkv_kernels.score(q, kb, r2t, rows, [4], [26], [26])
    want = lookahead_scores(q, kb, r2t, rows, [4], [26], [26])
    assert torch.equal(got, want)
    torch.testing.assert_close(got, lkv_kernels.lookahead_scores_ref(q, kb, r2t, rows, [4], [26], [26]),
                               atol=1e-5, rtol=1e-3)  # fmt: skip
