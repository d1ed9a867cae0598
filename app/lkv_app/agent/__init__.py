"""The agent: tools over the document store and a ``create_agent`` loop with per-turn budgets."""

from .loop import AgentRun, AgentSettings, Step, collect, run_agent
from .tools import make_tools

__all__ = ["AgentRun", "AgentSettings", "Step", "collect", "make_tools", "run_agent"]
