"""The transformers reference path: prefill, score, prune the cache physically, decode.

Supports decoder-only Llama and Qwen2 models (GQA) with a batch of one prompt.
"""

from .generate import GenerationResult, generate
from .loading import load_model

__all__ = ["GenerationResult", "generate", "load_model"]
