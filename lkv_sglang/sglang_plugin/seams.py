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
BATCH_RESULT = (
    "sglang.srt.managers.scheduler_components.batch_result_processor.SchedulerBatchResultProcessor"
)
FORWARD_BATCH = "sglang.srt.model_executor.forward_batch_info.ForwardBatch"
RADIX_ATTENTION = "sglang.srt.layers.radix_attention.RadixAttention"
OUTPUT_STREAMER = "sglang.srt.managers.scheduler_components.output_streamer.SchedulerOutputStreamer"
SAMPLING_PARAMS = "sglang.srt.sampling.sampling_params.SamplingParams"


class Seam(NamedTuple):
    """``target``: dotted path patched; ``kind``: HookType name; ``handler``: "module:function"
    relative to ``lkv_sglang.sglang_plugin``; ``why``: what the hook does there."""

    target: str
    kind: str
    handler: str
    why: str


SEAMS: tuple[Seam, ...] = (
    Seam(
        f"{SERVER_ARGS}.add_cli_args",
        "AFTER",
        "cli:add_cli_args",
        "add --eviction, --eviction-budget, --lookahead-path",
    ),
    Seam(
        f"{SERVER_ARGS}.from_cli_args",
        "AFTER",
        "cli:from_cli_args",
        "validate the flags at start-up; carry them to the subprocesses",
    ),
    Seam(
        f"{SCHEDULER}.__init__",
        "AFTER",
        "scheduler:after_scheduler_init",
        "refuse unsupported server settings; load the lookahead module",
    ),
    Seam(
        f"{SCHEDULER}.get_next_batch_to_run",
        "BEFORE",
        "admission:before_next_batch",
        "reopen admission (batch_is_full) after pruning freed memory",
    ),
    Seam(
        f"{SCHEDULER}.on_idle",
        "AFTER",
        "accounting:after_on_idle",
        "log SGLang's free/evictable token counts when idle (accounting log)",
    ),
    Seam(
        f"{SAMPLING_PARAMS}.verify",
        "AFTER",
        "requests:after_sampling_params_verify",
        "reject a bad per-request override with a 400",
    ),
    Seam(
        f"{REQ}.__init__",
        "AFTER",
        "requests:after_req_init",
        "resolve the request's policy/budget (server default or override)",
    ),
    Seam(
        f"{REQ}.reset_for_retract",
        "AFTER",
        "requests:after_reset_for_retract",
        "a retracted request re-prefills with logical positions and is pruned again",
    ),
    Seam(
        f"{FORWARD_BATCH}.init_new",
        "AFTER",
        "forward:after_forward_batch_init",
        "decode: logical RoPE positions; extend: which query rows to observe",
    ),
    Seam(
        f"{RADIX_ATTENTION}.forward",
        "AFTER",
        "forward:after_radix_attention",
        "observe prompt queries' attention over the request's keys (snapkv, h2o, ...)",
    ),
    Seam(
        f"{BATCH_RESULT}.process_batch_result_prefill",
        "AROUND",
        "prefill:around_prefill_result",
        "after the last prefill chunk: score, select, compact, free",
    ),
    Seam(
        f"{OUTPUT_STREAMER}.is_request_level_customized_info_key",
        "AROUND",
        "meta:around_request_level_key",
        "report the eviction summary once per request in meta_info",
    ),
)

# SGLang APIs the handlers call (not patched); checked by the same test.
CALLED: tuple[str, ...] = (
    "sglang.srt.mem_cache.base_prefix_cache.MatchPrefixParams",
    "sglang.srt.mem_cache.radix_cache.RadixKey",
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
