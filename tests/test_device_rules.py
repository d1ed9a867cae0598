"""Rule: code that runs on the serving device creates its tensors on a stated device.

A ``torch.arange(n)`` without ``device=`` lands on the CPU; mixed with CUDA tensors it raises
(or silently round-trips through the host). This test parses the source of ``SCANNED_DIRS`` and
fails on every call of a tensor factory (``FACTORIES``) that has no ``device=`` keyword, unless
its function is in ``ALLOWED`` with a reason. ``*_like`` factories follow their argument and
are always fine. A deliberate host tensor says so in the code: ``device="cpu"``.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parents[1]

# Directories scanned (relative to the repository root), every *.py below them.
SCANNED_DIRS = ("lkv_sglang/core", "kernels/lkv_kernels", "lkv_sglang/sglang_plugin")

# torch.<name>(...) calls that create a tensor and take a ``device`` keyword.
FACTORIES = frozenset(
    {
        "arange",
        "as_tensor",
        "empty",
        "empty_strided",
        "eye",
        "full",
        "linspace",
        "logspace",
        "ones",
        "rand",
        "randint",
        "randn",
        "randperm",
        "range",
        "tensor",
        "zeros",
    }
)

# "path:qualified function" -> why a tensor without ``device=`` is right there.
ALLOWED: dict[str, str] = {
    "lkv_sglang/core/lookahead.py:LookaheadModule.__init__": (
        "nn.Module convention: parameters are built on the CPU (a CPU generator keeps the draws "
        "reproducible) and moved with module.to(device)"
    ),
}


class Violation(NamedTuple):
    path: str
    line: int
    function: str
    call: str

    @property
    def key(self) -> str:
        return f"{self.path}:{self.function}"

    def __str__(self) -> str:
        return f"{self.path}:{self.line} in {self.function}: {self.call} has no device="


class _Finder(ast.NodeVisitor):
    def __init__(self, path: str) -> None:
        self.path = path
        self.scope: list[str] = []
        self.found: list[Violation] = []

    def _scoped(self, node: ast.AST) -> None:
        self.scope.append(node.name)
        self.generic_visit(node)
        self.scope.pop()

    visit_FunctionDef = visit_AsyncFunctionDef = visit_ClassDef = _scoped

    def visit_Call(self, node: ast.Call) -> None:
        f = node.func
        if (
            isinstance(f, ast.Attribute)
            and isinstance(f.value, ast.Name)
            and f.value.id == "torch"
            and f.attr in FACTORIES
            and not any(k.arg == "device" for k in node.keywords)
        ):
            function = ".".join(self.scope) or "<module>"
            self.found.append(Violation(self.path, node.lineno, function, f"torch.{f.attr}"))
        self.generic_visit(node)


def find_violations(source: str, path: str) -> list[Violation]:
    """Every tensor factory call without ``device=`` in ``source`` (a file at ``path``)."""
    finder = _Finder(path)
    finder.visit(ast.parse(source, filename=path))
    return finder.found


def scan(dirs: tuple[str, ...] = SCANNED_DIRS) -> list[Violation]:
    out = []
    for d in dirs:
        for file in sorted((ROOT / d).rglob("*.py")):
            rel = file.relative_to(ROOT).as_posix()
            out += find_violations(file.read_text(), rel)
    return out


def test_tensors_are_created_on_a_stated_device():
    bad = [v for v in scan() if v.key not in ALLOWED]
    assert not bad, (
        "tensor factories without device= (pass the inputs' device, or device='cpu' for a "
        "deliberate host tensor, or allow the function in ALLOWED with a reason):\n"
        + "\n".join(map(str, bad))
    )


def test_allowlist_has_no_stale_entries():
    """An entry whose function no longer has a violation is removed (fixed code stays fixed)."""
    used = {v.key for v in scan()}
    stale = sorted(k for k in set(ALLOWED) - used)
    assert not stale, f"remove from ALLOWED (nothing left to allow): {stale}"
    assert all(reason.strip() for reason in ALLOWED.values())


def test_the_rule_catches_a_violation():
    src = (
        "import torch\n"
        "def f(x):\n"
        "    a = torch.arange(4)\n"
        "    b = torch.zeros(2, device=x.device)\n"
        "    c = torch.zeros_like(x)\n"
        "    return torch.tensor([1], dtype=torch.int64)\n"
    )
    found = find_violations(src, "core/x.py")
    assert [(v.line, v.function, v.call) for v in found] == [
        (3, "f", "torch.arange"),
        (6, "f", "torch.tensor"),
    ]


def test_every_scanned_dir_exists():
    assert all((ROOT / d).is_dir() for d in SCANNED_DIRS)
