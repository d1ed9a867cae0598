"""Every SGLang seam the plugin hooks still exists in the installed SGLang (no server)."""

from __future__ import annotations

import pkgutil

import pytest

from lkv_sglang.sglang_plugin import SEAMS, SGLANG_VERSION, handler_of
from lkv_sglang.sglang_plugin.seams import CALLED

pytestmark = pytest.mark.sglang


def test_installed_sglang_is_the_pinned_version():
    from importlib.metadata import version

    assert version("sglang") == SGLANG_VERSION


@pytest.mark.parametrize(
    "seam",
    SEAMS,
    ids=[s.target.rsplit(".", 2)[-2] + "." + s.target.rsplit(".", 1)[-1] for s in SEAMS],
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
