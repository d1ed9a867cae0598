"""Tool calls the server's parser missed: a reply that is only ``{"name": TOOL, "arguments": {}}``.

Small models often drop the ``<tool_call>`` tags that ``--tool-call-parser hermes``/``qwen25``
look for (seen with Qwen2.5-Coder-0.5B and SmolLM2-135M here). With ``lenient_tool_calls`` the
agent reads such a reply as the tool call it clearly is; anything else stays an answer.
"""

from __future__ import annotations

import json
import re
import uuid

from langchain_core.messages import AIMessage

TAGS = re.compile(r"</?tool_call>")


def bare_tool_call(msg: AIMessage, tool_names: set[str]) -> AIMessage | None:
    """The tool call ``msg`` spells out as bare JSON, or None if it is not exactly that."""
    if msg.tool_calls or not isinstance(msg.content, str):
        return None
    text = TAGS.sub("", msg.content).strip().removeprefix("```json").strip("`").strip()
    if not (text.startswith("{") and text.endswith("}")):
        return None
    try:
        obj = json.loads(text)
    except json.JSONDecodeError:
        return None
    if not isinstance(obj, dict):
        return None
    args = obj.get("arguments", obj.get("parameters", {}))
    if obj.get("name") not in tool_names or not isinstance(args, dict):
        return None
    call = {
        "name": obj["name"],
        "args": args,
        "id": "call_" + uuid.uuid4().hex[:12],
        "type": "tool_call",
    }
    return AIMessage(
        content="",
        tool_calls=[call],
        response_metadata=msg.response_metadata,
        usage_metadata=msg.usage_metadata,
        id=msg.id,
    )
