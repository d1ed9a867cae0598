"""Every SGLang seam the plugin hooks still exists in the installed SGLang (no server)."""

from __future__ import annotations

import pkgutil

import pytest

from lkv_sglang.sglang_plugin import SEAMS, SGLANG_VERSION, handler_of
from lkv_sglang.sglang_plugin.seams import CALLED
from lkv_sglang.sglang_plugin.sglang_view import ATTRIBUTES

pytestmark = pytest.mark.sglang


def test_installed_sglang_is_the_pinned_version():
    from importlib.metadata import version

    assert version("sglang") == SGLANG_VERSION


@pytest.mark.parametrize(
    "seam",
    SEAMS,
    ids=[f"{s.kind}-" + ".".join(s.target.rsplit(".", 2)[-2:]) for s in SEAMS],
)
def test_seam_target_resolves_and_is_callable(seam):
    owner, attr = seam.target.rsplit(".", 1)
    obj = pkgutil.resolve_name(owner)
    assert callable(getattr(obj, attr, None)), f"{seam.target} is gone"
    assert seam.kind in ("BEFORE", "AFTER", "AROUND", "REPLACE")
    assert callable(handler_of(seam))


def test_entry_point_is_installed():
    from importlib.metadata import entry_points

    eps = {ep.name: ep.value for ep in entry_points(group="sglang.srt.plugins")}
    assert eps.get("lookaheadkv") == "lkv_sglang.sglang_plugin:register"


@pytest.mark.parametrize("target", CALLED)
def test_called_api_resolves(target):
    owner, attr = target.rsplit(".", 1)
    assert getattr(pkgutil.resolve_name(owner), attr, None) is not None, f"{target} is gone"


def _has_attribute(cls, attr: str) -> bool:
    """An instance attribute of ``cls``: a class attribute, dataclass field or slot, or one
    assigned as ``self.<attr>`` in the source of ``cls`` or a base class."""
    import dataclasses
    import inspect
    import re

    if hasattr(cls, attr):
        return True
    if dataclasses.is_dataclass(cls) and attr in {f.name for f in dataclasses.fields(cls)}:
        return True
    for klass in inspect.getmro(cls):
        try:
            src = inspect.getsource(klass)
        except (OSError, TypeError):
            continue
        # assigned: "self.x = ...", "self.x: T = ...", or a target of a tuple assignment
        if re.search(rf"self\.{attr}\s*(=[^=]|:|,\s*\n)", src):
            return True
    return False


@pytest.mark.parametrize(
    "owner, attr",
    [(owner, attr) for owner, attrs in ATTRIBUTES.items() for attr in attrs],
)
def test_sglang_attribute_the_view_uses_exists(owner, attr):
    assert _has_attribute(pkgutil.resolve_name(owner), attr), f"{owner}.{attr} is gone"


def test_no_module_but_the_view_touches_sglang_request_internals():
    """Only ``sglang_view`` reads or writes a request's KV bookkeeping."""
    from pathlib import Path

    import lkv_sglang.sglang_plugin as plugin

    private = (
        ".kv.",
        ".req_pool_idx",
        ".kv_committed_len",
        ".cache_protected_len",
        ".skip_radix_cache_insert",
        ".seq_lens_cpu",
        "req.lock",
        ".batch_is_full",
        ".origin_input_ids",
        ".customized_info",
    )
    offenders = []
    for path in sorted(Path(plugin.__file__).parent.glob("*.py")):
        if path.name == "sglang_view.py":
            continue
        text = path.read_text()
        offenders += [f"{path.name}: {p}" for p in private if p in text]
    assert not offenders, offenders
