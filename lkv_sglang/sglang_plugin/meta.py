"""The eviction summary in a response's ``meta_info["lkv_eviction"]`` (native ``/generate``).

SGLang forwards ``req.customized_info`` to the response's meta_info; a key it calls
request-level is sent once, when the request finishes, as a one-element list.
"""

from __future__ import annotations

META_KEY = "lkv_eviction"


def attach_summary(req, summary: dict) -> None:
    info = req.customized_info if req.customized_info is not None else {}
    info[META_KEY] = [summary]
    req.customized_info = info


def around_request_level_key(original, streamer, key: str) -> bool:
    """AROUND ``SchedulerOutputStreamer.is_request_level_customized_info_key``."""
    return key == META_KEY or original(streamer, key)
