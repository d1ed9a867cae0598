"""What the scheduler process knows after start-up that SGLang's components do not carry.

One scheduler per process (each TP rank is its own process), so a module-level value is safe;
SGLang's component objects are slotted dataclasses that take no extra attributes.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class SchedulerContext:
    """lookahead: the loaded ``LookaheadModule`` or None; max_total_tokens: KV pool size."""

    lookahead: object = None
    max_total_tokens: int = 0


CONTEXT = SchedulerContext()
