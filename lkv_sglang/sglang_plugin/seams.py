"""Every seam into SGLang, in one place, with the SGLang version they were written against.

A seam is a dotted target that ``HookRegistry`` patches, plus the hook kind and the handler
(``module:function`` inside this package). SGLang's ``apply_hooks`` only *logs* a target that
no longer resolves, so ``tests/sglang/test_seams.py`` checks every target here still exists.
"""

from __future__ import annotations

from typing import NamedTuple

SGLANG_VERSION = "0.5.23"  # the version every target below was read from

SERVER_ARGS = "sglang.srt.server_args.ServerArgs"
SCHEDULER = "sglang.srt.managers.scheduler.Scheduler"
REQ = "sglang.srt.managers.schedule_batch.Req"
FORWARD_BATCH = "sglang.srt.model_executor.forward_batch_info.ForwardBatch"
RADIX_ATTENTION = "sglang.srt.layers.radix_attention.RadixAttention"
OUTPUT_STREAMER = "sglang.srt.managers.scheduler_components.output_streamer.SchedulerOutputStreamer"
SAMPLING_PARAMS = "sglang.srt.sampling.sampling_params.SamplingParams"
TOKENIZER_MANAGER = "sglang.srt.managers.tokenizer_manager.TokenizerManager"
OPENAI_CHAT = "sglang.srt.entrypoints.openai.serving_chat.OpenAIServingChat"


class Seam(NamedTuple):
    """``target``: dotted path patched; ``kind``: HookType name; ``handler``: "module:function"
    relative to ``lkv_sglang.sglang_plugin``; ``why``: what the hook does there."""

    target: str
    kind: str
    handler: str
    why: str


SEAMS: tuple[Seam, ...] = (
    # start-up (launcher): the flags
    Seam(f"{SERVER_ARGS}.add_cli_args", "AFTER", "cli:add_cli_args", "add the --eviction* flags"),
    Seam(
        f"{SERVER_ARGS}.from_cli_args",
        "AFTER",
        "cli:from_cli_args",
        "validate the flags at start-up; carry them to the subprocesses",
    ),
    # a request's life, in order (lifecycle.py)
    Seam(
        f"{SCHEDULER}.__init__",
        "AFTER",
        "lifecycle:after_scheduler_init",
        "0. refuse unsupported server settings; load the lookahead module",
    ),
    Seam(
        f"{TOKENIZER_MANAGER}._validate_one_request",
        "AFTER",
        "lifecycle:after_validate_one_request",
        "1. an empty prompt is a 400 (SGLang would run a 0-token batch and die)",
    ),
    Seam(
        f"{SAMPLING_PARAMS}.verify",
        "AFTER",
        "lifecycle:after_sampling_params_verify",
        "1. reject a bad per-request override with a 400",
    ),
    Seam(
        f"{REQ}.__init__",
        "AFTER",
        "lifecycle:after_req_init",
        "2. resolve the request's policy/budget/scope (server default or override)",
    ),
    Seam(
        f"{REQ}._compute_max_prefix_len",
        "AFTER",
        "lifecycle:after_compute_max_prefix_len",
        "3. cap the radix match so the observed prompt queries are recomputed (scope prompt)",
    ),
    Seam(
        f"{SCHEDULER}.run_batch",
        "BEFORE",
        "lifecycle:before_run_batch",
        "4. record what the radix cache matched, at a request's first prefill chunk",
    ),
    Seam(
        f"{FORWARD_BATCH}.init_new",
        "AFTER",
        "lifecycle:after_forward_batch_init",
        "4./7. extend: which query rows to observe; decode: logical RoPE positions",
    ),
    Seam(
        f"{RADIX_ATTENTION}.forward",
        "AFTER",
        "lifecycle:after_radix_attention",
        "4. observe prompt queries' attention over the request's keys (snapkv, h2o, ...)",
    ),
    Seam(
        f"{SCHEDULER}.run_batch",
        "AFTER",
        "lifecycle:after_run_batch",
        "5. after the last prefill chunk, before any batch holds the request: score, select, "
        "compact, report",
    ),
    Seam(
        f"{SCHEDULER}.get_next_batch_to_run",
        "BEFORE",
        "lifecycle:before_next_batch",
        "6. reopen admission (batch_is_full) after pruning freed memory",
    ),
    Seam(
        f"{REQ}.reset_for_retract",
        "AFTER",
        "lifecycle:after_reset_for_retract",
        "8. a retracted request re-prefills with logical positions and is pruned again",
    ),
    Seam(
        f"{OUTPUT_STREAMER}.is_request_level_customized_info_key",
        "AROUND",
        "lifecycle:around_request_level_key",
        "9. report the eviction summary once per request in meta_info",
    ),
    Seam(
        f"{TOKENIZER_MANAGER}.generate_request",
        "AROUND",
        "report:around_generate_request",
        "9. remember each response's report for the OpenAI stream (HTTP process)",
    ),
    Seam(
        f"{OPENAI_CHAT}._generate_chat_stream",
        "AROUND",
        "report:around_chat_stream",
        "9. the OpenAI chat stream's last chunk carries the report",
    ),
    Seam(
        f"{SCHEDULER}.on_idle",
        "AFTER",
        "accounting:after_on_idle",
        "log SGLang's free/evictable token counts when idle (accounting log)",
    ),
)

# SGLang APIs the handlers call (not patched); checked by the same test.
CALLED: tuple[str, ...] = (
    "sglang.srt.mem_cache.base_prefix_cache.MatchPrefixParams",
    "sglang.srt.mem_cache.radix_cache.RadixKey",
    "sglang.srt.mem_cache.common.checkpoint_kv_cache",
    "sglang.srt.mem_cache.unified_radix_cache.UnifiedRadixCache.match_prefix",
    "sglang.srt.mem_cache.unified_radix_cache.UnifiedRadixCache.lock",
    "sglang.srt.mem_cache.unified_radix_cache.UnifiedRadixCache.unlock",
    "sglang.srt.mem_cache.unified_radix_cache.UnifiedRadixCache.evictable_size",
    "sglang.srt.mem_cache.allocator.base.BaseTokenToKVPoolAllocator.evict_to_free_tokens",
    "sglang.srt.mem_cache.allocator.base.BaseTokenToKVPoolAllocator.available_size",
    "sglang.srt.mem_cache.memory_pool.MHATokenToKVPool.get_key_buffer",
    "sglang.srt.mem_cache.memory_pool.MHATokenToKVPool.get_value_buffer",
    "sglang.srt.runtime_context.get_parallel",
    "sglang.srt.distributed.tensor_model_parallel_all_reduce",
)
