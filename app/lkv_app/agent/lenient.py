"""Tool calls the server's parser missed: a reply made only of ``{"name": TOOL, "arguments": {}}``.

Small models often drop the ``<tool_call>`` tags that ``--tool-call-parser hermes``/``qwen25``
look for, and sometimes write several calls, one per line, until ``max_tokens`` cuts them (both
seen with Qwen2.5-Coder-0.5B here). With ``lenient_tool_calls`` the agent reads such a reply as
its first call; a reply with any other text stays an answer.
"""

from __future__ import annotations

import json
import re
import uuid

from langchain_core.messages import AIMessage

TAGS = re.compile(r"</?tool_call>")


def parse_call(line: str, tool_names: set[str]) -> dict | None:
    try:
        obj = json.loads(line)
    except json.JSONDecodeError:
        return None
    if not isinstance(obj, dict) or obj.get("name") not in tool_names:
        return None
    args = obj.get("arguments", obj.get("parameters", {}))
    return {"name": obj["name"], "args": args} if isinstance(args, dict) else None


def bare_tool_call(msg: AIMessage, tool_names: set[str]) -> AIMessage | None:
    """The first tool call ``msg`` spells out as bare JSON lines, or None if it is not that."""
    if msg.tool_calls or not isinstance(msg.content, str):
        return None
    text = TAGS.sub("", msg.content).strip().removeprefix("```json").strip("`").strip()
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines or not all(line.startswith("{") for line in lines):
        return None
    call = parse_call(lines[0], tool_names)
    if call is None:
        return None
    call.update(id="call_" + uuid.uuid4().hex[:12], type="tool_call")
    return AIMessage(
        content="",
        tool_calls=[call],
        response_metadata=msg.response_metadata,
        usage_metadata=msg.usage_metadata,
        id=msg.id,
    )
