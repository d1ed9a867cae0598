"""Shared fixtures: tiny random models built offline, once per session."""

from __future__ import annotations

import os

import pytest
import torch

# Without a GPU, Triton kernels run in the interpreter. The variable must be set before any
# @triton.jit function is defined, whichever test module imports one first (the decorator reads
# it), so it is set here, before collection.
if not torch.cuda.is_available():
    os.environ.setdefault("TRITON_INTERPRET", "1")

torch.set_num_threads(max(1, min(2, os.cpu_count() or 1)))


@pytest.fixture(scope="session")
def tiny_llama_dir(tmp_path_factory):
    from lkv_sglang.models.tiny import build_tiny

    return build_tiny(tmp_path_factory.mktemp("tiny_llama"), "llama")


@pytest.fixture(scope="session")
def tiny_qwen2_dir(tmp_path_factory):
    from lkv_sglang.models.tiny import build_tiny

    return build_tiny(tmp_path_factory.mktemp("tiny_qwen2"), "qwen2")


@pytest.fixture(scope="session", params=["llama", "qwen2"])
def tiny_model_dir(request, tiny_llama_dir, tiny_qwen2_dir):
    return tiny_llama_dir if request.param == "llama" else tiny_qwen2_dir
