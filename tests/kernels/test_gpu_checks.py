"""``scripts/gpu_checks.py`` (what a lent GPU runs) works here in its dry mode, so it cannot rot.

The lent machine has torch and triton only: the dry run blocks transformers, sglang and
safetensors, so an import of any of them on the way (a layer bug) fails here.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "gpu_checks.py"
ABSENT = ("transformers", "sglang", "safetensors")


def load_script():
    spec = importlib.util.spec_from_file_location("gpu_checks", SCRIPT)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_dry_run_on_cpu_without_transformers_or_sglang(tmp_path):
    out = tmp_path / "gpu_checks.json"
    code = (
        "import runpy, sys\n"
        f"for m in {ABSENT!r}: sys.modules[m] = None  # as on the lent machine: not installed\n"
        f"sys.argv = ['gpu_checks.py', '--device', 'cpu', '--out', {str(out)!r}]\n"
        f"runpy.run_path({str(SCRIPT)!r}, run_name='__main__')\n"
    )
    env = dict(os.environ, TRITON_INTERPRET="1", PYTHONPATH="")
    res = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=tmp_path, capture_output=True, text=True,
        timeout=600,
    )  # fmt: skip
    assert res.returncode == 0, res.stdout + res.stderr
    report = json.loads(out.read_text())
    assert report["passed"] and report["dry_run"] and report["timings_ms"] == {}
    assert {"command", "device", "torch", "triton", "checks"} <= set(report)
    names = set(report["checks"])
    assert {"score_float16_extra_k", "compact_unsorted", "core_policies_and_compaction"} <= names
    assert all(c["max_error"] is not None for c in report["checks"].values())


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the machine without CUDA")
def test_without_cuda_exits_2_at_once(tmp_path, capsys):
    assert load_script().main(["--out", str(tmp_path / "x.json")]) == 2
    assert "no CUDA GPU" in capsys.readouterr().out
    assert not (tmp_path / "x.json").exists()


def test_gpu_sized_arguments_are_valid(monkeypatch):
    """The GPU-sized shapes pass every argument check (kernels swapped for their references:
    the interpreter would take minutes at these sizes)."""
    import lkv_kernels
    from lkv_kernels import compact_triton, score_triton

    mod = load_script()
    monkeypatch.setattr(score_triton, "lookahead_scores", lkv_kernels.lookahead_scores_ref)
    monkeypatch.setattr(
        compact_triton,
        "compact_kv",
        lambda *a, sorted_keep, **kw: lkv_kernels.compact_kv_ref(*a, **kw),
    )
    cpu = torch.device("cpu")
    assert mod.check_score(cpu, torch.float16, True, small=False)["passed"]
    assert mod.check_compact(cpu, "dst", small=False)["passed"]
