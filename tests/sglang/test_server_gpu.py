"""On a GPU: the plugin through the Triton kernels and FlashInfer gives the same tokens as through
the torch references (``LKV_KERNELS=torch``), on the default model with its shipped checkpoint.

Skips without CUDA (this project's CI and dev machines have none); needs SGLang's CUDA install
(its FlashInfer and Triton), not the CPU recipe's. Two servers one after the other, same flags
but ``LKV_KERNELS``; requests go one at a time so batching cannot change the order of anything.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

pytestmark = [
    pytest.mark.sglang,
    pytest.mark.slow,
    pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU"),
]

NEEDLE = Path(__file__).resolve().parents[2] / "examples" / "needle.txt"
BUDGETS, NEW = (64, 256), 32


def prompts() -> list[list[int]]:
    from transformers import AutoTokenizer

    from lkv_sglang.models import resolve_model
    from lkv_sglang.runner import chat_ids

    tok = AutoTokenizer.from_pretrained(resolve_model("smollm2-135m"))
    text = NEEDLE.read_text()
    return [chat_ids(tok, f"({i}) " + text[i * 500 :])[0].tolist() for i in range(3)]


def run(backend: str, tmp_path: Path, ids: list[list[int]]) -> list[tuple[list[int], dict]]:
    from lkv_sglang.checkpoints import shipped_checkpoint
    from lkv_sglang.launcher import start_server
    from lkv_sglang.models import resolve_model

    flags = ["--disable-overlap-schedule", "--eviction", "lookaheadkv", "--eviction-budget", "64",
             "--lookahead-path", str(shipped_checkpoint("smollm2-135m"))]  # fmt: skip
    server = start_server(resolve_model("smollm2-135m"), flags, tmp_path / backend, timeout=900,
                          max_total_tokens=65536, env={"LKV_KERNELS": backend}, device="cuda")  # fmt: skip
    try:
        outs = []
        for budget in BUDGETS:
            for prompt in ids:
                body = server.generate(prompt, NEW, {"eviction_budget": budget})
                outs.append((body["output_ids"], server.events("prune")[-1]))
        return outs
    finally:
        server.stop()


def test_kernels_give_the_torch_paths_tokens(tmp_path):
    ids = prompts()
    torch_path = run("torch", tmp_path, ids)
    kernels = run("auto", tmp_path, ids)
    assert all(p["pruned"] and p["kernels"] == "torch" for _, p in torch_path)
    assert all(p["pruned"] and p["kernels"] == "triton" for _, p in kernels)
    for (want, _), (got, _) in zip(torch_path, kernels, strict=True):
        assert got == want
