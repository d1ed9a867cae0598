"""SGLang plugin: prune each request's prompt KV after prefill (LookaheadKV and baselines).

Installed as the entry point ``sglang.srt.plugins: lookaheadkv``; SGLang calls ``register``
in every process (launcher, scheduler, detokenizer, DP controller). Hooks are registered
unconditionally (the CLI flags are parsed after plugins load); each one is a pass-through
while the server runs with ``--eviction none``. Every hook target is listed in ``seams``.
"""

from __future__ import annotations

import importlib

from .seams import SEAMS, SGLANG_VERSION, Seam

__all__ = ["SEAMS", "SGLANG_VERSION", "handler_of", "register"]


def handler_of(seam: Seam):
    module, func = seam.handler.split(":")
    return getattr(importlib.import_module(f"{__name__}.{module}"), func)


def register() -> None:
    import logging
    from importlib.metadata import version

    from sglang.srt.plugins.hook_registry import HookRegistry, HookType

    installed = version("sglang")
    if installed != SGLANG_VERSION:
        logging.getLogger(__name__).warning(
            "lkv_sglang's SGLang plugin was written against sglang %s; this is %s (run tests/sglang/test_seams.py)",
            SGLANG_VERSION,
            installed,
        )
    for seam in SEAMS:
        HookRegistry.register(seam.target, handler_of(seam), HookType[seam.kind])
