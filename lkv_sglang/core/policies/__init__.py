"""Scoring policies, one file each, registered by name in ``POLICIES``."""

from . import full, h2o, laq, lookaheadkv, oracle, pyramidkv, random, snapkv, speckv, streamingllm  # noqa: F401
from .base import POLICIES, BasePolicy


def make_policy(name: str, **params) -> BasePolicy:
    """Build a registered policy; an unknown name raises listing the known ones."""
    return POLICIES.create(name, **params)


__all__ = ["POLICIES", "BasePolicy", "make_policy"]
