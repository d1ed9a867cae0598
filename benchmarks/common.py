"""Shared bits of the benchmark scripts: machine description and result files."""

from __future__ import annotations

import json
import os
import platform
import shlex
import sys
import time
from pathlib import Path

import torch

RESULTS = Path(__file__).resolve().parent.parent / "results"
REPO = RESULTS.parent


def repo_relative(path: str | Path) -> str:
    """``path`` relative to the repository; outside it, only its last two parts (no machine
    path ever reaches a result file)."""
    p = Path(path).resolve()
    try:
        return str(p.relative_to(REPO))
    except ValueError:
        return "/".join(["<outside-repo>", *p.parts[-2:]])


def machine() -> dict:
    return {
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpus": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "torch": torch.__version__,
        "cuda": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None,
        "python": platform.python_version(),
    }


def write_result(name: str, payload: dict) -> Path:
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"{name}.json"
    doc = {
        "benchmark": name,
        "command": "python " + " ".join(shlex.quote(a) for a in sys.argv),
        "date": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
        "machine": machine(),
    } | payload
    out.write_text(json.dumps(doc, indent=2))
    return out


def print_table(title: str, rows: list[str], cols: list, cell) -> None:
    print(f"\n{title}")
    print(f"{'policy':<24}" + "".join(f"{str(c):>10}" for c in cols))
    for r in rows:
        print(f"{r:<24}" + "".join(f"{cell(r, c):>10}" for c in cols))
