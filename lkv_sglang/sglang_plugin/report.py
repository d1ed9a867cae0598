"""The eviction report: ``meta_info["lkv_eviction"]`` of every response.

SGLang forwards a request's customized info to the response's meta_info; a key it calls
request-level is sent once: when the request finishes, or with the first chunk of a stream.
The report is attached right after the request's prefill, before its first chunk leaves, so
a streamed ``/generate`` response carries it on every chunk (SGLang repeats meta_info keys), the
last one included. SGLang's OpenAI chat stream forwards no meta_info: ``around_chat_stream``
adds a top-level ``lkv_eviction`` to its last data chunk.
"""

from __future__ import annotations

import json

from . import sglang_view as sv

META_KEY = "lkv_eviction"


def attach_summary(req, summary: dict) -> None:
    sv.attach_info(req, META_KEY, [summary])


def is_report_key(key: str) -> bool:
    return key == META_KEY


# ---------------------------------------------------------------- streams (HTTP process)
ATTR_SEEN = "_lkv_reports"  # on SGLang's GenerateReqInput: the reports its stream carried


def around_generate_request(original, manager, obj, *args, **kwargs):
    """AROUND ``TokenizerManager.generate_request``: remember the report each response chunk
    carries on the request object, for the OpenAI stream below (same HTTP process)."""
    agen = original(manager, obj, *args, **kwargs)

    async def remembering():
        async for out in agen:
            info = out.get("meta_info") if isinstance(out, dict) else None
            report = info.get(META_KEY) if isinstance(info, dict) else None
            if report:
                index = out.get("index", 0) if isinstance(out, dict) else 0
                seen = getattr(obj, ATTR_SEEN, None) or {}
                seen[index] = report[-1] if isinstance(report, list) else report
                setattr(obj, ATTR_SEEN, seen)
            yield out

    return remembering()


def with_report(chunk: str, seen: dict) -> str:
    """An OpenAI ``data: {...}`` chunk with the top-level ``lkv_eviction`` added (one report,
    or a list ordered by choice index when the request had several)."""
    body = chunk.strip()
    if not seen or not body.startswith("data:"):
        return chunk
    try:
        payload = json.loads(body[len("data:") :])
    except ValueError:
        return chunk
    if not isinstance(payload, dict):
        return chunk
    payload[META_KEY] = seen[0] if list(seen) == [0] else [seen[k] for k in sorted(seen)]
    return f"data: {json.dumps(payload)}\n\n"


def around_chat_stream(original, serving, adapted_request, *args, **kwargs):
    """AROUND ``OpenAIServingChat._generate_chat_stream``: the last data chunk before
    ``[DONE]`` carries the eviction report (SGLang's stream has no field for it)."""
    agen = original(serving, adapted_request, *args, **kwargs)

    async def reporting():
        held = None
        async for chunk in agen:
            if isinstance(chunk, str) and chunk.strip() == "data: [DONE]":
                if held is not None:
                    yield with_report(held, getattr(adapted_request, ATTR_SEEN, None) or {})
                    held = None
                yield chunk
                continue
            if held is not None:
                yield held
            held = chunk
        if held is not None:
            yield with_report(held, getattr(adapted_request, ATTR_SEEN, None) or {})

    return reporting()
