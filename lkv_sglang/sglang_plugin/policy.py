"""Policy instances by name (built once per process with their published defaults)."""

from __future__ import annotations

import functools

from ..core.policies import BasePolicy, make_policy


@functools.cache
def policy_for(name: str) -> BasePolicy:
    return make_policy(name)
