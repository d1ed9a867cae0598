#!/usr/bin/env bash
# Everything this project has that needs a GPU, in one go (about 10 minutes on one H200):
#   1. the kernel tests natively (tests/kernels: Triton compiled for the GPU, FlashInfer checks),
#   2. the serving check: same tokens with the Triton kernels + FlashInfer as with the torch path
#      (tests/sglang/test_server_gpu.py; needs SGLang's CUDA install, skipped without it),
#   3. the kernel timings at 8K and 32K tokens -> results/kernels_gpu.json.
# Each step runs even if an earlier one failed; the exit status is the first failure's.
# usage: bash scripts/gpu_checks.sh [python]   (default: .venv/bin/python if present, else python3)
set -u
cd "$(dirname "$0")/.."
PY="${1:-$( [ -x .venv/bin/python ] && echo .venv/bin/python || echo python3 )}"
"$PY" -c "import torch, sys; sys.exit(0 if torch.cuda.is_available() else 'no CUDA GPU: nothing to check here')" || exit 2
status=0
step() { echo "== $*"; "$@" || { rc=$?; echo "== failed ($rc): $*"; [ "$status" -eq 0 ] && status=$rc; }; }
step "$PY" -m pytest -q tests/kernels -rs
if "$PY" -c "import flashinfer, sgl_kernel" 2>/dev/null; then
  step "$PY" -m pytest -q tests/sglang/test_server_gpu.py -rs
else
  echo "== skipped tests/sglang/test_server_gpu.py: SGLang's CUDA install (flashinfer, sgl_kernel) is missing"
fi
step "$PY" benchmarks/kernels_gpu.py --out results/kernels_gpu.json
exit "$status"
