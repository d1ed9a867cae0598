"""The Triton scoring kernel equals its torch reference over a paged cache (ragged, GQA, pages).

Tolerances: float32 atol 1e-6 / rtol 1e-4; float16 inputs atol 1e-5 / rtol 1e-3 (both sides
compute in float32 from the same half inputs; on a GPU the half dot products accumulate in
float32 in another order). Scores are probabilities of order 1 / kv_len.
"""

from __future__ import annotations

import pytest
import torch

from lkv_kernels import lookahead_scores_ref
from lkv_kernels.score_triton import lookahead_scores

TOL = {torch.float32: dict(atol=1e-6, rtol=1e-4), torch.float16: dict(atol=1e-5, rtol=1e-3)}


def make_batch(
    paged, group: int, page: int, dtype: torch.dtype, device: torch.device, seed: int = 0
):
    """Three requests: ragged query counts, one kv_len shorter than its queries' reach."""
    gen = torch.Generator().manual_seed(seed)
    hkv, dim = 2, 16
    q_len, start, read = [4, 7, 2], [37, 5, 60], [37, 5, 20]
    kv = [s + n for s, n in zip(start, q_len, strict=True)]
    kv[2] -= 1  # the last query's own key is not in the cache: it sees keys up to kv_len - 1
    r2t, rows, pool = paged(kv, page, 80, gen)
    k_buffer = torch.randn(pool, hkv, dim, generator=gen).to(dtype)
    query = (torch.randn(sum(q_len), hkv * group, dim, generator=gen) * 2).to(dtype)
    args = (query.to(device), k_buffer.to(device), r2t.to(device), rows, q_len, start, read)
    return args, kv


@pytest.mark.parametrize("dtype", [torch.float32, torch.float16])
@pytest.mark.parametrize("group", [1, 3, 7])
@pytest.mark.parametrize("page", [1, 16])
def test_kernel_equals_reference(paged, group: int, page: int, dtype: torch.dtype, device) -> None:
    args, kv = make_batch(paged, group, page, dtype, device)
    got = lookahead_scores(*args, kv_len=kv)
    want = lookahead_scores_ref(*args, kv_len=kv)
    assert got.shape == want.shape == (3, 2, 37)
    torch.testing.assert_close(got, want, **TOL[dtype])
    assert float(got[1, :, 5:].abs().sum()) == 0.0  # zero past read_len


def test_reading_every_key_sums_to_one(paged, device) -> None:
    """With read_len = kv_len every softmax row is read whole: the mean sums to 1 per head."""
    args, kv = make_batch(paged, 3, 16, torch.float32, device, seed=1)
    query, kb, r2t, rows, q_len, start, _ = args
    got = lookahead_scores(query, kb, r2t, rows, q_len, start, kv, kv_len=kv)
    torch.testing.assert_close(got.sum(-1), torch.ones(3, 2, device=device), atol=1e-5, rtol=0)


def test_out_slice_and_custom_scale(paged, device) -> None:
    args, kv = make_batch(paged, 3, 1, torch.float32, device, seed=2)
    buf = torch.full((2, 3, 2, 40), 7.0, device=device)  # (layers, B, hkv, >= max read)
    got = lookahead_scores(*args, kv_len=kv, scale=0.1, out=buf[1])
    want = lookahead_scores_ref(*args, kv_len=kv, scale=0.1)
    torch.testing.assert_close(got, want, **TOL[torch.float32])
    assert float(buf[1, :, :, 37:].abs().sum()) == 0.0 and float(buf[0].min()) == 7.0


def test_long_prompt_many_key_blocks(paged, device) -> None:
    """One request whose keys span many key blocks and pages; queries are the last 8 tokens."""
    gen = torch.Generator().manual_seed(3)
    n, t = 300, 8
    r2t, rows, pool = paged([n + t], 16, n + t, gen)
    kb = torch.randn(pool, 1, 32, generator=gen).to(device)
    q = (torch.randn(t, 7, 32, generator=gen) * 3).to(device)
    got = lookahead_scores(q, kb, r2t.to(device), rows, [t], [n], [n])
    want = lookahead_scores_ref(q, kb, r2t.to(device), rows, [t], [n], [n])
    torch.testing.assert_close(got, want, **TOL[torch.float32])


