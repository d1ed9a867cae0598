"""``ChatLookaheadKV``: LangChain's ``ChatOpenAI`` for an SGLang server with the lkv plugin.

Eviction settings travel per request in the OpenAI extra body as ``custom_params``
(``{"eviction": POLICY, "eviction_budget": N}``; ``eviction="none"`` turns pruning off for the
request). Each response's eviction summary is in ``message.response_metadata["lkv_eviction"]``
(read it with ``eviction_of(message)``): without streaming from ``choices[0].meta_info``
(``return_meta_info``), streamed from the final chunk's top-level ``lkv_eviction`` key. A
response without the report has none (``eviction_of`` returns None); nothing is derived.

Example::

    llm = ChatLookaheadKV(base_url="http://127.0.0.1:30000/v1", eviction="snapkv",
                          eviction_budget=256)
    msg = llm.invoke("Summarise ...")
    eviction_of(msg).kept_tokens
    llm.invoke("...", eviction="none")          # per-call override
"""

from __future__ import annotations

import os
from typing import Any

from langchain_core.messages import BaseMessage
from langchain_core.outputs import ChatGenerationChunk, ChatResult
from langchain_openai import ChatOpenAI
from pydantic import Field, model_validator

from .eviction import META_KEY, EvictionInfo, from_meta_info, from_report

CALL_KEYS = ("eviction", "eviction_budget", "json_schema")


class ChatLookaheadKV(ChatOpenAI):
    """A chat model whose requests carry prompt-KV eviction settings.

    eviction: policy name for every request (None: the server's ``--eviction`` default;
    "none": off). eviction_budget: prompt entries kept per layer and KV head (None: the
    server's). Both can be overridden per call as keyword arguments.
    """

    eviction: str | None = None
    eviction_budget: int | None = Field(default=None, gt=0)
    json_schema: dict | None = None
    """Constrain every reply to this JSON schema (the server's structured output, sent as
    ``response_format`` in the extra body so the plain ``create`` path is used)."""
    model_name: str = Field(default="default", alias="model")
    stream_usage: bool | None = True

    @model_validator(mode="before")
    @classmethod
    def _local_key(cls, values: Any) -> Any:
        """SGLang checks no API key; the OpenAI client insists on one."""
        if isinstance(values, dict) and not (values.get("api_key") or values.get("openai_api_key")):
            values = {**values, "api_key": os.environ.get("OPENAI_API_KEY", "EMPTY")}
        return values

    @property
    def _llm_type(self) -> str:
        return "lookaheadkv-sglang"

    def _effective(self, kwargs: dict[str, Any]) -> tuple[str | None, int | None]:
        return kwargs.get("eviction", self.eviction), kwargs.get(
            "eviction_budget", self.eviction_budget
        )

    def _get_request_payload(
        self, input_: Any, *, stop: list[str] | None = None, **kwargs: Any
    ) -> dict:
        policy, budget = self._effective(kwargs)
        schema = kwargs.get("json_schema", self.json_schema)
        for key in CALL_KEYS:
            kwargs.pop(key, None)
        payload = super()._get_request_payload(input_, stop=stop, **kwargs)
        extra = dict(payload.get("extra_body") or {})
        custom = dict(extra.get("custom_params") or {})
        if policy is not None:
            custom["eviction"] = policy
        if budget is not None:
            custom["eviction_budget"] = int(budget)
        if custom:
            extra["custom_params"] = custom
        if schema is not None:
            extra["response_format"] = {
                "type": "json_schema",
                "json_schema": {"name": "reply", "schema": schema},
            }
        if not payload.get("stream"):
            extra["return_meta_info"] = True
        payload["extra_body"] = extra
        return payload

    def _create_chat_result(self, response: Any, generation_info: dict | None = None) -> ChatResult:
        result = super()._create_chat_result(response, generation_info)
        raw = response if isinstance(response, dict) else response.model_dump()
        for gen, choice in zip(result.generations, raw.get("choices") or [], strict=False):
            info = from_meta_info(choice.get("meta_info"))
            if info is not None:
                gen.message.response_metadata[META_KEY] = info.as_dict()
        return result

    def _convert_chunk_to_generation_chunk(
        self, chunk: dict, default_chunk_class: type, base_generation_info: dict | None
    ) -> ChatGenerationChunk | None:
        out = super()._convert_chunk_to_generation_chunk(
            chunk, default_chunk_class, base_generation_info
        )
        choices = chunk.get("choices") or []
        meta = chunk.get("meta_info") or (choices[0].get("meta_info") if choices else None)
        info = from_report(chunk.get(META_KEY)) or from_meta_info(meta)
        if out is not None and info is not None:
            out.message.response_metadata[META_KEY] = info.as_dict()
        return out


def eviction_of(message: BaseMessage) -> EvictionInfo | None:
    """The eviction summary attached to a response message (or a merged stream), if any."""
    raw = message.response_metadata.get(META_KEY)
    if not isinstance(raw, dict):
        return None
    return EvictionInfo(**raw)
