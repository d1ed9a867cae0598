"""What a lent GPU machine checks in one go; writes results/gpu_checks.json.

usage: python scripts/gpu_checks.py [--device cuda|cpu] [--out PATH] [--no-timings]

Needs torch and triton only: no install of this package, no transformers, no SGLang (the lent
machine has none). Checks, each recorded with pass/fail and its max error:

- ``score_*``: the Triton scoring kernel against its torch reference (paged, ragged, GQA), in
  float32, float16 (and bfloat16 on CUDA), with and without ``extra_k``; ``score_layer`` into a
  slice of a per-layer buffer.
- ``compact_*``: the Triton compaction kernel against its reference, bit for bit: sorted in
  place, unsorted (scratch), and into fresh destination slots.
- ``core_*``: the core on the device: ``mean_attention`` (one pass and key-chunked) equal to
  the same call on the CPU; every policy's plan from the same scores equal to the CPU's plan,
  every index on the device; that plan compacted on the device equal to the CPU reference.

``--device cpu`` is the dry mode (tiny shapes; set ``TRITON_INTERPRET=1`` so the kernels run in
Triton's interpreter): tests/kernels/test_gpu_checks.py runs it so the script cannot rot.
Without CUDA and without ``--device cpu`` it exits 2 at once. Exit status: 0 all passed, 1 not.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import traceback
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "kernels")]  # the checkout, uninstalled

import torch  # noqa: E402

import lkv_kernels  # noqa: E402
from benchmarks.kernels_gpu import timed  # noqa: E402
from lkv_kernels import compact_kv_ref, lookahead_scores_ref, pad_keep  # noqa: E402
from lkv_kernels.testing import paged_req_to_token as paged  # noqa: E402
from lkv_sglang.core.attention import mean_attention  # noqa: E402
from lkv_sglang.core.plan import Observation  # noqa: E402
from lkv_sglang.core.policies import POLICIES, make_policy  # noqa: E402

POSITION_ONLY = ("full", "random", "streamingllm")
TOL = {
    torch.float32: dict(atol=1e-6, rtol=1e-4),
    torch.float16: dict(atol=1e-5, rtol=1e-3),
    torch.bfloat16: dict(atol=1e-4, rtol=1e-2),
}


def max_err(a: torch.Tensor, b: torch.Tensor) -> float:
    return float((a.double().cpu() - b.double().cpu()).abs().max()) if a.numel() else 0.0


def check_score(dev: torch.device, dtype: torch.dtype, extra: bool, small: bool) -> dict:
    from lkv_kernels.score_triton import lookahead_scores

    gen = torch.Generator().manual_seed(0)
    hkv, group, dim = (2, 3, 16) if small else (8, 4, 128)
    q_len = [4, 7, 2] if small else [32, 32, 32]
    start = [37, 5, 60] if small else [3000, 517, 8190]
    kv = start if extra else [s + n for s, n in zip(start, q_len, strict=True)]
    r2t, rows, pool = paged(kv, 16, max(kv) + 16, gen)
    k_buf = torch.randn(pool, hkv, dim, generator=gen).to(dtype)
    query = torch.randn(sum(q_len), hkv * group, dim, generator=gen).to(dtype)
    own_k = torch.randn(sum(q_len), hkv, dim, generator=gen).to(dtype) if extra else None
    args = [query, k_buf, r2t, rows, q_len, start, start]
    kw = dict(kv_len=kv)
    got = lookahead_scores(*[a.to(dev) if torch.is_tensor(a) else a for a in args], **kw,
                           extra_k=None if own_k is None else own_k.to(dev))  # fmt: skip
    want = lookahead_scores_ref(*args, **kw, extra_k=own_k)  # the reference on the CPU
    ok = got.device == dev and torch.allclose(got.cpu(), want, **TOL[dtype])
    return dict(passed=bool(ok), max_error=max_err(got, want))


def check_score_layer_out(dev: torch.device) -> dict:
    gen = torch.Generator().manual_seed(1)
    r2t, rows, pool = paged([40, 12], 16, 64, gen)
    q, k = torch.randn(9, 6, 16, generator=gen), torch.randn(pool, 2, 16, generator=gen)
    sb = lkv_kernels.score_batch(r2t, rows, [5, 4], [35, 8], [35, 8])
    out = torch.full((3, 2, 2, 40), 7.0, device=dev)
    got = lkv_kernels.score_layer(sb, q.to(dev), k.to(dev), r2t.to(dev), out=out[1])
    want = lookahead_scores_ref(q, k, r2t, rows, [5, 4], [35, 8], [35, 8])
    untouched = bool((out[0] == 7).all() and (out[2] == 7).all())
    ok = untouched and torch.allclose(got.cpu(), want, **TOL[torch.float32])
    return dict(passed=bool(ok), max_error=max_err(got, want))


def check_compact(dev: torch.device, mode: str, small: bool) -> dict:
    from lkv_kernels.compact_triton import compact_kv

    gen = torch.Generator().manual_seed(2)
    layers, heads, dim = (2, 3, 8) if small else (4, 8, 128)
    lens, prot, budget = ([45, 12, 40], [16, 0, 5], [20, 12, 30]) if small else (
        [5000, 300, 4000], [1000, 0, 64], [512, 300, 1024])  # fmt: skip
    r2t, rows, pool = paged(lens, 16, max(lens), gen)
    plans = []
    for n, p, b in zip(lens, prot, budget, strict=True):
        idx = torch.stack([torch.randperm(n - p, generator=gen)[:b].sort().values
                           for _ in range(layers * heads)]).reshape(layers, heads, b)  # fmt: skip
        plans.append(idx[..., torch.randperm(b, generator=gen)] if mode == "unsorted" else idx)
    keep, budgets = pad_keep(plans)
    bufs = [torch.randn(pool, heads, dim, generator=gen).half() for _ in range(2 * layers)]
    dst = None
    if mode == "dst":
        dst = (pool + torch.randperm(max(budget), generator=gen)).expand(len(lens), -1).clone()
        dst += torch.arange(len(lens))[:, None] * max(budget)
        bufs = [torch.cat([b, torch.zeros(len(lens) * max(budget), heads, dim).half()])
                for b in bufs]  # fmt: skip
    mine = [b.to(dev) for b in bufs]
    compact_kv(mine, r2t.to(dev), rows, prot, keep.to(dev), budgets,
               sorted_keep=None, dst_slots=None if dst is None else dst.to(dev))  # fmt: skip
    compact_kv_ref(bufs, r2t, rows, prot, keep, budgets, dst)
    err = max(max_err(a, b) for a, b in zip(mine, bufs, strict=True))
    same = all(torch.equal(a.cpu(), b) for a, b in zip(mine, bufs, strict=True))
    return dict(passed=same, max_error=err)


def check_core_attention(dev: torch.device, key_chunk: int | None) -> dict:
    gen = torch.Generator().manual_seed(3)
    q, k = torch.randn(8, 70, 32, generator=gen), torch.randn(2, 300, 32, generator=gen)
    kw = dict(chunk=16) if key_chunk is None else dict(chunk=16, key_chunk=key_chunk)
    got = mean_attention(q.to(dev), k.to(dev), 0.2, 230, 230, **kw)
    want = mean_attention(q, k, 0.2, 230, 230, **kw)
    ok = got.device == dev and torch.allclose(got.cpu(), want, atol=1e-6, rtol=1e-4)
    return dict(passed=bool(ok), max_error=max_err(got, want))


def check_core_policies(dev: torch.device) -> dict:
    """Every policy's plan on the device from the same scores equals the CPU's, and every index
    is on the device; then that plan, compacted on the device, equals the CPU reference."""
    gen = torch.Generator().manual_seed(4)
    layers, hq, hkv, n, budget = 3, 8, 2, 300, 64
    scores = torch.rand(layers, hq, n, generator=gen).softmax(-1)
    keys = torch.randn(layers, hkv, n, 16, generator=gen)  # for policies scoring keys (knorm)
    bad = []
    for name in POLICIES.names():
        pol = make_policy(name)
        if name in POSITION_ONLY:
            on_dev, on_cpu = Observation(n, layers, hkv, device=dev), Observation(n, layers, hkv)
        else:
            on_dev = Observation(n, layers, hkv, scores.to(dev), keys=keys.to(dev))
            on_cpu = Observation(n, layers, hkv, scores, keys=keys)
        a, b = pol.select(on_dev, budget), pol.select(on_cpu, budget)
        if any(i.device != dev for i in a.indices) or not all(
            torch.equal(x.cpu(), y) for x, y in zip(a.indices, b.indices, strict=True)
        ):
            bad.append(name)
    plan = make_policy("snapkv").select(Observation(n, layers, hkv, scores.to(dev)), budget)
    r2t, rows, pool = paged([n], 16, n, gen)
    bufs = [torch.randn(pool, hkv, 16, generator=gen) for _ in range(2 * layers)]
    keep, budgets = pad_keep([plan.stacked()])  # on the device, as the plan
    mine = [t.to(dev) for t in bufs]
    lkv_kernels.compact(mine, r2t.to(dev), rows, [0], keep, budgets, sorted_keep=True)
    compact_kv_ref(bufs, r2t, rows, [0], keep.cpu(), budgets)
    if not all(torch.equal(x.cpu(), y) for x, y in zip(mine, bufs, strict=True)):
        bad.append("compaction of the snapkv plan")
    return dict(passed=not bad, max_error=0.0, detail=f"differs: {bad}" if bad else "")


def run_checks(dev: torch.device, small: bool) -> dict[str, dict]:
    half = [torch.float16] + ([torch.bfloat16] if dev.type == "cuda" else [])
    checks = {}
    for dtype in [torch.float32, *half]:
        for extra in (False, True):
            name = f"score_{str(dtype).removeprefix('torch.')}{'_extra_k' if extra else ''}"
            checks[name] = lambda d=dtype, e=extra: check_score(dev, d, e, small)
    checks["score_layer_out_slice"] = lambda: check_score_layer_out(dev)
    for mode in ("sorted", "unsorted", "dst"):
        checks[f"compact_{mode}"] = lambda m=mode: check_compact(dev, m, small)
    checks["core_mean_attention"] = lambda: check_core_attention(dev, None)
    checks["core_mean_attention_key_chunks"] = lambda: check_core_attention(dev, 64)
    checks["core_policies_and_compaction"] = lambda: check_core_policies(dev)
    out = {}
    for name, fn in checks.items():
        try:
            out[name] = fn()
        except Exception as exc:  # a failing check is recorded, the others still run
            out[name] = dict(passed=False, max_error=None, error=repr(exc),
                             traceback=traceback.format_exc(limit=4))  # fmt: skip
        print(f"{'PASS' if out[name]['passed'] else 'FAIL'} {name} {out[name].get('max_error')}")
    return out


def timings(dev: torch.device, repeats: int = 10) -> dict[str, float]:
    """Median ms of one layer's scoring (Triton and reference) at 8K and 32K prompt tokens:
    32 lookahead queries, 32/8 heads, head_dim 128, float16."""
    from lkv_kernels.score_triton import score_layer

    res = {}
    for n in (8192, 32768):
        gen = torch.Generator().manual_seed(5)
        r2t, rows, pool = paged([n], 16, n, gen)
        q = torch.randn(32, 32, 128, generator=gen).half().to(dev)
        k, own = torch.randn(pool, 8, 128).half().to(dev), torch.randn(32, 8, 128).half().to(dev)
        r2t = r2t.to(dev)
        sb = lkv_kernels.score_batch(r2t, rows, [32], [n], [n], extra_keys=True)
        for label, fn in (("triton", score_layer), ("torch_ref", lkv_kernels.score_layer_ref)):
            res[f"score_layer_{label}_{n // 1024}k_ms"] = timed(
                partial(fn, sb, q, k, r2t, own), repeats, cuda=True
            )
    return res


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--device", default="cuda", choices=["cuda", "cpu"])
    ap.add_argument("--out", default=str(ROOT / "results" / "gpu_checks.json"))
    ap.add_argument("--no-timings", action="store_true")
    args = ap.parse_args(argv)
    if args.device == "cuda" and not torch.cuda.is_available():
        print("gpu_checks: no CUDA GPU here (torch.cuda.is_available() is False); nothing checked")
        return 2
    if args.device == "cpu":  # before any @triton.jit kernel is defined
        os.environ.setdefault("TRITON_INTERPRET", "1")
    import triton

    dev = torch.device(args.device)
    if dev.type == "cuda" and dev.index is None:
        # tensors report cuda:0, and torch.device("cuda") != torch.device("cuda:0"): on the
        # first lent H200 every device comparison failed although every value matched
        dev = torch.device("cuda", torch.cuda.current_device())
    small = dev.type != "cuda"
    checks = run_checks(dev, small)
    report = dict(
        command=" ".join(
            ["python scripts/gpu_checks.py", *(sys.argv[1:] if argv is None else argv)]
        ),
        device=torch.cuda.get_device_name(dev) if dev.type == "cuda" else "cpu (dry run)",
        dry_run=small,
        torch=torch.__version__,
        triton=triton.__version__,
        cuda=torch.version.cuda,
        python=platform.python_version(),
        passed=all(c["passed"] for c in checks.values()),
        checks=checks,
        timings_ms={} if small or args.no_timings else _safe(timings, dev),
    )
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"{'all passed' if report['passed'] else 'FAILED'}: {out}")
    return 0 if report["passed"] else 1


def _safe(fn, *args) -> dict:
    try:
        return fn(*args)
    except Exception as exc:  # timings are extra: record the error, keep the checks
        return {"error": repr(exc)}


if __name__ == "__main__":
    sys.exit(main())