@pytest.mark.parametrize(
    ("change", "match"),
    [
        (dict(query=torch.zeros(13, 5, 16)), "not a multiple"),
        (dict(query=torch.zeros(13, 6, 16, dtype=torch.float64)), "dtype"),
        (dict(q_len=[4, 7, 1]), "sum\\(q_len\\)"),
        (dict(read_len=[37, 5, 90]), "exceeds the keys"),
        (dict(query=torch.zeros(13, 6, 32)[..., ::2]), "stride 1"),
        (dict(req_rows=[0, 1, 9]), "out of range"),
        (dict(query_start=[37, -1, 60]), "query_start\\[1\\] = -1"),
    ],
)
def test_launcher_rejects_bad_arguments(paged, change: dict, match: str) -> None:
    args, _ = make_batch(paged, 3, 1, torch.float32, torch.device("cpu"))
    names = ("query", "k_buffer", "req_to_token", "req_rows", "q_len", "query_start", "read_len")
    kw = dict(zip(names, args, strict=True)) | change
    with pytest.raises((ValueError, TypeError), match=match):
        lookahead_scores(**kw)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float16])
@pytest.mark.parametrize("group", [1, 3, 7])
def test_own_keys_passed_beside_the_pool(paged, group: int, dtype: torch.dtype, device) -> None:
    """``extra_k``: the pool holds only the prompt; the queries' own keys come packed alike."""
    gen = torch.Generator().manual_seed(6)
    q_len, prompt = [5, 3], [33, 18]
    r2t, rows, pool = paged(prompt, 16, 40, gen)
    kb = torch.randn(pool, 2, 16, generator=gen).to(dtype).to(device)
    q = torch.randn(8, 2 * group, 16, generator=gen).to(dtype).to(device)
    own = torch.randn(8, 2, 16, generator=gen).to(dtype).to(device)
    args = (q, kb, r2t.to(device), rows, q_len, prompt, prompt)
    got = lookahead_scores(*args, extra_k=own)
    want = lookahead_scores_ref(*args, extra_k=own)
    torch.testing.assert_close(got, want, **TOL[dtype])
    # Same as writing the own keys into the pool behind the prompt and reading them from there.
    slots = torch.arange(pool, pool + 8)
    kb2 = torch.cat([kb, own])
    r2t2 = r2t.clone()
    r2t2[rows[0], 33:38], r2t2[rows[1], 18:21] = slots[:5].int(), slots[5:].int()
    pooled = lookahead_scores_ref(q, kb2, r2t2.to(device), rows, q_len, prompt, prompt)
    torch.testing.assert_close(want, pooled, atol=1e-6, rtol=1e-5)


def test_one_batch_many_layers(paged, device) -> None:
    """``score_batch`` once, ``score_layer`` per layer: same as one-shot calls; flags checked."""
    import lkv_kernels
    from lkv_kernels.score_triton import score_layer

    args, kv = make_batch(paged, 3, 16, torch.float32, device, seed=7)
    query, kb, r2t, rows, q_len, start, read = args
    sb = lkv_kernels.score_batch(r2t, rows, q_len, start, read, kv_len=kv)
    for layer in range(2):
        q = query * (layer + 1)
        want = lookahead_scores_ref(q, kb, r2t, rows, q_len, start, read, kv_len=kv)
        torch.testing.assert_close(score_layer(sb, q, kb, r2t), want, **TOL[torch.float32])
        torch.testing.assert_close(
            lkv_kernels.score_layer(sb, q, kb, r2t), want, **TOL[torch.float32]
        )
    with pytest.raises(ValueError, match="extra_keys=False"):
        score_layer(sb, query, kb, r2t, extra_k=torch.zeros(13, 2, 16, device=device))
    with pytest.raises(ValueError, match="query has 12 rows"):
        score_layer(sb, query[:12], kb, r2t)


@pytest.mark.parametrize("hq, hkv, q_len, n_keys, start", [(4, 2, 8, 40, 32), (6, 2, 32, 300, 268)])
def test_kernel_oracle_equals_the_cores_mean_attention(hq, hkv, q_len, n_keys, start):
    """The kernels' self-contained oracle and the core's chunked primitive agree."""
    from lkv_kernels.score_ref import plain_mean_attention
    from lkv_sglang.core.attention import mean_attention

    gen = torch.Generator().manual_seed(hq * n_keys)
    q = torch.randn(hq, q_len, 16, generator=gen)
    k = torch.randn(hkv, n_keys, 16, generator=gen)
    core = mean_attention(q, k, 0.25, start, chunk=5, key_chunk=64)
    assert torch.allclose(plain_mean_attention(q, k, 0.25, start), core, atol=1e-6)


def test_kernel_oracle_in_key_chunks():
    from lkv_kernels.score_ref import plain_mean_attention

    gen = torch.Generator().manual_seed(1)
    q, k = torch.randn(6, 7, 16, generator=gen), torch.randn(2, 50, 16, generator=gen)
    whole = plain_mean_attention(q, k, 0.3, 43)
    for chunk in (1, 9, 50):
        assert torch.allclose(
            plain_mean_attention(q, k, 0.3, 43, key_chunk=chunk), whole, atol=1e-6
        )
