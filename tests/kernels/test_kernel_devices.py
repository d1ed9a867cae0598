"""The kernels' references, argument checks and launchers create every tensor on their inputs'
device.

The big tensors (queries, key/value buffers, ``req_to_token``, keep lists) sit on the ``meta``
device, which has shapes but no data: a tensor built on the CPU and mixed with them raises, as it
would on CUDA. The decision inputs (request rows, lengths, budgets) are host ints, as in the
contract. The Triton launchers run up to the launch, with the kernel replaced by a stub that
checks every tensor argument's device (the real kernels need real memory).
"""

from __future__ import annotations

import pytest
import torch

import lkv_kernels
from lkv_kernels import compact_kv_ref, lookahead_scores_ref, pad_keep, score_batch
from lkv_kernels.compact_args import keep_is_sorted
from lkv_kernels.score_ref import score_layer_ref

META = torch.device("meta")
HKV, GROUP, DIM, POOL, MAX_CTX = 2, 3, 16, 200, 80
Q_LEN, START, READ = [4, 2], [37, 5], [37, 5]


def meta(*shape: int, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    return torch.empty(*shape, dtype=dtype, device=META)


def score_args(extra: bool = False):
    query = meta(sum(Q_LEN), HKV * GROUP, DIM)
    return (query, meta(POOL, HKV, DIM), meta(3, MAX_CTX, dtype=torch.int32), [2, 0], Q_LEN,
            START, READ), (meta(sum(Q_LEN), HKV, DIM) if extra else None)  # fmt: skip


@pytest.mark.parametrize("extra", [False, True])
def test_score_reference_on_meta(extra):
    args, extra_k = score_args(extra)
    out = lookahead_scores_ref(*args, extra_k=extra_k)
    assert out.device == META and out.shape == (2, HKV, max(READ))
    query, k_buffer, r2t, rows = args[:4]
    sb = score_batch(r2t, rows, Q_LEN, START, READ, extra_keys=extra)
    assert score_layer_ref(sb, query, k_buffer, r2t, extra_k).device == META


def test_dispatch_score_layer_with_out_on_meta(monkeypatch):
    monkeypatch.setenv("LKV_KERNELS", "torch")
    args, _ = score_args()
    query, k_buffer, r2t, rows = args[:4]
    sb = score_batch(r2t, rows, Q_LEN, START, READ)
    out = meta(4, 2, HKV, 50)[1]  # one layer's slice of a (layers, B, Hkv, max N) buffer
    assert lkv_kernels.score_layer(sb, query, k_buffer, r2t, out=out).device == META


def compact_args(dst: bool = False):
    plans = [meta(2, HKV, 6, dtype=torch.int64), meta(2, HKV, 4, dtype=torch.int64)]
    keep, budgets = pad_keep(plans)
    assert keep.device == META and budgets.device.type == "cpu"  # budgets: host ints
    bufs = [meta(POOL, HKV, DIM) for _ in range(4)]
    dst_slots = meta(2, 6, dtype=torch.int64) if dst else None
    return bufs, meta(3, MAX_CTX, dtype=torch.int32), [1, 2], [3, 0], keep, budgets, dst_slots


@pytest.mark.parametrize("dst", [False, True])
def test_compact_reference_on_meta(dst):
    compact_kv_ref(*compact_args(dst))  # raises on any tensor built off the buffers' device


def test_keep_is_sorted_reads_values_on_purpose():
    """A host decision (one sync): it needs values, so it runs on real tensors, never meta.
    Callers that know the order pass ``sorted_keep`` and skip it (the core's selection is
    ascending)."""
    keep = torch.tensor([[[[0, 2, 5, 0]]], [[[3, 1, 0, 0]]]])
    assert keep_is_sorted(keep[:1], torch.tensor([[3]]))
    assert not keep_is_sorted(keep, torch.tensor([[3], [2]]))


class DeviceCheckingKernel:
    """Stands in for a ``@triton.jit`` kernel: ``kernel[grid](*args)`` checks the tensors."""

    def __init__(self) -> None:
        self.launches = 0

    def __getitem__(self, grid):
        def launch(*args, **kwargs):
            tensors = [a for a in (*args, *kwargs.values()) if isinstance(a, torch.Tensor)]
            bad = [(i, t.device) for i, t in enumerate(tensors) if t.device != META]
            assert not bad, f"kernel arguments off the inputs' device: {bad}"
            self.launches += 1

        return launch


@pytest.mark.parametrize("extra", [False, True])
def test_score_launcher_keeps_tensors_on_the_inputs_device(monkeypatch, extra):
    from lkv_kernels import score_triton

    stub = DeviceCheckingKernel()
    monkeypatch.setattr(score_triton, "_score_pass", stub)
    args, extra_k = score_args(extra)
    out = score_triton.lookahead_scores(*args, extra_k=extra_k)
    assert out.device == META and stub.launches == 2


@pytest.mark.parametrize("dst", [False, True])
@pytest.mark.parametrize("sorted_keep", [True, False])
def test_compact_launcher_keeps_tensors_on_the_inputs_device(monkeypatch, dst, sorted_keep):
    from lkv_kernels import compact_triton

    stub = DeviceCheckingKernel()
    monkeypatch.setattr(compact_triton, "_compact", stub)
    compact_triton.compact_kv(*compact_args()[:6], sorted_keep=sorted_keep,
                              dst_slots=compact_args(dst)[6])  # fmt: skip
    assert stub.launches == 1
