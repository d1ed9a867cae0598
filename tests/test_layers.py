"""The layer rules, enforced: layers import downwards only (docs/structures.md).

- ``lkv_sglang.core`` imports neither transformers nor sglang nor triton (nor the reference
  path, the plugin or the training code);
- ``lkv_kernels`` imports nothing of ``lkv_sglang``;
- the app reaches the server only over HTTP: it imports neither sglang nor the plugin;
- ``lkv_sglang.models`` has no import cycle (``registry`` never imports ``convert``).
Checked twice: what importing a package really loads (a fresh interpreter), and what its
source files import (ast), so a lazy import inside a function is caught too.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# package directory -> module prefixes none of its files may import
RULES: dict[str, tuple[str, ...]] = {
    "lkv_sglang/core": (
        "transformers",
        "sglang",
        "triton",
        "lkv_kernels",
        "lkv_sglang.hf",
        "lkv_sglang.sglang_plugin",
        "lkv_sglang.training",
        "lkv_app",
    ),
    "kernels/lkv_kernels": ("lkv_sglang", "lkv_app", "sglang", "transformers"),
    "app/lkv_app": ("sglang", "lkv_sglang.sglang_plugin"),
    "lkv_sglang/models": ("sglang", "lkv_sglang.sglang_plugin", "lkv_sglang.hf"),
}


def imported_modules(path: Path, package: str) -> list[tuple[int, str]]:
    """(line, absolute module name) of every import in ``path`` (relative ones resolved)."""
    tree = ast.parse(path.read_text(), str(path))
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[0] in ("kernels", "app"):
        parts = parts[1:]
    here = parts[:-1] if parts[-1] != "__init__" else parts[:-1]
    if rel.name == "__init__":
        here = parts[:-1]
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = here[: len(here) - node.level + 1]
                name = ".".join(base + ([node.module] if node.module else []))
            else:
                name = node.module or ""
            out.append((node.lineno, name))
    return out


def violations(directory: str, banned: tuple[str, ...]) -> list[str]:
    bad = []
    for path in sorted((ROOT / directory).rglob("*.py")):
        for line, name in imported_modules(path, directory):
            if any(name == b or name.startswith(b + ".") for b in banned):
                bad.append(f"{path.relative_to(ROOT)}:{line} imports {name}")
    return bad


@pytest.mark.parametrize("directory", sorted(RULES))
def test_no_upward_imports_in_the_source(directory):
    assert not violations(directory, RULES[directory])


def test_the_rule_catches_an_upward_import(tmp_path, monkeypatch):
    core = ROOT / "lkv_sglang/core"
    probe = core / "_layer_probe_tmp.py"
    probe.write_text("def f():\n    from ..hf import loading\n")
    try:
        assert violations("lkv_sglang/core", RULES["lkv_sglang/core"]) == [
            "lkv_sglang/core/_layer_probe_tmp.py:2 imports lkv_sglang.hf"
        ]
    finally:
        probe.unlink()


@pytest.mark.parametrize(
    "package, banned",
    [
        ("lkv_sglang.core", ("transformers", "sglang", "triton")),
        ("lkv_kernels", ("lkv_sglang",)),
        ("lkv_sglang.models", ("torch", "transformers", "sglang")),
    ],
)
def test_importing_a_layer_loads_nothing_above_it(package, banned):
    code = (
        f"import sys, {package}\n"
        f"bad = sorted(m for m in sys.modules if m.split('.')[0] in {banned!r})\n"
        "print(','.join(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"importing {package} loaded {out.stdout.strip()}"
