"""Extra memory the plugin's eviction work takes outside SGLang's KV pool, per prompt token.

For one layer of a Llama-3-8B-shaped model (32 query / 8 KV heads, head dim 128, float32 on
this CPU) and a prompt of N tokens in a paged pool, each piece runs in a fresh process and its
peak resident memory is compared with the process's resident memory just before the call (the
pool and the inputs already allocated): the lookahead pass's attention output (``attend``,
32 lookahead rows over the N prompt keys), its scores (``lkv_kernels.score_layer``), and the
observation of the last 32 prompt queries (``observe.observe_layer``, snapkv). The scores the
pass keeps for selection, (layers, KV heads, N) float32 per request, are counted apart: they
are the selection's input, 4 * layers * KV heads bytes per token.

usage: python benchmarks/eviction_memory.py [--lengths 8192 32768] [--out results/eviction_memory.json]
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

HQ, HKV, DIM, T = 32, 8, 128, 32
PIECES = ("attend", "score_layer", "observe_layer")


def rss_kib() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS in /proc/self/status")


def measure(piece: str, n: int) -> dict:
    """Runs in the child process: peak RSS growth of one call, in bytes."""
    import torch

    torch.manual_seed(0)
    k_buf = torch.randn(n + 64, HKV, DIM)
    v_buf = torch.randn(n + 64, HKV, DIM)
    r2t = torch.zeros(2, n + 64, dtype=torch.int64)
    r2t[1, :n] = torch.randperm(n) + 1
    slots = r2t[1, :n]
    q = torch.randn(T, HQ, DIM)
    k_own, v_own = torch.randn(2, T, HKV, DIM)
    if piece == "attend":
        from lkv_sglang.sglang_plugin.lookahead_pass import attend

        keys = torch.cat([k_buf[slots], k_own]).transpose(0, 1)
        values = torch.cat([v_buf[slots], v_own]).transpose(0, 1)
        call = lambda: attend(q.transpose(0, 1), keys, values, DIM**-0.5, n)  # noqa: E731
    elif piece == "score_layer":
        import lkv_kernels

        sb = lkv_kernels.score_batch(
            r2t, [1], [T], query_start=[n], read_len=[n], scale=DIM**-0.5, extra_keys=True
        )
        call = lambda: lkv_kernels.score_layer(sb, q, k_buf, r2t, extra_k=k_own)  # noqa: E731
    elif piece == "observe_layer":
        from types import SimpleNamespace

        from lkv_sglang.sglang_plugin.observe import CapturePlan, CaptureRow, observe_layer
        from lkv_sglang.sglang_plugin.state import PruneState

        state = PruneState(settings=None)
        pool = SimpleNamespace(get_key_buffer=lambda lid: k_buf)
        row = CaptureRow(state, 1, 0, T, n - T, n, n)
        plan = CapturePlan(((0,), (n,)), (row,), r2t, pool)
        layer = SimpleNamespace(layer_id=0, tp_q_head_num=HQ, qk_head_dim=DIM, scaling=DIM**-0.5)
        call = lambda: observe_layer(plan, layer, q.reshape(T, HQ * DIM))  # noqa: E731
    else:
        raise ValueError(f"unknown piece {piece!r}; known: {', '.join(PIECES)}")
    before = rss_kib()
    t0 = time.perf_counter()
    call()
    seconds = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    extra = max(0, peak - before) * 1024
    return {"piece": piece, "tokens": n, "extra_bytes": extra, "bytes_per_token": extra / n,
            "seconds": round(seconds, 3)}  # fmt: skip


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lengths", type=int, nargs="+", default=[8192, 32768])
    ap.add_argument("--out", type=Path, default=Path("results/eviction_memory.json"))
    ap.add_argument("--child", nargs=2, metavar=("PIECE", "N"), help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a.child:
        print(json.dumps(measure(a.child[0], int(a.child[1]))))
        return
    rows = []
    for n in a.lengths:
        for piece in PIECES:
            out = subprocess.run(
                [sys.executable, __file__, "--child", piece, str(n)],
                capture_output=True, text=True, check=True,
            )  # fmt: skip
            rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
            r = rows[-1]
            print(f"{piece:14s} N={n:6d}  extra {r['extra_bytes'] / 2**20:8.1f} MiB  "
                  f"{r['bytes_per_token']:8.0f} B/token  {r['seconds']:.2f} s")  # fmt: skip
    result = {
        "command": "python benchmarks/eviction_memory.py " + " ".join(argv or sys.argv[1:]),
        "machine": f"{platform.machine()} {platform.processor() or ''}".strip()
        + f", {platform.system()}, CPU",
        "geometry": {
            "q_heads": HQ,
            "kv_heads": HKV,
            "head_dim": DIM,
            "lookahead_rows": T,
            "dtype": "float32",
            "layers": 1,
        },  # fmt: skip
        "method": "peak RSS (ru_maxrss) minus RSS before the call, fresh process per row",
        "selection_scores_bytes_per_token": f"4 * layers * kv_heads per request (e.g. {4 * 32 * 8} "
        "for Llama-3-8B, 32 layers x 8 KV heads)",
        "rows": rows,
    }
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {a.out}")


if __name__ == "__main__":
    main()
