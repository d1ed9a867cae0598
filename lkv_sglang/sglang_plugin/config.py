"""What the server prunes by default, what a request may override, and how both are checked.

Settings travel from the launcher to SGLang's subprocesses as JSON in ``LKV_SGLANG_CONFIG``
(environment variables are inherited by the scheduler, detokenizer and DP-controller).
``LKV_EVICTION``, ``LKV_EVICTION_BUDGET`` and ``LKV_LOOKAHEAD_PATH`` are the defaults of the
CLI flags, and the way in for ``sglang.Engine`` (which rejects unknown keyword arguments).
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass

from .. import env
from ..core import budgets
from ..core.policies import POLICIES, make_policy
from ..core.policies import served_policies as core_served_policies

ENV_CONFIG = "LKV_SGLANG_CONFIG"
ENV_POLICY, ENV_BUDGET, ENV_LOOKAHEAD = "LKV_EVICTION", "LKV_EVICTION_BUDGET", "LKV_LOOKAHEAD_PATH"
ENV_LOOKAHEAD_BATCH = "LKV_LOOKAHEAD_BATCH"
ENV_SCOPE, ENV_TREE_INSERT = "LKV_EVICTION_SCOPE", "LKV_EVICTION_TREE_INSERT"
DEFAULT_BUDGET = 128
DEFAULT_LOOKAHEAD_BATCH = (
    8  # requests per lookahead pass: scores are (layers, batch, heads, longest prompt)
)

# Request-level keys read from sampling_params.custom_params (native API and OpenAI extra body).
KEY_POLICY, KEY_BUDGET, KEY_SCOPE = "eviction", "eviction_budget", "eviction_scope"

# What a pruned request's kept set is chosen over (README "Radix cache"):
# "prompt": the whole prompt, a matched prefix included (the set a cold request keeps);
# "suffix": only the prompt past the prefix matched in the radix cache (the prefix stays shared).
SCOPES = ("prompt", "suffix")
DEFAULT_SCOPE = "prompt"

# Policies the server cannot run, each with its own reason (``BasePolicy.not_served``).
REFUSED = {n: p.not_served for n in POLICIES.names() if (p := make_policy(n)).not_served}


def flag_choices() -> list[str]:
    """Values ``--eviction`` accepts: none plus every registered policy except the oracle."""
    return ["none"] + [p for p in POLICIES.names() if p != "oracle"]


def served_policies() -> list[str]:
    """Values the server actually prunes with (or not: ``none``): the core's list."""
    return ["none"] + core_served_policies()


class SettingsError(ValueError):
    """A flag or per-request value that is not allowed; the message names it and the choices."""


def check_policy(name: object, what: str = "--eviction") -> str:
    if not isinstance(name, str) or name not in flag_choices():
        raise SettingsError(
            f"{what}={name!r} is not a known policy; known: {', '.join(flag_choices())}"
        )
    if name in REFUSED:
        raise SettingsError(
            f"{what}={name!r} is not served: {REFUSED[name]}; served: {', '.join(served_policies())}"
        )
    return name


def env_int(name: str, default: int) -> int:
    """An integer ``LKV_*`` variable (``lkv_sglang.env``); a bad value is a ``SettingsError``."""
    try:
        return env.env_int(name, default)
    except env.EnvError as e:
        raise SettingsError(str(e)) from None


def env_flag(name: str, default: bool) -> bool:
    try:
        return env.env_flag(name, default)
    except env.EnvError as e:
        raise SettingsError(str(e)) from None


def check_scope(value: object, what: str = "--eviction-scope") -> str:
    if value not in SCOPES:
        raise SettingsError(f"{what}={value!r} is not a scope; allowed: {', '.join(SCOPES)}")
    return value


def check_budget(value: object, what: str = "--eviction-budget") -> int:
    try:
        return budgets.check_budget(value, what)
    except ValueError as e:
        raise SettingsError(f"{what}={value!r} is not allowed: {e}") from None


