"""Kernel tests: on a CPU-only machine the Triton kernels run in the interpreter.

Also builds paged ``req_to_token`` maps (fixture ``paged``).

``TRITON_INTERPRET`` must be set before any ``@triton.jit`` kernel is defined, i.e. before
``lkv_kernels.score_triton`` / ``compact_triton`` are imported; this conftest is loaded before
the test modules of this folder. On a CUDA machine the kernels compile and run natively.
"""

from __future__ import annotations

import os

import pytest
import torch

if not torch.cuda.is_available():
    os.environ.setdefault("TRITON_INTERPRET", "1")

pytest.importorskip("triton", reason="triton not installed (pip install -e '.[kernels]')")


@pytest.fixture(scope="session")
def device() -> torch.device:
    """CUDA when present (native kernels), else CPU (interpreter)."""
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def paged_req_to_token(
    lens: list[int], page_size: int, max_ctx: int, gen: torch.Generator, extra_rows: int = 1
) -> tuple[torch.Tensor, list[int], int]:
    """Give each request ``ceil(len / P)`` shuffled pages of P consecutive slots.

    Returns
    -------
    req_to_token : (len(lens) + extra_rows, max_ctx) int32; unused entries are 0.
    rows : the row of each request (shuffled, so row != request index).
    pool_size : slots in the pool (slot 0 reserved as padding, as in SGLang).
    """
    pages = [-(-n // page_size) for n in lens]
    num_pages = sum(pages) + 2
    order = torch.randperm(num_pages - 1, generator=gen)[: sum(pages)] + 1
    r2t = torch.zeros(len(lens) + extra_rows, max_ctx, dtype=torch.int32)
    rows = torch.randperm(len(lens) + extra_rows, generator=gen)[: len(lens)].tolist()
    used = 0
    for b, n in enumerate(lens):
        mine = order[used : used + pages[b]]
        used += pages[b]
        slots = (mine[:, None] * page_size + torch.arange(page_size)).reshape(-1)[:n]
        r2t[rows[b], :n] = slots.to(torch.int32)
    return r2t, rows, num_pages * page_size


@pytest.fixture(scope="session")
def paged():
    """The ``paged_req_to_token`` builder."""
    return paged_req_to_token
