"""Every ``LKV_*`` environment variable the project reads is declared in ``lkv_sglang.env``."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from lkv_sglang import env

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ("lkv_sglang", "kernels", "app", "benchmarks", "scripts", "tests", "notebooks")
NAME = re.compile(r"\bLKV_[A-Z][A-Z0-9_]*[A-Z0-9]\b")  # not a prefix such as "LKV_APP_"


def names_in_the_code() -> dict[str, str]:
    """Every ``LKV_*`` name in the source tree -> one file that holds it."""
    found = {}
    files = [
        p for d in SOURCES for p in (ROOT / d).rglob("*") if p.suffix in (".py", ".sh", ".ipynb")
    ]
    for path in files + [ROOT / "Dockerfile"]:
        if path.name in ("env.py", "test_env.py"):
            continue
        for name in NAME.findall(path.read_text(errors="replace")):
            found.setdefault(name, str(path.relative_to(ROOT)))
    return found


def test_every_variable_read_is_declared():
    undeclared = {n: f for n, f in names_in_the_code().items() if n not in env.NAMES}
    assert not undeclared, f"declare these in lkv_sglang/env.py: {undeclared}"


def test_every_declared_variable_is_read_somewhere():
    assert not sorted(env.NAMES - set(names_in_the_code()))


def test_readers_name_the_variable_and_what_is_allowed(monkeypatch):
    monkeypatch.setenv("LKV_EVICTION_BUDGET", "lots")
    with pytest.raises(env.EnvError, match="LKV_EVICTION_BUDGET='lots' is not an integer"):
        env.env_int("LKV_EVICTION_BUDGET", 128)
    monkeypatch.setenv("LKV_EVICTION_TREE_INSERT", "maybe")
    with pytest.raises(env.EnvError, match="LKV_EVICTION_TREE_INSERT='maybe' is not yes/no"):
        env.env_flag("LKV_EVICTION_TREE_INSERT", True)
    with pytest.raises(KeyError, match="not declared"):
        env.env_str("LKV_NOT_A_THING")
