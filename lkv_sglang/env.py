"""Every ``LKV_*`` environment variable of the project, in one place, with what it does.

``tests/test_env.py`` fails when the code reads an ``LKV_*`` name that is not declared here (or
one declared here is read nowhere). Packages below ``lkv_sglang`` in the layers (``lkv_kernels``)
read theirs themselves and are declared here all the same; the readers below give typed values
with errors that name the variable and what is allowed.
"""

from __future__ import annotations

import os
from typing import NamedTuple


class Variable(NamedTuple):
    name: str
    read_by: str
    meaning: str


VARIABLES: tuple[Variable, ...] = (
    # models, data
    Variable(
        "LKV_CACHE_DIR", "lkv_sglang.models", "converted models (default ~/.cache/lkv_sglang)"
    ),
    # SGLang plugin: defaults of the launcher flags, for sglang.Engine (no CLI)
    Variable("LKV_EVICTION", "sglang_plugin.config", "default of --eviction (a policy or none)"),
    Variable("LKV_EVICTION_BUDGET", "sglang_plugin.config", "default of --eviction-budget"),
    Variable("LKV_EVICTION_SCOPE", "sglang_plugin.config", "default of --eviction-scope"),
    Variable("LKV_EVICTION_TREE_INSERT", "sglang_plugin.config", "0: --eviction-no-tree-insert"),
    Variable("LKV_LOOKAHEAD_PATH", "sglang_plugin.config", "default of --lookahead-path"),
    Variable("LKV_LOOKAHEAD_BATCH", "sglang_plugin.config", "default of --lookahead-batch"),
    Variable(
        "LKV_SGLANG_CONFIG",
        "sglang_plugin.config",
        "set by the launcher: the checked settings as JSON, for SGLang's subprocesses",
    ),
    Variable(
        "LKV_SGLANG_ACCOUNTING_LOG",
        "sglang_plugin.accounting",
        "a file: SGLang's pool counts at each prune and when idle (JSON lines)",
    ),
    Variable(
        "LKV_SGLANG_DUMP_PLANS", "sglang_plugin.scoring", "a directory: each request's kept set"
    ),
    Variable(
        "LKV_SGLANG_FAIL_COMPACTION",
        "sglang_plugin.compact",
        "1: every compaction raises (fault-injection tests only)",
    ),
    # kernels
    Variable("LKV_KERNELS", "lkv_kernels.dispatch", "auto | torch | triton"),
    # app
    Variable("LKV_APP_SERVER_URL", "lkv_app.config", "the SGLang server the app talks to"),
    Variable("LKV_APP_STORE_DIR", "lkv_app.config", "the document store's directory"),
    Variable("LKV_APP_MODEL", "lkv_app.config", "model name sent to the server"),
    Variable("LKV_APP_EVICTION", "lkv_app.config", "per-request eviction policy"),
    Variable("LKV_APP_EVICTION_BUDGET", "lkv_app.config", "per-request eviction budget"),
    Variable("LKV_APP_MAX_UPLOAD_MB", "lkv_app.config", "largest upload accepted"),
    Variable("LKV_APP_CONTEXT_TOKENS", "lkv_app.config", "whole documents up to this many tokens"),
    # set-up and launch scripts
    Variable(
        "LKV_EXTRAS", "scripts/setup_env.sh", "extras to install (default dev,train,app,kernels)"
    ),
    Variable("LKV_SERVER_PORT", "scripts/serve_app.sh", "the SGLang server's port"),
    Variable("LKV_APP_PORT", "scripts/serve_app.sh", "the Streamlit app's port"),
    Variable("LKV_TOOL_PARSER", "scripts/serve_app.sh", "SGLang's --tool-call-parser"),
    Variable("LKV_SERVER_LOG", "scripts/serve_app.sh", "the server's log file"),
    Variable("LKV_MEM_FRACTION", "scripts/serve_app.sh", "SGLang's --mem-fraction-static"),
    # tests, notebooks
    Variable("LKV_NOTEBOOK_FULL", "tests/notebooks", "1: run the notebooks at full size"),
    Variable("LKV_APP_SCREENSHOTS", "tests/app/test_browser.py", "a directory for screenshots"),
)

NAMES = frozenset(v.name for v in VARIABLES)


class EnvError(ValueError):
    """An ``LKV_*`` variable holds a value that is not allowed (the message names both)."""


def _declared(name: str) -> str:
    if name not in NAMES:
        raise KeyError(f"{name} is not declared in lkv_sglang.env.VARIABLES")
    return name


def env_str(name: str, default: str | None = None) -> str | None:
    """The variable's value, or ``default`` when unset or empty."""
    raw = os.environ.get(_declared(name), "").strip()
    return raw or default


def env_int(name: str, default: int) -> int:
    raw = env_str(name)
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError:
        raise EnvError(f"{name}={raw!r} is not an integer") from None


def env_flag(name: str, default: bool) -> bool:
    """Yes/no: 1/0, true/false, yes/no, on/off (``default`` when unset)."""
    raw = env_str(name)
    if raw is None:
        return default
    if raw.lower() in ("1", "true", "yes", "on"):
        return True
    if raw.lower() in ("0", "false", "no", "off"):
        return False
    raise EnvError(f"{name}={raw!r} is not yes/no (1/0, true/false, yes/no, on/off)")
