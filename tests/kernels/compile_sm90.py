"""Compile the Triton kernels for an sm_90 (H100/H200) target without a GPU, down to PTX.

Run as a script (``python tests/kernels/compile_sm90.py``) with TRITON_INTERPRET unset: it
catches what the interpreter cannot (dtype rules of ``tl.dot``, pointer casts, control flow
the compiler rejects). ``--all`` compiles every variant; the default is the ones a bf16 model
uses. Prints one line per variant and exits non-zero on the first failure.
"""

from __future__ import annotations

import sys

import triton
import triton.language as tl
from triton.backends.compiler import GPUTarget
from triton.compiler import ASTSource

from lkv_kernels.compact_triton import _compact
from lkv_kernels.score_triton import _score_pass

TARGET = GPUTarget("cuda", 90, 32)


def signature(fn, types: dict[str, str], consts: dict) -> dict[str, str]:
    """Pointer/scalar types by name; every other runtime argument is an i64 stride or length."""
    sig = {n: types.get(n, "i64") for n in fn.arg_names if n not in consts}
    return sig | {n: "constexpr" for n in consts}


def compile_score(dt: str, pass_: int, extra: bool) -> int:
    ptrs = ("ROWS", "QOFF", "QLEN", "QSTART", "KVLEN", "NKEYS", "READLEN")
    types = {
        "Q": f"*{dt}",
        "K": f"*{dt}",
        "EXTRA": f"*{dt}",
        "R2T": "*i32",
        "sm_scale_log2": "fp32",
    }
    types |= {n: "*i64" for n in ptrs} | {n: "*fp32" for n in ("M", "L", "OUT")}
    consts = dict(GROUP=4, HEAD_DIM=128, BLOCK_D=128, BLOCK_M=64, BLOCK_N=64, PASS=pass_)
    consts |= dict(HALF_DOT=dt != "fp32", HAS_EXTRA=extra)
    src = ASTSource(_score_pass, signature(_score_pass, types, consts), consts)
    return len(triton.compile(src, target=TARGET).asm["ptx"])


def compile_compact(raw: tl.dtype, sorted_: bool, dst_given: bool) -> int:
    types = {n: "*i64" for n in ("PTRS", "ROWS", "PROT", "KEEP", "BUDGET", "DST")}
    types |= {"R2T": "*i32", "SCRATCH": f"*{raw.name.replace('int', 'i')}"}
    consts = dict(
        RAW=raw, HEAD_DIM=128, BLOCK_D=128, BLOCK_K=64, SORTED=sorted_, DST_GIVEN=dst_given
    )
    src = ASTSource(_compact, signature(_compact, types, consts), consts)
    return len(triton.compile(src, target=TARGET).asm["ptx"])


def main() -> int:
    full = "--all" in sys.argv
    dts = ("bf16", "fp16", "fp32") if full else ("bf16",)
    for dt in dts:
        for pass_ in (1, 2):
            for extra in (True, False) if full else (True,):
                print(
                    "score",
                    dt,
                    f"pass {pass_}",
                    f"extra_k={extra}",
                    compile_score(dt, pass_, extra),
                )
    for raw in (tl.int16, tl.int32) if full else (tl.int16,):
        for sorted_, dst_given in ((True, False), (False, False), (True, True)):
            print(
                "compact",
                raw.name,
                f"sorted={sorted_}",
                f"dst={dst_given}",
                compile_compact(raw, sorted_, dst_given),
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
