"""docs/structures.md lists every module (as ``package.module``: its parent package and name)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("lkv_sglang", "kernels/lkv_kernels", "app/lkv_app")


def module_keys() -> dict[str, str]:
    """``parent.name`` of every module and subpackage -> its file."""
    keys = {}
    for top in PACKAGES:
        for path in sorted((ROOT / top).rglob("*.py")):
            parts = path.relative_to(ROOT / top).with_suffix("").parts
            parts = (Path(top).name, *parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            if len(parts) >= 2:
                keys[".".join(parts[-2:])] = str(path.relative_to(ROOT))
    return keys


def test_every_module_is_listed():
    doc = (ROOT / "docs" / "structures.md").read_text()
    missing = {k: f for k, f in module_keys().items() if f"`{k}" not in doc and f".{k}`" not in doc}
    assert not missing, f"add to docs/structures.md (as `parent.module`): {sorted(missing)}"
