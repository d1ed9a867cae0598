"""Tell SGLang's admission that pruning freed memory.

When a prefill could not admit a waiting request for lack of KV, SGLang marks the running
batch full and only clears that mark when a request leaves. Pruning frees (or makes evictable)
most of a request's prompt slots right after its prefill without any request leaving, so the
mark is cleared here and the waiting requests are tried again against SGLang's own counts
(available + evictable - reserved decode tokens).
"""

from __future__ import annotations

_STATE = {"freed": False}


def note_freed() -> None:
    """Called after a compaction released prompt slots."""
    _STATE["freed"] = True


def before_next_batch(sched, running_batch, last_batch=None, *args, **kwargs) -> None:
    """BEFORE ``Scheduler.get_next_batch_to_run``: reopen admission after a compaction."""
    if not _STATE["freed"]:
        return None
    _STATE["freed"] = False
    for batch in (running_batch, last_batch):
        if batch is not None:
            batch.batch_is_full = False
    return None
