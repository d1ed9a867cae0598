"""Radix cache off, forced retraction, and the Triton kernels: answers and exact accounting. One
server per variant, one at a time (chunked prefill with the radix cache on and the torch
references is ``test_server_tiny``'s server).

The ``triton`` variants run the plugin's scoring and compaction through ``lkv_kernels``' Triton
kernels (``LKV_KERNELS=triton``; Triton's interpreter on this CPU, natively on a GPU) and must
give the same tokens as the transformers reference, as the torch path does: the copy into fresh
slots with the radix cache on, and the in-place compaction with it off (there with at most two
requests per lookahead pass, ``--lookahead-batch 2``). The ``page16`` variants run with
``--page-size 16``: the pool then holds whole pages, counted as such."""

from __future__ import annotations

import concurrent.futures as cf
import random

import pytest

from lkv_sglang.launcher import start_server

pytestmark = pytest.mark.sglang

BUDGET, NEW = 10, 10
TRITON = {"LKV_KERNELS": "triton", "TRITON_INTERPRET": "1"}
OFF = "--disable-overlap-schedule"
RETRACT = {"SGLANG_TEST_RETRACT": "1", "SGLANG_TEST_RETRACT_INTERVAL": "5"}
VARIANTS = {  # name: (flags, environment); without OFF: SGLang's default overlap scheduler
    "no-radix": ([OFF, "--disable-radix-cache"], {}),
    "retract": ([OFF], RETRACT),
    "retract-overlap": ([], RETRACT),
    "triton": ([OFF], TRITON),
    "no-radix-triton": ([OFF, "--disable-radix-cache", "--lookahead-batch", "2"], TRITON),
    "page16-triton": ([OFF, "--page-size", "16"], TRITON),
    "no-radix-page16": ([OFF, "--disable-radix-cache", "--page-size", "16"], {}),
    "no-insert": (["--eviction-no-tree-insert"], {}),
    "no-insert-page16": (["--eviction-no-tree-insert", "--page-size", "16"], {}),
}


def page_of(name: str) -> int:
    flags = VARIANTS[name][0]
    return int(flags[flags.index("--page-size") + 1]) if "--page-size" in flags else 1


