"""Scheduler start-up: refuse what pruning cannot run with; load the lookahead module.

Runs in every scheduler process (every TP rank), so the ``sglang.Engine`` path, which never
parses the CLI flags, is checked too.
"""

from __future__ import annotations

from .compat import incompatibilities
from .context import CONTEXT
from .requests import server_settings

SUPPORTED_POOLS = ("MHATokenToKVPool",)


def scheduler_problems(sched) -> list[str]:
    bad = incompatibilities(sched.server_args)
    if getattr(sched, "enable_overlap", False) and not any("overlap" in b for b in bad):
        bad.append("the overlap scheduler: pass --disable-overlap-schedule")
    pool = type(sched.token_to_kv_pool_allocator.get_kvcache()).__name__
    if pool not in SUPPORTED_POOLS:
        bad.append(
            f"KV pool {pool} (supported: {', '.join(SUPPORTED_POOLS)}: plain multi-head attention models)"
        )
    return bad


def load_lookahead(sched, path: str):
    """The lookahead module for the served model, refusing one made for another model."""
    from ..core.lookahead import LookaheadModule
    from .fingerprint import model_fingerprint
    from .lookahead_pass import unsupported_reason

    model = sched.tp_worker.model_runner.model
    reason = unsupported_reason(model)
    if reason:
        raise RuntimeError(f"lkv_sglang: lookaheadkv cannot run on this model: {reason}")
    module = LookaheadModule.load(
        path, expect_fingerprint=model_fingerprint(sched.server_args.model_path)
    )
    weight = model.model.layers[0].self_attn.qkv_proj.weight
    return module.to(weight.device).eval()


def after_scheduler_init(result, sched, *args, **kwargs) -> None:
    """AFTER ``Scheduler.__init__``."""
    settings = server_settings()
    CONTEXT.lookahead = None
    CONTEXT.max_total_tokens = int(sched.max_total_num_tokens)
    if settings.policy == "none":
        return
    bad = scheduler_problems(sched)
    if bad:
        raise RuntimeError(
            f"lkv_sglang: --eviction {settings.policy} cannot run with: " + "; ".join(bad)
        )
    if settings.lookahead_path:
        CONTEXT.lookahead = load_lookahead(sched, settings.lookahead_path)