@dataclass(frozen=True)
class ServerSettings:
    """The server's default pruning.

    policy: "none" or a served policy; budget: entries kept per layer and KV head;
    lookahead_path: the lookahead checkpoint loaded by the scheduler (None: lookaheadkv
    cannot be used, by default or per request); lookahead_batch: at most this many requests
    finishing prefill together share one lookahead pass; scope: "prompt" or "suffix" (see
    ``SCOPES``); tree_insert: False never inserts a pruned request's own prompt into the radix
    tree (it is freed right after compaction; a matched prefix stays in the tree, unlocked).
    """

    policy: str = "none"
    budget: int = DEFAULT_BUDGET
    lookahead_path: str | None = None
    lookahead_batch: int = DEFAULT_LOOKAHEAD_BATCH
    scope: str = DEFAULT_SCOPE
    tree_insert: bool = True

    def __post_init__(self) -> None:
        check_policy(self.policy)
        check_budget(self.budget)
        check_scope(self.scope)
        if not isinstance(self.tree_insert, bool):
            raise SettingsError(f"tree_insert={self.tree_insert!r} must be True or False")
        if (
            isinstance(self.lookahead_batch, bool)
            or not isinstance(self.lookahead_batch, int)
            or self.lookahead_batch < 1
        ):
            raise SettingsError(
                f"--lookahead-batch={self.lookahead_batch!r} is not allowed: the most requests "
                "scored in one lookahead pass, a positive integer"
            )
        if self.policy == "lookaheadkv" and not self.lookahead_path:
            raise SettingsError(
                "--eviction lookaheadkv needs a lookahead checkpoint: pass --lookahead-path PATH "
                "(no shipped checkpoint was found for this model)"
            )

    def to_env(self) -> None:
        os.environ[ENV_CONFIG] = json.dumps(asdict(self))

    @classmethod
    def from_env(cls) -> ServerSettings:
        raw = os.environ.get(ENV_CONFIG)
        if raw:
            return cls(**json.loads(raw))
        return cls(
            policy=env.env_str(ENV_POLICY, "none"),
            budget=env_int(ENV_BUDGET, DEFAULT_BUDGET),
            lookahead_path=env.env_str(ENV_LOOKAHEAD),
            lookahead_batch=env_int(ENV_LOOKAHEAD_BATCH, DEFAULT_LOOKAHEAD_BATCH),
            scope=env.env_str(ENV_SCOPE, DEFAULT_SCOPE),
            tree_insert=env_flag(ENV_TREE_INSERT, True),
        )


@dataclass(frozen=True)
class RequestSettings:
    """What one request prunes with: policy "none" means untouched; scope: see ``SCOPES``."""

    policy: str
    budget: int
    scope: str = DEFAULT_SCOPE

    @property
    def active(self) -> bool:
        return self.policy not in ("none", "full")


def request_settings(custom_params: object, server: ServerSettings) -> RequestSettings:
    """The server default, overridden by ``custom_params["eviction"/"eviction_budget"/
    "eviction_scope"]``.

    Raises ``SettingsError`` naming the bad value and what is allowed.
    """
    policy, budget, scope = server.policy, server.budget, server.scope
    if isinstance(custom_params, dict):
        if KEY_POLICY in custom_params:
            policy = check_policy(custom_params[KEY_POLICY], f"custom_params.{KEY_POLICY}")
        if KEY_BUDGET in custom_params:
            budget = check_budget(custom_params[KEY_BUDGET], f"custom_params.{KEY_BUDGET}")
        if KEY_SCOPE in custom_params:
            scope = check_scope(custom_params[KEY_SCOPE], f"custom_params.{KEY_SCOPE}")
    if policy == "lookaheadkv" and not server.lookahead_path:
        raise SettingsError(
            f"custom_params.{KEY_POLICY}='lookaheadkv' needs a lookahead checkpoint, and this server "
            "was started without one (start it with --lookahead-path PATH)"
        )
    return RequestSettings(policy, budget, scope)
