#!/usr/bin/env bash
# What a lent GPU machine checks in one go. That machine has one NVIDIA GPU, its own torch and
# triton, no SGLang, no registry access, and only the repository's tracked files (no .venv):
#   1. python scripts/gpu_checks.py: the Triton kernels natively against their torch references,
#      the core's scoring, selection and compaction on CUDA tensors (no device mixing, the same
#      results as on the CPU), kernel timings -> results/gpu_checks.json. Needs torch + triton.
#   2. pytest tests/kernels tests/core natively, when pytest is installed there.
#   3. the serving check (tests/sglang/test_server_gpu.py) and benchmarks/kernels_gpu.py, only
#      where SGLang's CUDA stack / transformers are installed (not on the lent machine: written,
#      never run; see kernels/README.md).
# Each step runs even if an earlier one failed; the exit status is the first failure's.
# Without CUDA: exits 2 at once with one line.
# usage: bash scripts/gpu_checks.sh [python]   (default: .venv/bin/python if present, else python3)
set -u
cd "$(dirname "$0")/.."
PY="${1:-$( [ -x .venv/bin/python ] && echo .venv/bin/python || echo python3 )}"
"$PY" -c "import torch, sys; sys.exit(0 if torch.cuda.is_available() else 'gpu_checks: no CUDA GPU here; nothing checked')" || exit 2
status=0
step() { echo "== $*"; "$@" || { rc=$?; echo "== failed ($rc): $*"; [ "$status" -eq 0 ] && status=$rc; }; }
skip() { echo "== skipped: $*"; }
export PYTHONPATH="$PWD:$PWD/kernels${PYTHONPATH:+:$PYTHONPATH}"  # the checkout, uninstalled
step "$PY" scripts/gpu_checks.py --out results/gpu_checks.json
if "$PY" -c "import pytest" 2>/dev/null; then
  # a test file whose imports the machine lacks (safetensors, sglang) is reported, not fatal
  step "$PY" -m pytest -q -p no:cacheprovider --continue-on-collection-errors tests/kernels tests/core -rs
else
  skip "pytest tests/kernels tests/core (pytest is not installed)"
fi
if "$PY" -c "import sglang, flashinfer, sgl_kernel, pytest" 2>/dev/null; then
  step "$PY" -m pytest -q tests/sglang/test_server_gpu.py -rs
else
  skip "tests/sglang/test_server_gpu.py (needs SGLang's CUDA install: sglang, flashinfer, sgl_kernel)"
fi
if "$PY" -c "import transformers" 2>/dev/null; then
  step "$PY" benchmarks/kernels_gpu.py --out results/kernels_gpu.json
else
  skip "benchmarks/kernels_gpu.py (needs transformers)"
fi
exit "$status"
