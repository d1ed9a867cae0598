"""Kernel tests: on a CPU-only machine the Triton kernels run in the interpreter.

Also builds paged ``req_to_token`` maps (fixture ``paged``: ``lkv_kernels.testing``).

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

from lkv_kernels.testing import paged_req_to_token  # noqa: E402


@pytest.fixture(scope="session")
def device() -> torch.device:
    """CUDA when present (native kernels), else CPU (interpreter)."""
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


@pytest.fixture(scope="session")
def paged():
    """The ``paged_req_to_token`` builder."""
    return paged_req_to_token
