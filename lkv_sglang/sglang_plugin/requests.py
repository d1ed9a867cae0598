"""Per-request settings: checked in the HTTP process (a 400), attached in the scheduler."""

from __future__ import annotations

import functools

from .config import KEY_BUDGET, KEY_POLICY, ServerSettings, SettingsError, request_settings
from .state import ATTR, PruneState, state_of


@functools.cache
def server_settings() -> ServerSettings:
    """The server's settings, read once per process (set by the launcher before any request)."""
    return ServerSettings.from_env()


def overrides(custom_params: object) -> bool:
    return isinstance(custom_params, dict) and (
        KEY_POLICY in custom_params or KEY_BUDGET in custom_params
    )


def after_sampling_params_verify(result, sampling_params, *args, **kwargs) -> None:
    """AFTER ``SamplingParams.verify``: a ``ValueError`` here becomes an HTTP 400 with its text."""
    custom = getattr(sampling_params, "custom_params", None)
    if not overrides(custom):
        return
    server = server_settings()
    if server.policy == "none":
        raise ValueError(
            f"custom_params.{KEY_POLICY}/{KEY_BUDGET} given, but prompt-KV pruning is off on this "
            "server (it was started with --eviction none); start it with --eviction POLICY"
        )
    try:
        request_settings(custom, server)
    except SettingsError as e:
        raise ValueError(str(e)) from None


def after_req_init(result, req, *args, **kwargs) -> None:
    """AFTER ``Req.__init__``: attach a ``PruneState`` when the request is to be pruned."""
    server = server_settings()
    setattr(req, ATTR, None)
    if server.policy == "none":
        return
    try:
        settings = request_settings(getattr(req.sampling_params, "custom_params", None), server)
    except SettingsError:
        return  # already refused with a 400 by the HTTP process; never prune on a bad value
    if settings.active:
        setattr(req, ATTR, PruneState(settings, skip_insert_before=req.skip_radix_cache_insert))


def after_reset_for_retract(result, req, *args, **kwargs) -> None:
    """AFTER ``Req.reset_for_retract``: its KV was released; it re-prefills and is pruned again."""
    state = state_of(req)
    if state is not None:
        state.reset()
        req.skip_radix_cache_insert = state.skip_insert_before
