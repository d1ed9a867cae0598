"""``mean_attention`` works in query and key chunks: same result, bounded intermediates.

The bound is checked by recording every tensor an aten op returns (a ``TorchDispatchMode``) on
the ``meta`` device, where a long prompt costs no memory and no time.
"""

import pytest
import torch
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils._pytree import tree_flatten

from lkv_sglang.core.attention import mean_attention


class LargestTensor(TorchDispatchMode):
    """Records the largest number of elements of any tensor an op returns."""

    def __init__(self) -> None:
        super().__init__()
        self.largest = 0

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        out = func(*args, **(kwargs or {}))
        for t in tree_flatten(out)[0]:
            if isinstance(t, torch.Tensor):
                self.largest = max(self.largest, t.numel())
        return out


def naive(q, k, scale, start, read):
    """The whole (hq, q_len, k_len) matrix at once: the definition."""
    kk = k.repeat_interleave(q.shape[0] // k.shape[0], 0)
    logits = q @ kk.transpose(1, 2) * scale
    pos = start + torch.arange(q.shape[1])
    logits = logits.masked_fill(torch.arange(k.shape[1])[None] > pos[:, None], float("-inf"))
    return logits.softmax(-1).mean(1)[:, :read]


@pytest.mark.parametrize(
    "q_len,k_len,start,read",
    [
        (70, 70, 0, 70),  # h2o: every prompt query over the prompt
        (9, 60, 51, 51),  # lookahead-shaped: queries after the prompt, read the prompt only
        (12, 50, 30, 40),  # keys past the last query (masked for all)
    ],
)
@pytest.mark.parametrize("chunk,key_chunk", [(1, 1), (5, 7), (16, 32), (256, 8)])
def test_key_chunks_equal_one_pass(q_len, k_len, start, read, chunk, key_chunk):
    g = torch.Generator().manual_seed(q_len + k_len)
    q, k = torch.randn(6, q_len, 8, generator=g), torch.randn(2, k_len, 8, generator=g)
    one_pass = mean_attention(q, k, 0.4, start, read)  # k_len <= default key_chunk: one pass
    chunked = mean_attention(q, k, 0.4, start, read, chunk=chunk, key_chunk=key_chunk)
    assert torch.allclose(chunked, one_pass, atol=1e-6, rtol=1e-5)
    assert torch.allclose(chunked, naive(q, k, 0.4, start, read), atol=1e-6, rtol=1e-5)


def test_one_pass_is_bitwise_unchanged_up_to_key_chunk():
    """Prompts up to ``key_chunk`` keys take the one-pass path: results are exactly as before."""
    g = torch.Generator().manual_seed(1)
    q, k = torch.randn(4, 33, 16, generator=g), torch.randn(2, 64, 16, generator=g)
    a = mean_attention(q, k, 0.25, 31, 40, chunk=8, key_chunk=64)
    kk = k.repeat_interleave(2, 0)
    want = torch.zeros(4, 40)
    for lo in range(0, 33, 8):
        logits = q[:, lo : lo + 8] @ kk.transpose(1, 2) * 0.25
        pos = 31 + lo + torch.arange(logits.shape[1])
        logits.masked_fill_(torch.arange(64)[None] > pos[:, None], float("-inf"))
        want += logits.softmax(-1)[..., :40].sum(1)
    assert torch.equal(a, want / 33)


@pytest.mark.parametrize("n", [2048, 4096])
def test_h2o_all_prompt_queries_stay_within_the_stated_peak(n):
    """Every prompt query over the prompt (h2o): no intermediate grows with n beyond the
    (hq, n) result, where an unchunked computation holds (hq, chunk, n) or (hq, n, n)."""
    hq, hkv, dim, chunk, key_chunk = 8, 2, 16, 64, 512
    q = torch.empty(hq, n, dim, device="meta")
    k = torch.empty(hkv, n, dim, device="meta")
    with LargestTensor() as rec:
        out = mean_attention(q, k, 0.25, 0, n, chunk=chunk, key_chunk=key_chunk)
    assert out.shape == (hq, n)
    assert rec.largest <= max(hq * chunk * key_chunk, hq * n), rec.largest
