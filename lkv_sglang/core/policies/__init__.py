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


__all__ = ["POLICIES", "BasePolicy", "make_policy"]
