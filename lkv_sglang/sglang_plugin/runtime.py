"""The plugin's state in one object per process: ``RUNTIME``.

SGLang runs one scheduler per process (each TP rank is its own process) and forwards one batch
at a time, and its component objects are slotted dataclasses that take no extra attributes, so
the plugin keeps what SGLang's objects do not carry here:

* ``settings``: the server's pruning settings (every process, read once from the environment the
  launcher set: the HTTP process checks per-request overrides against them);
* ``lookahead``, ``max_total_tokens``: loaded / read at scheduler start-up;
* ``capture``: which query rows the extend forward in flight observes (set when its
  ``ForwardBatch`` is built, read by every attention layer);
* ``freed``: a compaction freed memory since the scheduler last chose a batch (admission);
* ``last_idle``: the pool counts last written to the accounting log, and when;
* ``policy(name)``: one policy instance per name.

Per-request state lives on the request (``state.PruneState``), not here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..core.policies import BasePolicy, make_policy
from .config import ServerSettings


@dataclass
class Runtime:
    _settings: ServerSettings | None = None
    lookahead: object = None
    max_total_tokens: int = 0
    capture: object = None  # observe.CapturePlan of the extend forward in flight, or None
    freed: bool = False
    last_idle: tuple[dict | None, float] = (None, 0.0)
    _policies: dict[str, BasePolicy] = field(default_factory=dict)

    @property
    def settings(self) -> ServerSettings:
        """The server's settings, read once per process (set by the launcher before any request)."""
        if self._settings is None:
            self._settings = ServerSettings.from_env()
        return self._settings

    @property
    def active(self) -> bool:
        """Whether this server prunes at all (``--eviction`` other than none)."""
        return self.settings.policy != "none"

    def policy(self, name: str) -> BasePolicy:
        if name not in self._policies:
            self._policies[name] = make_policy(name)
        return self._policies[name]


RUNTIME = Runtime()
