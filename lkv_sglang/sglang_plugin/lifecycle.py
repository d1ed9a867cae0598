"""The plugin as one request's life: every SGLang hook handler, in the order a request meets them.

0. start-up (every scheduler process / TP rank): ``after_scheduler_init`` refuses what pruning
   cannot run with and loads the lookahead module.
1. HTTP process: ``after_sampling_params_verify`` turns a bad per-request override into a 400.
2. request created (scheduler): ``after_req_init`` attaches its ``PruneState`` (policy, budget,
   scope), or nothing when it is not pruned.
3. admission: ``after_compute_max_prefix_len`` caps the radix match so the prompt queries its
   policy observes are recomputed (scope "prompt"): snapkv's last window; none of h2o's.
4. each prefill chunk: ``before_run_batch`` records what the radix cache matched (first chunk);
   in the forward, ``after_forward_batch_init`` plans which query rows to observe and
   ``after_radix_attention`` adds their attention to the request's sums (``observe``).
5. last chunk done: ``after_run_batch`` -- right after the prefill forward, before SGLang builds
   any batch holding the request (both the normal and the overlap scheduler) -- publishes the
   unpruned prompt to the radix tree, runs the lookahead pass (``scoring``), selects with the
   core, compacts (``compact``), sets the batch's KV lengths and attaches the report.
6. next batch: ``before_next_batch`` reopens admission (pruning freed memory).
7. decode: ``after_forward_batch_init`` adds the request's offset to its RoPE positions.
8. retraction: ``after_reset_for_retract``: it re-prefills and is pruned again.
9. report: ``around_request_level_key`` sends ``meta_info["lkv_eviction"]`` (``report``).
10. release: SGLang's own; the row holds only the request's own slots past what the tree owns.
"""

from __future__ import annotations

import logging
import time

import torch

from . import sglang_view as sv
from .accounting import log_event, pool_counts
from .compact import NoRoom, compact_request
from .config import KEY_BUDGET, KEY_POLICY, KEY_SCOPE, SettingsError, request_settings
from .observe import capture_plan, observe_layer
from .report import attach_summary, is_report_key
from .runtime import RUNTIME
from .scoring import exceeds_budget, keep_plan, kernels_used, lookahead_scores, uses_lookahead
from .state import ATTR, PruneState, state_of

logger = logging.getLogger(__name__)


# ---------------------------------------------------------------- 0. start-up
def after_scheduler_init(result, sched, *args, **kwargs) -> None:
    """AFTER ``Scheduler.__init__``."""
    from .compat import scheduler_problems

    settings = RUNTIME.settings
    RUNTIME.lookahead = None
    RUNTIME.max_total_tokens = sv.pool_size(sched)
    if settings.policy == "none":
        return
    bad = scheduler_problems(sched)
    if bad:
        raise RuntimeError(
            f"lkv_sglang: --eviction {settings.policy} cannot run with: " + "; ".join(bad)
        )
    if settings.lookahead_path:
        from .lookahead_pass import load_for_model

        RUNTIME.lookahead = load_for_model(
            sv.served_model(sched), settings.lookahead_path, sv.model_path(sched)
        )


# ---------------------------------------------------------------- 1. HTTP process
def overrides(params: object) -> bool:
    return isinstance(params, dict) and any(
        k in params for k in (KEY_POLICY, KEY_BUDGET, KEY_SCOPE)
    )


def after_validate_one_request(result, manager, obj, input_ids, *args, **kwargs) -> None:
    """AFTER ``TokenizerManager._validate_one_request``: an empty prompt is a 400 (SGLang 0.5.23
    would otherwise run a 0-token batch, which kills the scheduler and every request in it).
    Checked with pruning on or off."""
    if not input_ids and sv.has_no_other_input(obj):
        raise ValueError("the prompt is empty (text '' or input_ids []): send at least one token")


def after_sampling_params_verify(result, sampling_params, *args, **kwargs) -> None:
    """AFTER ``SamplingParams.verify``: a ``ValueError`` here becomes an HTTP 400 with its text."""
    params = getattr(sampling_params, "custom_params", None)
    if overrides(params) and not RUNTIME.active:
        raise ValueError(
            f"custom_params.{KEY_POLICY}/{KEY_BUDGET}/{KEY_SCOPE} given, but prompt-KV pruning is "
            "off on this server (it was started with --eviction none); start it with --eviction POLICY"
        )
    if not RUNTIME.active:
        return
    try:
        settings = request_settings(params, RUNTIME.settings)
    except SettingsError as e:
        raise ValueError(str(e)) from None
    beam = getattr(sampling_params, "beam_width", None)
    if settings.active and beam is not None and beam > 1:
        raise ValueError(
            f"beam_width={beam}: beam search is not served with prompt-KV pruning (beams share "
            "the leader's prompt slots); send beam_width 1, or custom_params.eviction 'none'"
        )


