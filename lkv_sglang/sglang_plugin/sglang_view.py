"""One typed view of SGLang 0.5.23: every attribute the plugin reads or writes, by name.

The rest of the plugin never touches a private SGLang attribute directly; it calls these small
accessors, so a change in SGLang is one edit here. ``ATTRIBUTES`` lists every attribute used,
per SGLang class, and ``tests/sglang/test_seams.py`` checks that each still exists.

Terms: a request's *row* is its ``req_to_token`` row (slot of each position); its *KV length*
is how many positions the row holds; its *protected length* is the prefix the radix tree owns.
"""

from __future__ import annotations

import torch

SCHEDULE_BATCH = "sglang.srt.managers.schedule_batch"

# SGLang class (dotted) -> attributes this module reads or writes on its instances.
ATTRIBUTES: dict[str, tuple[str, ...]] = {
    f"{SCHEDULE_BATCH}.Req": (
        "rid",
        "origin_input_ids",
        "sampling_params",
        "kv",
        "lock",
        "last_node",
        "extra_key",
        "cache_salt",
        "skip_radix_cache_insert",
        "customized_info",
        "is_retracted",
        "finished",
    ),
    f"{SCHEDULE_BATCH}.ReqKvInfo": (
        "req_pool_idx",
        "cache_protected_len",
        "kv_committed_len",
        "kv_allocated_len",
        "holds_kv",
    ),
    f"{SCHEDULE_BATCH}.ScheduleBatch": (
        "reqs",
        "decoding_reqs",
        "seq_lens",
        "seq_lens_cpu",
        "orig_seq_lens",
        "seq_lens_sum",
        "batch_is_full",
        "chunked_req",
        "forward_mode",
    ),
    "sglang.srt.managers.scheduler.Scheduler": (
        "token_to_kv_pool_allocator",
        "req_to_token_pool",
        "tree_cache",
        "model_worker",
        "forward_stream_ctx",
        "device",
        "max_total_num_tokens",
        "server_args",
    ),
    "sglang.srt.model_executor.forward_batch_info.ForwardBatch": (
        "forward_mode",
        "positions",
        "extend_prefix_lens_cpu",
        "extend_seq_lens_cpu",
    ),
    "sglang.srt.mem_cache.memory_pool.MHATokenToKVPool": (
        "start_layer",
        "layer_num",
        "head_num",
        "get_key_buffer",
        "get_value_buffer",
    ),
    "sglang.srt.layers.radix_attention.RadixAttention": (
        "layer_id",
        "tp_q_head_num",
        "qk_head_dim",
        "scaling",
    ),
}


# ---------------------------------------------------------------- requests


def prompt_len(req) -> int:
    return len(req.origin_input_ids)


def custom_params(req) -> object:
    return getattr(req.sampling_params, "custom_params", None)


def max_new_tokens(req) -> int | None:
    return getattr(req.sampling_params, "max_new_tokens", None)


def pool_row(req) -> int:
    """The request's ``req_to_token`` row."""
    return int(req.kv.req_pool_idx)


def kv_len(req) -> int:
    """Positions the request's row holds (committed KV)."""
    return int(req.kv.kv_committed_len)


def set_kv_len(req, n: int) -> None:
    """The request's row now holds ``n`` positions (committed and allocated)."""
    req.kv.kv_committed_len = n
    req.kv.kv_allocated_len = n


def protected_len(req) -> int:
    """Prefix of the row that the radix tree owns (matched or inserted)."""
    return int(req.kv.cache_protected_len)


def set_protected_len(req, n: int) -> None:
    req.kv.cache_protected_len = n


def is_gone(req) -> bool:
    """Finished, retracted or holding no KV: nothing of it may be pruned now."""
    return req.finished() or req.is_retracted or not req.kv.holds_kv


def skips_tree_insert(req) -> bool:
    return bool(req.skip_radix_cache_insert)


def set_skip_tree_insert(req, skip: bool) -> None:
    req.skip_radix_cache_insert = skip


def radix_key(req, n: int):
    """The radix key of the request's first ``n`` prompt tokens."""
    from sglang.srt.mem_cache.radix_cache import RadixKey

    return RadixKey(req.origin_input_ids[:n], req.extra_key, cache_salt=req.cache_salt)


def tree_lock(req):
    return req.lock


def set_tree_lock(req, lock, node) -> None:
    req.lock = lock
    req.last_node = node


def attach_info(req, key: str, value) -> None:
    """Put ``value`` under ``key`` in what SGLang reports as the request's meta_info."""
    info = req.customized_info if req.customized_info is not None else {}
    info[key] = value
    req.customized_info = info


def request_id(req) -> str:
    return req.rid


def has_no_other_input(obj) -> bool:
    """A ``GenerateReqInput`` that carries no embeddings or multimodal data besides its ids."""
    names = ("input_embeds", "image_data", "video_data", "audio_data")
    return all(getattr(obj, name, None) in (None, [], "") for name in names)


