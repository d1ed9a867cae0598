"""Test data for the kernels: a paged ``req_to_token`` like SGLang's, built on the host.

Shared by ``tests/kernels`` and ``scripts/gpu_checks.py`` (which runs without pytest).
"""

from __future__ import annotations

import torch


def paged_req_to_token(
    lens: list[int], page_size: int, max_ctx: int, gen: torch.Generator, extra_rows: int = 1
) -> tuple[torch.Tensor, list[int], int]:
    """Give each request ``ceil(len / P)`` shuffled pages of P consecutive slots.

    Returns
    -------
    req_to_token : (len(lens) + extra_rows, max_ctx) int32 on the CPU (move it to the device
        under test); unused entries are 0.
    rows : the row of each request (shuffled, so row != request index).
    pool_size : slots in the pool (slot 0 reserved as padding, as in SGLang).
    """
    pages = [-(-n // page_size) for n in lens]
    num_pages = sum(pages) + 2
    order = torch.randperm(num_pages - 1, generator=gen, device="cpu")[: sum(pages)] + 1
    r2t = torch.zeros(len(lens) + extra_rows, max_ctx, dtype=torch.int32, device="cpu")
    rows = torch.randperm(len(lens) + extra_rows, generator=gen, device="cpu")[: len(lens)]
    rows = rows.tolist()
    used = 0
    in_page = torch.arange(page_size, device="cpu")
    for b, n in enumerate(lens):
        mine = order[used : used + pages[b]]
        used += pages[b]
        slots = (mine[:, None] * page_size + in_page).reshape(-1)[:n]
        r2t[rows[b], :n] = slots.to(torch.int32)
    return r2t, rows, num_pages * page_size
