"""``--eviction``, ``--eviction-budget``, ``--eviction-scope``, ``--eviction-no-tree-insert``,
``--lookahead-path``, ``--lookahead-batch``: added, checked at start-up (with ``LKV_KERNELS``),
carried to every subprocess.

A bad value stops the launcher with one line naming it and what is allowed (``SystemExit``).
"""

from __future__ import annotations

import argparse
import os

from ..models.fingerprint import default_lookahead_path, directory_fingerprint
from .compat import incompatibilities, turn_off_prefill_graph
from .config import (
    DEFAULT_BUDGET,
    DEFAULT_LOOKAHEAD_BATCH,
    ENV_BUDGET,
    ENV_LOOKAHEAD,
    ENV_LOOKAHEAD_BATCH,
    ENV_POLICY,
    ENV_SCOPE,
    ENV_TREE_INSERT,
    SCOPES,
    ServerSettings,
    SettingsError,
    env_flag,
    env_int,
    flag_choices,
)

PREFIX = "lkv_sglang"


def add_cli_args(result, parser: argparse.ArgumentParser) -> None:
    """AFTER ``ServerArgs.add_cli_args``: the plugin's flags (defaults from the environment)."""
    try:
        budget = env_int(ENV_BUDGET, DEFAULT_BUDGET)
        lookahead_batch = env_int(ENV_LOOKAHEAD_BATCH, DEFAULT_LOOKAHEAD_BATCH)
        tree_insert = env_flag(ENV_TREE_INSERT, True)
    except SettingsError as e:
        raise SystemExit(f"{PREFIX}: {e}") from None
    g = parser.add_argument_group("LookaheadKV prompt-KV pruning (lkv_sglang plugin)")
    g.add_argument(
        "--eviction",
        default=os.environ.get(ENV_POLICY, "none"),
        help=f"prune each request's prompt KV after prefill with this policy; one of: {', '.join(flag_choices())}",
    )
    g.add_argument(
        "--eviction-budget",
        type=int,
        default=budget,
        help="prompt entries kept per layer and KV head (prompts no longer are untouched)",
    )
    g.add_argument(
        "--lookahead-path",
        default=os.environ.get(ENV_LOOKAHEAD) or None,
        help="lookahead checkpoint directory for lookaheadkv (default: the served model's shipped one)",
    )
    g.add_argument(
        "--lookahead-batch",
        type=int,
        default=lookahead_batch,
        help="at most this many requests finishing prefill together share one lookahead pass",
    )
    g.add_argument(
        "--eviction-scope",
        default=os.environ.get(ENV_SCOPE) or "prompt",
        help=f"what a request's kept set is chosen over, one of {', '.join(SCOPES)}: 'prompt' = "
        "the whole prompt, a radix-cache hit included (output independent of the cache; best for "
        "agent loops and multi-turn chat), 'suffix' = only the prompt past the cached prefix, "
        "which stays shared (best for many short questions over one shared document)",
    )
    g.add_argument(
        "--eviction-no-tree-insert",
        action="store_true",
        default=not tree_insert,
        help="never insert a pruned request's own prompt into the radix tree: it is freed right "
        "after compaction (a matched prefix stays in the tree, unlocked); for memory-tight servers",
    )


def settings_from_args(args: argparse.Namespace, server_args) -> ServerSettings:
    """Validate the flags against each other, the served model and SGLang's settings."""
    policy = getattr(args, "eviction", "none")
    path = getattr(args, "lookahead_path", None)
    if path is None and policy == "lookaheadkv":
        path = default_lookahead_path(server_args.model_path)
    settings = ServerSettings(
        policy,
        getattr(args, "eviction_budget", DEFAULT_BUDGET),
        path,
        getattr(args, "lookahead_batch", DEFAULT_LOOKAHEAD_BATCH),
        getattr(args, "eviction_scope", "prompt"),
        not getattr(args, "eviction_no_tree_insert", False),
    )
    check_kernel_backend()
    if settings.lookahead_path:
        check_lookahead_checkpoint(settings.lookahead_path, server_args.model_path)
    if settings.policy != "none":
        bad = incompatibilities(server_args)
        if bad:
            raise SettingsError(f"--eviction {settings.policy} cannot run with: " + "; ".join(bad))
        turn_off_prefill_graph(server_args)
    return settings


def check_kernel_backend() -> None:
    """``LKV_KERNELS`` must name a backend (checked here so a typo stops the launcher)."""
    import lkv_kernels

    try:
        lkv_kernels.kernel_backend()
    except ValueError as e:
        raise SettingsError(str(e)) from None


def check_lookahead_checkpoint(path: str, model_path: str) -> None:
    """Refuse a checkpoint made for another model (or a path that is not a checkpoint)."""
    from ..core.lookahead import LookaheadModule

    try:
        LookaheadModule.load(path, expect_fingerprint=directory_fingerprint(model_path))
    except (FileNotFoundError, ValueError) as e:
        raise SettingsError(f"--lookahead-path {path}: {e}") from None


def from_cli_args(server_args, cls, args: argparse.Namespace):
    """AFTER ``ServerArgs.from_cli_args``: check, then hand the settings to every subprocess."""
    try:
        settings = settings_from_args(args, server_args)
    except SettingsError as e:
        raise SystemExit(f"{PREFIX}: {e}") from None
    settings.to_env()
    server_args._lkv_settings = settings  # leading underscore: not a field, survives pickling
    return server_args
