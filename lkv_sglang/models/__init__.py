"""Models that can be had offline: a registry of short names and their one-time conversion."""

from .registry import MODELS, ModelSpec
from .resolve import resolve_model

__all__ = ["MODELS", "ModelSpec", "resolve_model"]
