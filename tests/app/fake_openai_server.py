"""A small OpenAI-compatible server that behaves like SGLang with the lkv plugin, for tests.

It checks ``custom_params`` as the plugin does (400 naming the bad value), answers with
``choices[].meta_info["lkv_eviction"]`` without streaming (``return_meta_info``; refused with
``stream``), streams SSE word by word with the report as a top-level ``lkv_eviction`` key of the
final (usage) chunk (``stream_report=False``: a server that does not stream it), and emits tool
calls. Replies are scripted: ``FakeServer.script(messages, tools) -> Reply``; every request body
is recorded. The real-server tests (``test_real_server.py``) cover the happy paths; this one
stays for error paths and page tests.
"""

from __future__ import annotations

import json
import socket
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, StreamingResponse

POLICIES = ("none", "full", "snapkv", "h2o", "streamingllm", "random", "lookaheadkv")


@dataclass
class Reply:
    """Text to answer with, or one tool call (name, JSON-able arguments)."""

    text: str = ""
    tool: str | None = None
    args: dict = field(default_factory=dict)


def default_script(messages: list[dict], tools: list | None) -> Reply:
    """With tools: list the documents, then read what was found, then answer from it."""
    last = messages[-1]
    if tools and last["role"] == "user":
        return Reply(tool="list_documents")
    if tools and last["role"] == "tool" and sum(m["role"] == "tool" for m in messages) == 1:
        names = [line.split(" ")[0] for line in str(last["content"]).splitlines() if line]
        return Reply(tool="read_document", args={"name": names[0] if names else "missing.txt"})
    if last["role"] == "tool":
        return Reply(text="From the documents: " + str(last["content"])[:120])
    return Reply(text="The answer is <b>blue</b> [1].")


def agent_script(messages: list[dict], tools: list | None) -> Reply:
    """The constrained agent's replies: search with the question's words, then answer."""
    last = str(messages[-1].get("content") or "")
    if last.startswith("From "):
        return Reply(text=json.dumps({"answer": "butterscotch"}))
    return Reply(text=json.dumps({"tool": "search_documents", "query": "Mars sky"}))


def prompt_tokens(messages: list[dict]) -> int:
    return sum(len(str(m.get("content") or "").split()) + 4 for m in messages)


class FakeServer:
    def __init__(self, server_policy: str = "snapkv", server_budget: int = 128) -> None:
        self.server_policy, self.server_budget = server_policy, server_budget
        self.requests: list[dict] = []
        self.fail_status: int | None = None  # answer every chat request with this status
        self.stream_report = True  # the final streamed chunk carries "lkv_eviction"
        self.script: Callable[[list[dict], list | None], Reply] = default_script
        self.app = self._build()
        self.port = free_port()
        self._server: uvicorn.Server | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _eviction(self, body: dict) -> dict | str:
        custom = body.get("custom_params") or {}
        policy = custom.get("eviction", self.server_policy)
        budget = custom.get("eviction_budget", self.server_budget)
        if policy not in POLICIES:
            return f"custom_params.eviction={policy!r} is not a known policy; known: {', '.join(POLICIES)}"
        if isinstance(budget, bool) or not isinstance(budget, int) or budget <= 0:
            return f"custom_params.eviction_budget={budget!r} is not allowed: a positive integer"
        n = prompt_tokens(body["messages"])
        pruned = policy not in ("none", "full") and n > budget
        return {
            "policy": policy,
            "budget": budget,
            "prompt_tokens": n,
            "cached_prefix_tokens": 0,
            "kept_tokens": budget if pruned else n,
            "kv_tokens": budget if pruned else n,
            "pruned": pruned,
            "eviction_ms": 1.5,
        }

    def _build(self) -> FastAPI:
        app = FastAPI()

        @app.get("/health")
        def health() -> dict:
            return {}

        @app.get("/get_model_info")
        def model_info() -> dict:
            return {"model_path": "fake-model", "is_generation": True}

        @app.post("/v1/chat/completions")
        async def chat(request: Request):
            body = await request.json()
            self.requests.append(body)
            if self.fail_status:
                return JSONResponse(
                    {"object": "error", "message": "server is restarting"}, self.fail_status
                )
            ev = self._eviction(body)
            if isinstance(ev, str):
                return JSONResponse({"object": "error", "message": ev, "code": 400}, 400)
            if body.get("stream") and body.get("return_meta_info"):
                return JSONResponse(
                    {
                        "object": "error",
                        "message": "return_meta_info is not supported with streaming.",
                        "code": 400,
                    },
                    400,
                )
            reply = self.script(body["messages"], body.get("tools"))
            if body.get("stream"):
                return StreamingResponse(self._sse(body, reply, ev), media_type="text/event-stream")
            return self._complete(body, reply, ev)

        return app

    def _message(self, reply: Reply) -> tuple[dict, str]:
        if reply.tool:
            call = {
                "id": "call_" + uuid.uuid4().hex[:8],
                "type": "function",
                "function": {"name": reply.tool, "arguments": json.dumps(reply.args)},
            }
            return {"role": "assistant", "content": None, "tool_calls": [call]}, "tool_calls"
        return {"role": "assistant", "content": reply.text}, "stop"

    def _usage(self, ev: dict, completion: int) -> dict:
        n = ev["prompt_tokens"]
        return {"prompt_tokens": n, "completion_tokens": completion, "total_tokens": n + completion}

    def _complete(self, body: dict, reply: Reply, ev: dict) -> dict:
        message, finish = self._message(reply)
        choice = {"index": 0, "message": message, "finish_reason": finish}
        if body.get("return_meta_info"):
            choice["meta_info"] = {
                "id": "x",
                "prompt_tokens": ev["prompt_tokens"],
                "lkv_eviction": [ev],
            }
        return {
            "id": "chatcmpl-fake",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body.get("model", "default"),
            "choices": [choice],
            "usage": self._usage(ev, len(reply.text.split())),
        }

    def _sse(self, body: dict, reply: Reply, ev: dict):
        def chunk(delta: dict, finish: str | None = None, usage: dict | None = None) -> str:
            data = {
                "id": "chatcmpl-fake",
                "object": "chat.completion.chunk",
                "created": 0,
                "model": "default",
                "choices": [] if usage else [{"index": 0, "delta": delta, "finish_reason": finish}],
            }
            if usage:
                data["usage"] = usage
            return f"data: {json.dumps(data)}\n\n"

        yield chunk({"role": "assistant", "content": ""})
        message, finish = self._message(reply)
        if reply.tool:
            call = dict(message["tool_calls"][0], index=0)
            yield chunk({"tool_calls": [call]})
        else:
            for i, word in enumerate(reply.text.split(" ")):
                yield chunk({"content": word if i == 0 else " " + word})
        yield chunk({}, finish)
        if (body.get("stream_options") or {}).get("include_usage"):
            final = chunk({}, usage=self._usage(ev, len(reply.text.split())))
            if self.stream_report:
                data = json.loads(final.removeprefix("data: "))
                final = f"data: {json.dumps({**data, 'lkv_eviction': ev})}\n\n"
            yield final
        yield "data: [DONE]\n\n"

    def start(self) -> FakeServer:
        config = uvicorn.Config(self.app, host="127.0.0.1", port=self.port, log_level="warning")
        self._server = uvicorn.Server(config)
        threading.Thread(target=self._server.run, daemon=True).start()
        deadline = time.time() + 10
        while not self._server.started and time.time() < deadline:
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
            time.sleep(0.2)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
