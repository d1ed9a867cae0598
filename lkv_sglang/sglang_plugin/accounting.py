"""An optional JSON-lines log of SGLang's own KV accounting, for tests and benchmarks.

Enabled by ``LKV_SGLANG_ACCOUNTING_LOG=path``. Events: ``prune`` (one request compacted or
left whole), ``idle`` (the scheduler is idle: its free/evictable counts, on change or every 0.5 s). The counts are
SGLang's: ``allocator.available_size()``, ``tree_cache.evictable_size()``, and
``used = max_total_num_tokens - available - evictable`` as its decode log reports it.
"""

from __future__ import annotations

import json
import os
import time

from . import sglang_view as sv
from .runtime import RUNTIME

ENV_LOG = "LKV_SGLANG_ACCOUNTING_LOG"


def pool_counts(owner) -> dict:
    """``owner``: the Scheduler or its batch-result processor (allocator and tree cache)."""
    total = RUNTIME.max_total_tokens
    available = int(sv.allocator(owner).available_size())
    evictable = int(sv.tree(owner).evictable_size())
    return {
        "available": available,
        "evictable": evictable,
        "used": int(total) - available - evictable,
    }


def log_event(event: str, **fields) -> None:
    path = os.environ.get(ENV_LOG)
    if not path:
        return
    with open(path, "a") as f:
        f.write(json.dumps({"event": event, **fields}) + "\n")


HEARTBEAT_S = 0.5


def after_on_idle(result, sched, *args, **kwargs) -> None:
    """AFTER ``Scheduler.on_idle``: log the counts when they change, else every HEARTBEAT_S."""
    if not os.environ.get(ENV_LOG):
        return
    counts, now = pool_counts(sched), time.monotonic()
    last_counts, last_at = RUNTIME.last_idle
    if counts != last_counts or now - last_at >= HEARTBEAT_S:
        RUNTIME.last_idle = (counts, now)
        log_event("idle", **counts)
