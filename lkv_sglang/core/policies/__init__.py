"""Scoring policies, one file each, registered by name in ``POLICIES``.

Every module of this package is imported here, so a new policy is one new file (plus its case
in ``tests/core/test_policies.py``): the reference path, the benchmarks and, when its query
source is one the server observes, the SGLang plugin all find it in ``POLICIES``.
"""

import importlib
import pkgutil

from .base import POLICIES, BasePolicy

for _info in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_info.name}")


def make_policy(name: str, **params) -> BasePolicy:
    """Build a registered policy; an unknown name raises listing the known ones."""
    return POLICIES.create(name, **params)


def served_policies() -> list[str]:
    """The policies the SGLang server prunes with (each policy says itself: ``not_served``).

    The one list the plugin, the app and the server tests read; ``full`` (prune nothing) is in
    it, as a policy the server accepts."""
    return [name for name in POLICIES.names() if not make_policy(name).not_served]


__all__ = ["POLICIES", "BasePolicy", "make_policy", "served_policies"]
