"""``BasePolicy``: a policy only scores; budgets, protection and top-k are shared."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import torch

from ..budgets import check_budget, uniform_budgets
from ..plan import KeepPlan, Observation, QuerySource
from ..registry import Registry
from ..selection import select


@dataclass(frozen=True)
class BasePolicy:
    """A scoring policy.

    Subclasses set ``name`` and ``query_source`` and implement ``score``; they may override
    ``layer_budgets`` (PyramidKV) and ``protected`` (sink / recent-window rules).
    ``num_queries`` is how many queries the source uses (window, draft or lookahead length).
    ``not_served``: why the SGLang server cannot run the policy ("" when it can).
    """

    name: ClassVar[str] = "base"
    query_source: ClassVar[QuerySource] = QuerySource.NONE
    not_served: ClassVar[str] = ""
    num_queries: int = 0

    def prompt_queries(self, prompt_len: int) -> range:
        """Prompt positions whose queries' attention the policy observes during prefill.

        Decided here once for every engine: the last ``num_queries`` for a prompt window, all of
        them for ``PROMPT_ALL``, and none for sources that bring their own queries.
        """
        if self.query_source is QuerySource.PROMPT_WINDOW:
            return range(max(0, prompt_len - self.num_queries), prompt_len)
        if self.query_source is QuerySource.PROMPT_ALL:
            return range(0, prompt_len)
        return range(prompt_len, prompt_len)

    def score(self, obs: Observation) -> torch.Tensor:
        """(num_layers, num_heads, N) float: higher means keep."""
        raise NotImplementedError

    def layer_budgets(self, budget: int, num_layers: int) -> list[int]:
        return uniform_budgets(budget, num_layers)

    def protected(self, budget: int) -> tuple[int, int]:
        """(sink, window): how many first / last prompt entries are always kept."""
        return 0, 0

    def select(self, obs: Observation, budget: int) -> KeepPlan:
        """Score and keep the top entries; prompts no longer than the budget are untouched."""
        check_budget(budget)
        if obs.prompt_len <= budget:
            return KeepPlan.keep_all(
                obs.prompt_len, obs.num_layers, obs.num_kv_heads, device=obs.device
            )
        sink, window = self.protected(budget)
        budgets = self.layer_budgets(budget, obs.num_layers)
        return select(self.score(obs), budgets, obs.num_kv_heads, sink=sink, window=window)


POLICIES: Registry[BasePolicy] = Registry("eviction policy")