# ---------------------------------------------------------------- batches
def batch_requests(batch) -> list:
    return list(batch.reqs or ())


def decoding_ids(batch) -> set[int]:
    """ids of the batch's requests that are decoding (not prefilling) in a mixed batch."""
    return {id(r) for r in (batch.decoding_reqs or ())}


def chunked_request(batch):
    """The request whose prefill chunk in ``batch`` is not its last (None when every one is)."""
    return getattr(batch, "chunked_req", None)


def set_batch_kv_len(batch, i: int, n: int) -> None:
    """Row ``i`` of ``batch`` now holds ``n`` KV entries (the merged decode batch inherits it)."""
    for name in ("seq_lens", "seq_lens_cpu", "orig_seq_lens"):
        t = getattr(batch, name, None)
        if t is not None:
            t = t.clone()  # never mutate a tensor a ForwardBatch may alias
            t[i] = n
            setattr(batch, name, t)
    batch.seq_lens_sum = None


def reopen_admission(batch) -> None:
    """Clear SGLang's "running batch is full" mark so waiting requests are tried again."""
    if batch is not None:
        batch.batch_is_full = False


# ---------------------------------------------------------------- forward batches
def is_extend(forward_batch) -> bool:
    return forward_batch.forward_mode.is_extend()


def is_decode(forward_batch) -> bool:
    return forward_batch.forward_mode.is_decode()


def is_idle(forward_batch) -> bool:
    return forward_batch.forward_mode.is_idle()


def extend_lens(forward_batch) -> tuple[tuple[int, ...], tuple[int, ...]] | None:
    """(prefix lengths, extend lengths) of an extend batch, or None when SGLang gave none."""
    prefix, ext = forward_batch.extend_prefix_lens_cpu, forward_batch.extend_seq_lens_cpu
    if prefix is None or ext is None:
        return None
    return tuple(prefix), tuple(ext)


def add_to_positions(forward_batch, offsets: list[int]) -> None:
    """Decode: add each request's logical-position offset to its RoPE position."""
    pos = forward_batch.positions
    if len(offsets) != pos.shape[0]:
        raise RuntimeError(f"lkv_sglang: {pos.shape[0]} decode rows for {len(offsets)} requests")
    forward_batch.positions = pos + torch.tensor(offsets, dtype=pos.dtype, device=pos.device)


# ---------------------------------------------------------------- scheduler components
def allocator(owner):
    """``owner``: the Scheduler or its batch-result processor."""
    return owner.token_to_kv_pool_allocator


def kv_pool(owner):
    return owner.token_to_kv_pool_allocator.get_kvcache()


def req_to_token(owner) -> torch.Tensor:
    return owner.req_to_token_pool.req_to_token


def tree(owner):
    return owner.tree_cache


def served_model(owner):
    """The served model module (``owner``: the Scheduler or its batch-result processor)."""
    return owner.model_worker.model_runner.model


def on_forward_stream(sched):
    """A context in which work is queued on SGLang's forward stream (GPU), after the forward that
    wrote the prompt KV and before the next one, which may reuse the slots pruning frees or
    unlocks; the CPU engine's streams are stubs and its forward is synchronous."""
    import contextlib

    ctx = getattr(sched, "forward_stream_ctx", None)
    if ctx is None or getattr(sched, "device", "cpu") == "cpu":
        return contextlib.nullcontext()
    return ctx


def publish_prompt(req, tree_cache) -> None:
    """Insert the request's unpruned prompt into the radix tree now (SGLang would do it when the
    prefill result is processed; pruning comes first), unless the request may not be inserted."""
    from sglang.srt.mem_cache.common import checkpoint_kv_cache

    if not req.skip_radix_cache_insert:
        checkpoint_kv_cache(req, tree_cache)


def pool_size(sched) -> int:
    """Tokens SGLang's KV pool holds in all."""
    return int(sched.max_total_num_tokens)


def model_path(sched) -> str:
    return sched.server_args.model_path


def page_size(alloc) -> int:
    return max(int(getattr(alloc, "page_size", 1) or 1), 1)


def layer_ids(pool) -> range:
    return range(pool.start_layer, pool.start_layer + pool.layer_num)


def pool_heads(pool) -> int:
    """KV heads this rank holds."""
    return int(pool.head_num)


def runner_pools(model_runner) -> tuple[torch.Tensor, object]:
    """(req_to_token, KV pool) as the model runner sees them during a forward."""
    return model_runner.req_to_token_pool.req_to_token, model_runner.token_to_kv_pool


def attention_geometry(layer) -> tuple[int, int, int, float]:
    """(layer id, local query heads, head dim, softmax scale) of a ``RadixAttention``."""
    return layer.layer_id, layer.tp_q_head_num, layer.qk_head_dim, layer.scaling
