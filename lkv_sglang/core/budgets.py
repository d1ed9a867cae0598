"""How a total budget is spread over layers: uniform, or PyramidKV's pyramid."""

from __future__ import annotations


def check_budget(budget: object, what: str = "budget") -> int:
    """Return ``budget`` as an int, or raise naming the bad value and what is allowed.

    The one budget check of the project: the CLI, the reference path and the SGLang plugin call
    it with their own name for the value (``what``: ``--budget``, ``custom_params.eviction_budget``).
    """
    if isinstance(budget, bool) or not isinstance(budget, int) or budget <= 0:
        raise ValueError(
            f"{what} must be a positive integer; got {budget!r} (prompt entries kept per layer "
            "and KV head)"
        )
    return budget


def uniform_budgets(budget: int, num_layers: int) -> list[int]:
    """The same ``budget`` in every layer."""
    return [check_budget(budget)] * num_layers


def pyramid_budgets(budget: int, num_layers: int, beta: int = 20, floor: int = 1) -> list[int]:
    """PyramidKV: budgets fall linearly from the first layer to the last, averaging ``budget``.

    The last layer gets about ``budget / beta`` (at least ``floor``), the first about
    ``2 * budget - budget / beta``; rounding is corrected so the sum is exactly
    ``budget * num_layers`` (the same memory as uniform).
    """
    check_budget(budget)
    if num_layers == 1:
        return [budget]
    low = max(floor, budget // beta)
    high = 2 * budget - low
    raw = [high - (high - low) * i / (num_layers - 1) for i in range(num_layers)]
    out = [max(floor, int(round(x))) for x in raw]
    diff = budget * num_layers - sum(out)
    i = 0
    while diff != 0:  # spread the rounding error one entry at a time, never below floor
        step = 1 if diff > 0 else -1
        j = i % num_layers
        if out[j] + step >= floor:
            out[j] += step
            diff -= step
        i += 1
    return out