# ---------------------------------------------------------------- 2. request created
def after_req_init(result, req, *args, **kwargs) -> None:
    """AFTER ``Req.__init__``: attach a ``PruneState`` when the request is to be pruned."""
    setattr(req, ATTR, None)
    if not RUNTIME.active:
        return
    try:
        settings = request_settings(sv.custom_params(req), RUNTIME.settings)
    except SettingsError:
        return  # already refused with a 400 by the HTTP process; never prune on a bad value
    if settings.active and sv.max_new_tokens(req) != 0:  # 0: prefill only (n > 1 warm-up)
        own_skip = sv.skips_tree_insert(req)
        setattr(req, ATTR, PruneState(settings, skip_insert_before=own_skip))
        if not RUNTIME.settings.tree_insert:
            sv.set_skip_tree_insert(req, True)


# ---------------------------------------------------------------- 3. admission
def after_compute_max_prefix_len(result: int, req, *args, **kwargs) -> int | None:
    """AFTER ``Req._compute_max_prefix_len``: with scope "prompt", a radix match stops before
    the first prompt query the request's policy observes (the tree pages the cap down), so
    those queries run again and the kept set is the one a cold request would keep."""
    state = state_of(req)
    if state is None or state.pruned or state.settings.scope != "prompt":
        return None
    n = sv.prompt_len(req)
    first = RUNTIME.policy(state.settings.policy).prompt_queries(n).start
    return min(result, first) if first < n else None


# ---------------------------------------------------------------- 4. prefill chunks
def before_run_batch(sched, batch, *args, **kwargs) -> None:
    """BEFORE ``Scheduler.run_batch``: record what the radix cache matched, at the first chunk."""
    if not RUNTIME.active or not sv.is_extend(batch):
        return None
    decoding = sv.decoding_ids(batch)
    for req in sv.batch_requests(batch):
        state = state_of(req)
        if state is not None and state.shared_len is None and id(req) not in decoding:
            state.shared_len = sv.protected_len(req)
    return None


def after_forward_batch_init(ret, cls, batch, model_runner, *args, **kwargs):
    """AFTER ``ForwardBatch.init_new``: a capture plan for extend, offsets for decode (7.)."""
    RUNTIME.capture = None
    if not batch.reqs or sv.is_idle(ret):
        return ret
    if sv.is_decode(ret):
        offsets = [s.position_offset if (s := state_of(r)) is not None else 0 for r in batch.reqs]
        if any(offsets):
            sv.add_to_positions(ret, offsets)
    elif sv.is_extend(ret):
        RUNTIME.capture = capture_plan(batch, ret, model_runner, RUNTIME.policy)
    return ret


def after_radix_attention(result, layer, q, k, v, forward_batch, *args, **kwargs):
    """AFTER ``RadixAttention.forward``: add observed queries' attention to the requests' sums."""
    plan = RUNTIME.capture
    if plan is not None and plan.matches(forward_batch):
        observe_layer(plan, layer, q)
    return result


# ---------------------------------------------------------------- 5. last chunk done
def after_run_batch(result, sched, batch, *args, **kwargs):
    """AFTER ``Scheduler.run_batch``: prune every request whose last prefill chunk just ran."""
    if not RUNTIME.active or not sv.is_extend(batch):
        return result
    decoding = sv.decoding_ids(batch)
    chunked = sv.chunked_request(batch)
    live = []
    for i, req in enumerate(sv.batch_requests(batch)):
        state = state_of(req)
        if state is None or state.pruned or id(req) in decoding or req is chunked:
            continue
        if sv.is_gone(req):
            state.forget_observation()
            continue
        live.append((i, req, state))
    if not live:
        return result
    with sv.on_forward_stream(sched):  # GPU: ordered after this forward, before the next
        prune_batch(sched, batch, live)
    return result


def prune_batch(sched, batch, live: list) -> None:
    """Publish, score, select, agree across ranks, compact and report ``live`` requests."""
    for _, req, _ in live:
        sv.publish_prompt(req, sv.tree(sched))
    t0 = time.perf_counter()
    try:
        scores, pass_error = lookahead_scores(sched, [(req, st) for _, req, st in live]), None
    except Exception as e:  # nothing has changed yet: those requests are served unpruned
        logger.exception("lkv_sglang: the lookahead pass over %d requests failed", len(live))
        scores, pass_error = {}, f"{type(e).__name__}: {e}"
    share = (time.perf_counter() - t0) * 1000 / max(len(scores), 1)  # each request's part
    prunes = []
    for i, req, state in live:
        mine, pass_batch = scores.get(id(req), (None, 0))
        prune = Prune(i, req, state, share if mine is not None else 0.0, pass_batch)
        prunes.append(prune.plan(sched, mine, pass_error))
    agree_across_ranks(sched, prunes)  # TP: every rank compacts the same requests, or none does
    for prune in prunes:
        prune.finish(sched, batch)