def whole_pages(n: int, page: int) -> int:
    return -(-n // page) * page


ALL = [v for v in VARIANTS if v != "retract-overlap"]  # that one runs the retraction test only
UNRETRACTED = [v for v in VARIANTS if not v.startswith("retract")]  # deterministic answers
RADIX_KEPT = [v for v in UNRETRACTED if not v.startswith(("no-radix", "no-insert"))]


def in_place(name: str) -> bool:
    """Compaction in the request's own slots: nothing of its prompt went into the tree."""
    return name.startswith(("no-radix", "no-insert"))


@pytest.fixture(scope="module")
def variant(request, tiny_llama_dir, tiny_lookahead, tmp_path_factory):
    _, ckpt = tiny_lookahead
    extra, env = VARIANTS[request.param]
    flags = [
        "--eviction",
        "h2o",
        "--eviction-budget",
        str(BUDGET),
        "--lookahead-path",
        str(ckpt),
        *extra,
    ]
    server = start_server(tiny_llama_dir, flags, tmp_path_factory.mktemp(request.param), env=env)
    yield request.param, server
    server.stop()


@pytest.mark.parametrize("variant", ["retract", "retract-overlap"], indirect=True)
def test_retracted_requests_are_repruned_and_release_exactly(variant, tiny_hf, prompts):
    """SGLang retracts running requests every few steps (its test switch); a retracted request
    re-prefills (hitting its own unpruned prompt in the radix tree) and is pruned again. Its
    continuation may differ from an unretracted run, so only completion, re-pruning and
    accounting are checked."""
    name, server = variant
    rnd = random.Random(21)
    cases = [prompts(rnd, 40 + 7 * i, tiny_hf.config.vocab_size) for i in range(4)]
    start = server.wait_idle()
    n_prunes = len(server.events("prune"))
    with cf.ThreadPoolExecutor(4) as pool:
        outs = list(pool.map(lambda ids: server.generate(ids, 30, {"eviction": "snapkv"}), cases))
    assert all(len(o["output_ids"]) == 30 for o in outs)
    prunes = server.events("prune")[n_prunes:]
    assert sum(p["pruned"] for p in prunes) > 4, "expected re-prefills after retraction, re-pruned"
    assert all(p["pruned"] for p in prunes), [p for p in prunes if not p["pruned"]]
    end = server.wait_idle()
    assert (
        end["used"] == 0
        and end["available"] + end["evictable"] == start["available"] + start["evictable"]
    )


@pytest.mark.parametrize("variant", ALL, indirect=True)
@pytest.mark.parametrize("policy", ["h2o", "snapkv", "lookaheadkv"])
def test_matches_reference_and_frees_exactly(
    variant, tiny_hf, tiny_lookahead, prompts, ref, policy
):
    name, server = variant
    module, _ = tiny_lookahead
    ids = prompts(random.Random(5), 70, tiny_hf.config.vocab_size)
    start = server.wait_idle()
    out = server.generate(ids, NEW, {"eviction": policy})
    assert out["output_ids"] == ref(
        tiny_hf, ids, policy, BUDGET, NEW, lookahead=module if policy == "lookaheadkv" else None
    )
    prune = server.events("prune")[-1]
    assert prune["pruned"] and prune["after"]["used"] - start.get("used", 0) == whole_pages(
        BUDGET, page_of(name)
    )
    assert prune["mode"] == ("in_place" if in_place(name) else "copy")
    assert prune["kernels"] == ("triton" if name.endswith("triton") else "torch")
    if name.startswith("retract"):
        assert prune["pruned"]  # outputs may differ only if retracted mid-decode: checked above
    end = server.wait_idle()
    assert (
        end["used"] == 0
        and end["available"] + end["evictable"] == start["available"] + start["evictable"]
    )
    if in_place(name):
        assert end["available"] == start["available"]  # every slot back to the allocator


@pytest.mark.parametrize("variant", ALL, indirect=True)
def test_shared_prefix_across_chunks(variant, tiny_hf, prompts, ref, ref_prefix):
    """Scope "suffix": the matched prefix stays in the row, shared; only the own suffix is pruned."""
    name, server = variant
    rnd = random.Random(9)
    vocab = tiny_hf.config.vocab_size
    doc = prompts(rnd, 40, vocab)
    a_ids, b_ids = doc + prompts(rnd, 34, vocab), doc + prompts(rnd, 34, vocab)
    start = server.wait_idle()
    suffix = {"eviction": "snapkv", "eviction_scope": "suffix"}
    a = server.generate(a_ids, NEW, suffix)
    assert a["output_ids"] == ref(tiny_hf, a_ids, "snapkv", BUDGET, NEW)
    b = server.generate(b_ids, NEW, suffix)
    shared = b["meta_info"]["cached_tokens"]
    if in_place(name):
        assert shared == 0
    else:
        assert shared >= len(doc) // page_of(name) * page_of(
            name
        )  # the radix cache matches whole pages
    assert b["output_ids"] == ref_prefix(tiny_hf, b_ids, "snapkv", BUDGET, shared, NEW)
    end = server.wait_idle()
    assert (
        end["used"] == 0
        and end["available"] + end["evictable"] == start["available"] + start["evictable"]
    )


@pytest.mark.parametrize("variant", UNRETRACTED, indirect=True)
def test_concurrent_lookaheadkv_requests_share_one_pass(
    variant, tiny_hf, tiny_lookahead, prompts, ref
):
    """Requests that finish prefill in the same batch go through one lookahead pass (a ragged
    batch for the scoring kernel); each answer still equals its own single-request reference."""
    name, server = variant
    module, _ = tiny_lookahead
    rnd = random.Random(17)
    cases = [prompts(rnd, rnd.randint(20, 60), tiny_hf.config.vocab_size) for _ in range(8)]
    start = server.wait_idle()
    n_prunes = len(server.events("prune"))
    with cf.ThreadPoolExecutor(8) as pool:
        outs = list(
            pool.map(lambda ids: server.generate(ids, NEW, {"eviction": "lookaheadkv"}), cases)
        )
    for ids, out in zip(cases, outs, strict=True):
        assert out["output_ids"] == ref(tiny_hf, ids, "lookaheadkv", BUDGET, NEW, lookahead=module)
    prunes = server.events("prune")[n_prunes:]
    assert len(prunes) == 8 and all(p["pruned"] for p in prunes)
    sizes = [p["lookahead_batch"] for p in prunes]
    assert 2 <= max(sizes) <= (2 if "--lookahead-batch" in VARIANTS[name][0] else 8), sizes
    end = server.wait_idle()
    assert (
        end["used"] == 0
        and end["available"] + end["evictable"] == start["available"] + start["evictable"]
    )
