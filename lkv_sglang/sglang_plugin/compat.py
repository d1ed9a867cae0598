"""SGLang settings that pruning does not support yet, each with what to change.

Refused rather than half-supported: each would corrupt a request's KV or accounting silently.
``incompatibilities`` checks the launcher's arguments; ``scheduler_problems`` re-checks in every
scheduler process (the ``sglang.Engine`` path never parses the CLI flags) with what only the
scheduler knows (its KV pool).
"""

from __future__ import annotations


def incompatibilities(server_args) -> list[str]:
    """One line per unsupported setting of ``server_args`` (a ``ServerArgs``); empty when fine."""
    bad = []
    if getattr(server_args, "enable_mixed_chunk", False):
        bad.append("--enable-mixed-chunk (a prefill chunk sharing a batch with decodes): remove it")
    if getattr(server_args, "speculative_algorithm", None):
        bad.append(
            "speculative decoding (draft KV is not pruned with the target's): remove --speculative-algorithm"
        )
    if (getattr(server_args, "pp_size", 1) or 1) > 1:
        bad.append(
            "pipeline parallelism (the lookahead pass runs every layer on one rank): use --pp-size 1"
        )
    if getattr(server_args, "enable_streaming_session", False):
        bad.append(
            "--enable-streaming-session (a session's next turn extends the pruned row at physical "
            "positions): remove it, or send the whole transcript per turn (the radix cache reuses it)"
        )
    if getattr(server_args, "enable_lora", False) or getattr(server_args, "lora_paths", None):
        bad.append(
            "--enable-lora / --lora-paths (adapters change the prompt KV the lookahead pass and the "
            "observed queries were computed for): remove them"
        )
    if getattr(server_args, "enable_dp_attention", False):
        bad.append(
            "--enable-dp-attention (ranks hold different requests, but the lookahead pass "
            "all-reduces across them): remove it; plain --dp-size replicas are fine"
        )
    graph = getattr(server_args, "cuda_graph_backend_prefill", None)
    if graph not in (None, "disabled"):
        bad.append(
            f"--cuda-graph-backend-prefill {graph} (a replayed prefill graph skips the attention "
            "hook that observes prompt queries): remove it; the plugin turns the prefill graph off"
        )
    if getattr(server_args, "enable_hierarchical_cache", False):
        bad.append("--enable-hierarchical-cache (host copies of a request's KV): remove it")
    if getattr(server_args, "disaggregation_mode", "null") not in (None, "null"):
        bad.append(
            "prefill/decode disaggregation (the KV transfer sends unpruned lengths): remove it"
        )
    return bad


SUPPORTED_POOLS = ("MHATokenToKVPool",)


def scheduler_problems(sched) -> list[str]:
    bad = incompatibilities(sched.server_args)
    pool = type(sched.token_to_kv_pool_allocator.get_kvcache()).__name__
    if pool not in SUPPORTED_POOLS:
        bad.append(
            f"KV pool {pool} (supported: {', '.join(SUPPORTED_POOLS)}: plain multi-head attention models)"
        )
    return bad


def turn_off_prefill_graph(server_args) -> None:
    """Pruning observes prompt queries inside ``RadixAttention.forward``, which a replayed prefill
    CUDA graph (on by default on CUDA in SGLang 0.5.23) skips: switch it off before SGLang
    resolves its graph settings. Decode graphs stay on (decode positions survive replay)."""
    server_args.disable_prefill_cuda_graph = True
