"""Every template family of lkv-data-v2 and which role (train, val, test) each belongs to."""

from __future__ import annotations

from .app_families import APP_FAMILIES
from .families import TEXT_FAMILIES
from .family import ROLES, Family

FAMILIES: tuple[Family, ...] = TEXT_FAMILIES + APP_FAMILIES
KINDS: tuple[str, ...] = tuple(dict.fromkeys(f.kind for f in FAMILIES))
BY_ID = {f.id: f for f in FAMILIES}


def families(kind: str, role: str) -> list[Family]:
    """The families of ``kind`` assigned to ``role``; an error names the valid choices."""
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}; known: {', '.join(KINDS)}")
    if role not in ROLES:
        raise ValueError(f"unknown template role {role!r}; known: {', '.join(ROLES)}")
    out = [f for f in FAMILIES if f.kind == kind and f.role == role]
    if not out:
        raise ValueError(f"kind {kind!r} has no {role} family")
    return out