class Prune:
    """One request's pruning in two steps: ``plan`` (score and select; nothing changes) and
    ``finish`` (compact, set the batch's KV length, report). Any failure leaves the request
    whole and says so in its report."""

    def __init__(self, i: int, req, state: PruneState, shared_ms: float, pass_batch: int):
        self.i, self.req, self.state = i, req, state
        self.t0 = time.perf_counter() - shared_ms / 1000  # its share of the lookahead passes
        self.keep = None  # the core's KeepPlan, or None: nothing to do
        n = sv.prompt_len(req)
        self.summary = {
            "policy": state.settings.policy,
            "budget": state.settings.budget,
            "scope": state.settings.scope,
            "prompt_tokens": n,
            "cached_prefix_tokens": state.shared_len or 0,
            "kept_tokens": n,
            "pruned": False,
            "eviction_ms": 0.0,
            "kv_tokens": sv.kv_len(req),
        }
        if pass_batch:
            self.summary["lookahead_batch"] = pass_batch  # requests scored together in one pass

    def fail(self, error: str) -> None:
        self.keep = None
        self.summary["error"] = error

    def plan(self, owner, lookahead: torch.Tensor | None, pass_error: str | None) -> Prune:
        if not exceeds_budget(self.req, self.state):
            return self
        try:
            if pass_error is not None and uses_lookahead(self.state):
                raise RuntimeError(f"the lookahead pass failed: {pass_error}")
            keep = keep_plan(owner, self.req, self.state, lookahead)
            self.keep = None if keep.is_full else keep
        except Exception as e:
            logger.exception("lkv_sglang: scoring request %s failed", sv.request_id(self.req))
            self.fail(f"{type(e).__name__}: {e}")
        return self

    def finish(self, owner, batch) -> None:
        req, state, summary = self.req, self.state, self.summary
        before = pool_counts(owner)
        if self.keep is not None:
            start = state.select_from
            try:
                done = compact_request(owner, req, self.keep, start, sv.prompt_len(req))
            except NoRoom as e:
                self.fail(str(e))
            except Exception as e:  # compaction raises before it changes the request's row
                logger.exception("lkv_sglang: compacting request %s failed", sv.request_id(req))
                self.fail(f"{type(e).__name__}: {e}")
            else:
                sv.set_batch_kv_len(batch, self.i, done.kv_len)
                state.pruned = True
                state.position_offset = done.released  # logical length - KV length, for RoPE
                RUNTIME.freed = True
                summary.update(
                    kept_tokens=start + self.keep.budgets[0],
                    pruned=True,
                    mode=done.mode,
                    kv_tokens=done.kv_len,
                    kernels=kernels_used(owner),
                )
        state.forget_observation()
        summary["eviction_ms"] = round((time.perf_counter() - self.t0) * 1000, 3)
        state.summary = summary
        attach_summary(req, summary)
        log_event(
            "prune", rid=sv.request_id(req), **summary, before=before, after=pool_counts(owner)
        )


def agree_across_ranks(owner, prunes: list[Prune]) -> None:
    """With tensor parallelism a request is compacted only if every rank planned it: ranks
    score their own KV heads, and one that failed would otherwise leave the ranks holding
    different KV lengths for the same request. One all-reduce (sum) of the planned flags."""
    from sglang.srt.runtime_context import get_parallel

    tp_size = get_parallel().tp_size
    if not prunes or tp_size == 1:
        return
    from sglang.srt.distributed import tensor_model_parallel_all_reduce

    pool = sv.kv_pool(owner)
    device = pool.get_key_buffer(pool.start_layer).device
    planned = torch.tensor([p.keep is not None for p in prunes], dtype=torch.int32, device=device)
    agreed = (tensor_model_parallel_all_reduce(planned) == tp_size).tolist()
    for prune, yes in zip(prunes, agreed, strict=True):
        if prune.keep is not None and not yes:
            prune.fail(
                "another tensor-parallel rank could not plan this request; all keep it whole"
            )


# ---------------------------------------------------------------- 6. next batch
def before_next_batch(sched, running_batch, last_batch=None, *args, **kwargs) -> None:
    """BEFORE ``Scheduler.get_next_batch_to_run``: reopen admission after a compaction.

    When a prefill could not admit a waiting request for lack of KV, SGLang marks the running
    batch full and clears that mark only when a request leaves; pruning frees (or makes
    evictable) most of a request's prompt slots without any request leaving."""
    if RUNTIME.freed:
        RUNTIME.freed = False
        sv.reopen_admission(running_batch)
        sv.reopen_admission(last_batch)
    return None


# ---------------------------------------------------------------- 8. retraction
def after_reset_for_retract(result, req, *args, **kwargs) -> None:
    """AFTER ``Req.reset_for_retract``: its KV was released; it re-prefills and is pruned again."""
    state = state_of(req)
    if state is not None:
        state.reset()
        sv.set_skip_tree_insert(req, state.skip_insert_before or not RUNTIME.settings.tree_insert)


# ---------------------------------------------------------------- 9. report
def around_request_level_key(original, streamer, key: str) -> bool:
    """AROUND ``SchedulerOutputStreamer.is_request_level_customized_info_key``."""
    return is_report_key(key) or original(streamer, key)
