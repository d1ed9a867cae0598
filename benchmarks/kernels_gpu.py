"""Time prefill, lookahead scoring, selection and compaction on a GPU; write results/kernels_gpu.json.

usage: python benchmarks/kernels_gpu.py [--lengths 8192 32768] [--budget 2048] [--out PATH]

Two layer sets at each length: the default model (``resolve_model("smollm2-135m")``, real
prefill with transformers, its KV copied into a paged pool) and a synthetic Llama-3-8B-shaped
set (32 layers, 32/8 heads, head_dim 128; prefill timed on a randomly initialised Llama-3-8B
skeleton). Scoring uses 32 lookahead queries per request (random values: timing does not depend
on them) after the prompt; selection is the core's torch top-k; compaction keeps ``budget``
entries per layer and KV head of every K and V buffer in one launch. Each figure is the
median of ``--repeats`` CUDA-event timings after warm-up; the Triton kernels are timed beside the
torch references. Every section records its error instead of stopping the run.

Without CUDA the script says so and runs a small CPU smoke of the same plumbing (torch
references, tiny shapes, exit status 2, nothing written) so it can be checked anywhere; with
TRITON_INTERPRET=1 the smoke also runs the Triton kernels in the interpreter.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
import traceback
from collections.abc import Callable
from functools import partial
from pathlib import Path

import torch

import lkv_kernels
from lkv_sglang.core.selection import select

N_LOOKAHEAD = 32
PAGE = 16


def timed(fn: Callable[[], object], repeats: int, cuda: bool) -> float:
    """Median milliseconds of ``fn`` after two warm-up calls."""
    for _ in range(2):
        fn()
    times = []
    for _ in range(repeats):
        if cuda:
            start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            start.record()
            fn()
            end.record()
            torch.cuda.synchronize()
            times.append(start.elapsed_time(end))
        else:
            t0 = time.perf_counter()
            fn()
            times.append((time.perf_counter() - t0) * 1e3)
    return round(statistics.median(times), 3)


def paged_pool(
    keys: list[torch.Tensor], n: int, gen: torch.Generator
) -> tuple[list, list, torch.Tensor]:
    """Copy per-layer (Hkv, n, D) K (and random V) into pools behind a shuffled page table."""
    dev = keys[0].device
    pages = -(-n // PAGE)
    order = torch.randperm(pages + 1, generator=gen)[:pages].to(dev) + 1
    slots = (order[:, None] * PAGE + torch.arange(PAGE, device=dev)).reshape(-1)[:n]
    r2t = torch.zeros(1, n, dtype=torch.int32, device=dev)
    r2t[0] = slots.to(torch.int32)
    size = (pages + 2) * PAGE
    kb, vb = [], []
    for k in keys:
        buf = torch.zeros(size, k.shape[0], k.shape[2], dtype=k.dtype, device=dev)
        buf[slots] = k.transpose(0, 1)
        kb.append(buf)
        vb.append(torch.randn_like(buf))
    return kb, vb, r2t


def eviction_figures(keys: list[torch.Tensor], hq: int, n: int, budget: int, repeats: int) -> dict:
    """Scoring / selection / compaction times for one request whose cache holds ``keys``.

    ``keys``: per layer (num_kv_heads, n, head_dim) with the last 32 entries the lookahead
    tokens' own keys. The prompt is the first n - 32: it goes into the paged pool, the own keys
    are passed beside it (``extra_k``), as the plugin's write-nothing lookahead pass has them.
    """
    cuda = keys[0].is_cuda
    triton_on = cuda or os.environ.get("TRITON_INTERPRET") == "1"  # the CPU smoke can interpret
    gen = torch.Generator().manual_seed(0)
    prompt = n - N_LOOKAHEAD
    kb, vb, r2t = paged_pool([k[:, :prompt] for k in keys], prompt, gen)
    own = [k[:, prompt:].transpose(0, 1).contiguous() for k in keys]  # (32, Hkv, D)
    hkv, dim, layers = keys[0].shape[0], keys[0].shape[2], len(keys)
    q = [torch.randn(N_LOOKAHEAD, hq, dim, generator=gen).to(keys[0]) for _ in range(layers)]
    args = ([0], [N_LOOKAHEAD], [prompt], [prompt])
    out: dict = {"prompt_tokens": prompt, "budget": budget, "layers": layers, "kv_heads": hkv}
    scores = torch.empty(layers, 1, hkv, prompt, device=keys[0].device)

    def score_with(layer_fn: Callable) -> Callable[[], None]:
        """All layers of one eviction: the batch checked once, then one launch pair per layer."""

        def run() -> None:
            sb = lkv_kernels.score_batch(r2t, *args, extra_keys=True)
            for i in range(layers):
                layer_fn(sb, q[i], kb[i], r2t, own[i], out=scores[i])

        return run

    def ref_layer(sb: lkv_kernels.ScoreBatch, q_: torch.Tensor, kb_: torch.Tensor,
                  r2t_: torch.Tensor, own_: torch.Tensor, out: torch.Tensor) -> None:  # fmt: skip
        out.copy_(lkv_kernels.score_layer_ref(sb, q_, kb_, r2t_, own_))

    if triton_on:
        from lkv_kernels.compact_triton import compact_kv
        from lkv_kernels.score_triton import score_layer

        out["score_triton_ms"] = timed(score_with(score_layer), repeats, cuda)
    out["score_torch_ms"] = timed(score_with(ref_layer), repeats, cuda)

    # Selection as the core does it without sink/window: top-k then ascending order, on the device.
    def topk() -> torch.Tensor:
        return scores[:, 0].topk(budget, dim=-1).indices.sort(-1).values

    out["select_topk_ms"] = timed(topk, repeats, cuda)
    out["select_core_on_cpu_ms"] = timed(
        lambda: select(scores[:, 0].cpu(), [budget] * layers, hkv), repeats, cuda
    )
    keep, budgets = lkv_kernels.pad_keep([topk()])
    bufs = kb + vb
    if triton_on:
        ptrs = torch.tensor([b.data_ptr() for b in bufs], dtype=torch.int64, device=keys[0].device)
        out["compact_triton_ms"] = timed(
            lambda: compact_kv(
                bufs, r2t, [0], [0], keep, budgets, sorted_keep=True, data_ptrs=ptrs
            ),
            repeats,
            cuda,
        )
        out["compact_triton_unsorted_path_ms"] = timed(
            lambda: compact_kv(
                bufs, r2t, [0], [0], keep, budgets, sorted_keep=False, data_ptrs=ptrs
            ),
            repeats,
            cuda,
        )
    out["compact_torch_ms"] = timed(
        lambda: lkv_kernels.compact_kv_ref(bufs, r2t, [0], [0], keep, budgets), repeats, cuda
    )
    return out


def model_section(model_dir: str, n: int, budget: int, repeats: int, device: str) -> dict:
    """Prefill the default model on n random tokens, then time eviction on its real keys."""
    from transformers import AutoModelForCausalLM

    dtype = torch.bfloat16 if device == "cuda" else torch.float32
    model = AutoModelForCausalLM.from_pretrained(model_dir, dtype=dtype).to(device).eval()
    cfg = model.config
    ids = torch.randint(0, cfg.vocab_size, (1, n), device=device)
    with torch.no_grad():
        prefill = timed(
            lambda: model(ids, use_cache=True, logits_to_keep=1), repeats, device == "cuda"
        )
        cache = model(ids, use_cache=True, logits_to_keep=1).past_key_values
    keys = [cache.layers[i].keys[0] for i in range(cfg.num_hidden_layers)]
    res = {
        "prefill_ms": prefill,
        **eviction_figures(keys, cfg.num_attention_heads, n, budget, repeats),
    }
    return res


def llama8b_section(n: int, budget: int, repeats: int, device: str, prefill: bool) -> dict:
    """Synthetic Llama-3-8B-shaped layers; prefill on a random-weight skeleton when asked."""
    from transformers import LlamaConfig, LlamaForCausalLM

    cfg = LlamaConfig(
        hidden_size=4096, intermediate_size=14336, num_hidden_layers=32, num_attention_heads=32,
        num_key_value_heads=8, vocab_size=128256, max_position_embeddings=131072, rope_theta=500000.0,
    )  # fmt: skip
    res: dict = {}
    dtype = torch.bfloat16 if device == "cuda" else torch.float32
    if prefill:
        res["prefill_ms"] = _skeleton_prefill(LlamaForCausalLM, cfg, n, repeats, device, dtype)
    gen = torch.Generator().manual_seed(1)
    keys = [torch.randn(8, n, 128, generator=gen).to(device, dtype) for _ in range(32)]
    res.update(eviction_figures(keys, 32, n, budget, repeats))
    return res


def _skeleton_prefill(cls: type, cfg: object, n: int, repeats: int, device: str, dtype) -> float:
    """Prefill time of a randomly initialised model (freed on return)."""
    torch.set_default_dtype(dtype)
    try:
        with torch.device(device):
            model = cls(cfg).eval()
    finally:
        torch.set_default_dtype(torch.float32)
    ids = torch.randint(0, cfg.vocab_size, (1, n), device=device)
    with torch.no_grad():
        return timed(
            lambda: model(ids, use_cache=False, logits_to_keep=1), repeats, device == "cuda"
        )


def run_section(fn: Callable[[], dict]) -> dict:
    try:
        res = fn()
    except Exception as exc:  # record and go on: one run must give every figure it can
        res = {"error": f"{type(exc).__name__}: {exc}", "trace": traceback.format_exc(limit=3)}
    if torch.cuda.is_available():
        torch.cuda.empty_cache()
    return res


def add_overheads(res: dict) -> None:
    """Eviction overhead = (score + select + compact) / prefill, for the Triton path."""
    if "prefill_ms" in res and "score_triton_ms" in res and "compact_triton_ms" in res:
        total = res["score_triton_ms"] + res["select_topk_ms"] + res["compact_triton_ms"]
        res["eviction_ms"] = round(total, 3)
        res["eviction_over_prefill"] = round(total / res["prefill_ms"], 4)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lengths", type=int, nargs="+", default=[8192, 32768])
    ap.add_argument("--budget", type=int, default=2048)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--model", default="smollm2-135m")
    ap.add_argument("--no-llama-prefill", action="store_true", help="skip the 8B skeleton prefill")
    ap.add_argument("--out", default="results/kernels_gpu.json")
    a = ap.parse_args()
    cuda = torch.cuda.is_available()
    if not cuda:
        print("No CUDA device: these figures need a GPU. Running a CPU smoke of the plumbing "
              "(torch references, tiny shapes); nothing is written.", file=sys.stderr)  # fmt: skip
        a.lengths, a.budget, a.repeats = [64], 16, 1
    device = "cuda" if cuda else "cpu"
    from lkv_sglang.models import resolve_model

    try:
        model_dir = str(resolve_model(a.model))
    except Exception as exc:
        model_dir = None
        print(f"default model unavailable ({exc}); its rows are skipped", file=sys.stderr)
    report: dict = {
        "command": " ".join([sys.executable, *sys.argv]),
        "machine": {
            "gpu": torch.cuda.get_device_name(0) if cuda else None,
            "host": platform.node(),
            "torch": torch.__version__,
            "cuda": torch.version.cuda,
            "triton": _triton_version(),
            "flashinfer_enabled": lkv_kernels.flashinfer_enabled(),
        },
        "model": a.model if model_dir else None,
        "n_lookahead": N_LOOKAHEAD,
        "page_size": PAGE,
        "figures": {},
    }
    for n in a.lengths:
        rows = {}
        if model_dir:
            rows["default_model"] = run_section(
                partial(model_section, model_dir, n, a.budget, a.repeats, device)
            )
        prefill = cuda and not a.no_llama_prefill
        rows["llama3_8b_shape"] = run_section(
            partial(llama8b_section, n, a.budget, a.repeats, device, prefill)
        )
        for r in rows.values():
            add_overheads(r)
        report["figures"][str(n)] = rows
        print(json.dumps({n: rows}, indent=1), flush=True)
    if not cuda:
        failed = [k for r in report["figures"].values() for k, v in r.items() if "error" in v]
        print(f"CPU smoke {'FAILED: ' + ', '.join(failed) if failed else 'ok'}", file=sys.stderr)
        return 1 if failed else 2
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    Path(a.out).write_text(json.dumps(report, indent=1) + "\n")
    print(f"wrote {a.out}")
    return 0


def _triton_version() -> str | None:
    try:
        import triton
    except ImportError:
        return None
    return triton.__version__


if __name__ == "__main__":
    sys.exit(main())
