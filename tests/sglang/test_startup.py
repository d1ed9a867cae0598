"""Bad flags stop start-up with one clear line (checked before the model loads).

Three cases start the real launcher (about 20 s each on this machine); the rest call the same
check, ``settings_from_args``, in-process with SGLang's defaults.
"""

from __future__ import annotations

from argparse import Namespace
from types import SimpleNamespace

import pytest

from lkv_sglang.launcher import run_until_exit
from lkv_sglang.sglang_plugin.cli import settings_from_args
from lkv_sglang.sglang_plugin.config import SettingsError

pytestmark = pytest.mark.sglang

OK = ["--disable-overlap-schedule"]


def refused(model, flags) -> str:
    code, out = run_until_exit(model, flags, timeout=120)
    assert code not in (0, None), out[-2000:]
    lines = [line for line in out.splitlines() if line.startswith("lkv_sglang:")]
    assert lines, out[-2000:]
    return lines[0]


@pytest.mark.parametrize(
    "flags, needles",
    [
        (
            ["--eviction", "nope", *OK],
            ["'nope' is not a known policy", "known: none", "snapkv", "lookaheadkv"],
        ),
        (
            ["--eviction", "snapkv", "--eviction-budget", "0", *OK],
            ["--eviction-budget=0", "positive integer"],
        ),
    ],
    ids=["unknown-policy", "budget-0"],
)
def test_bad_flags_refuse_start(tiny_llama_dir, flags, needles):
    line = refused(tiny_llama_dir, flags)
    for needle in needles:
        assert needle in line, line


def test_checkpoint_for_another_model_is_refused(tiny_llama_dir, qwen2_lookahead_dir):
    line = refused(
        tiny_llama_dir,
        ["--eviction", "lookaheadkv", "--lookahead-path", str(qwen2_lookahead_dir), *OK],
    )
    assert "does not fit this model" in line and "tiny-qwen2" in line, line


def sglang_defaults(model, **changes):
    """The ServerArgs fields the check reads, at SGLang's CLI defaults (overlap on, page 1)."""
    base = dict(
        model_path=str(model),
        disable_overlap_schedule=False,
        page_size=1,
        enable_mixed_chunk=False,
        speculative_algorithm=None,
        pp_size=1,
        enable_hierarchical_cache=False,
        disaggregation_mode="null",
    )
    return SimpleNamespace(**{**base, **changes})


@pytest.mark.parametrize(
    "policy, changes, needles",
    [
        ("pyramidkv", {"disable_overlap_schedule": True}, ["not served", "snapkv"]),
        (
            "lookaheadkv",
            {"disable_overlap_schedule": True},
            ["needs a lookahead checkpoint", "--lookahead-path"],
        ),
        ("snapkv", {"enable_streaming_session": True}, ["--enable-streaming-session"]),
        ("snapkv", {"enable_dp_attention": True}, ["--enable-dp-attention"]),
        ("snapkv", {"enable_lora": True}, ["--enable-lora"]),
        (
            "snapkv",
            {"cuda_graph_backend_prefill": "breakable"},
            ["--cuda-graph-backend-prefill breakable", "observes prompt queries"],
        ),
        (
            "snapkv",
            {"disable_overlap_schedule": True, "enable_mixed_chunk": True},
            ["--enable-mixed-chunk"],
        ),
        (
            "snapkv",
            {"disable_overlap_schedule": True, "speculative_algorithm": "EAGLE"},
            ["speculative"],
        ),
    ],
    ids=[
        "pyramidkv",
        "lookahead-no-ckpt",
        "streaming-session",
        "dp-attention",
        "lora",
        "prefill-graph",
        "mixed-chunk",
        "speculative",
    ],
)
def test_unsupported_combinations_are_named(tiny_llama_dir, policy, changes, needles):
    args = Namespace(eviction=policy, eviction_budget=16, lookahead_path=None)
    with pytest.raises(SettingsError) as err:
        settings_from_args(args, sglang_defaults(tiny_llama_dir, **changes))
    for needle in needles:
        assert needle in str(err.value), str(err.value)


def test_unknown_kernel_backend_is_named(tiny_llama_dir, monkeypatch):
    monkeypatch.setenv("LKV_KERNELS", "cuda")
    args = Namespace(eviction="snapkv", eviction_budget=16, lookahead_path=None)
    with pytest.raises(SettingsError, match="LKV_KERNELS='cuda' is not one of auto, torch, triton"):
        settings_from_args(args, sglang_defaults(tiny_llama_dir, disable_overlap_schedule=True))


def test_supported_settings_pass(tiny_llama_dir, tiny_lookahead):
    _, ckpt = tiny_lookahead
    args = Namespace(eviction="lookaheadkv", eviction_budget=16, lookahead_path=str(ckpt))
    settings = settings_from_args(
        args, sglang_defaults(tiny_llama_dir, disable_overlap_schedule=True)
    )
    assert settings.policy == "lookaheadkv" and settings.lookahead_path == str(ckpt)
    paged = settings_from_args(
        args, sglang_defaults(tiny_llama_dir, disable_overlap_schedule=True, page_size=16)
    )
    assert paged == settings  # pages keep their structure through compaction (test_server_variants)
    off = settings_from_args(
        Namespace(eviction="none", eviction_budget=16, lookahead_path=None),
        sglang_defaults(tiny_llama_dir, page_size=16),
    )
    assert off.policy == "none"  # --eviction none: SGLang's defaults stay untouched


def test_overlap_scheduler_is_served_and_prefill_graph_turned_off(tiny_llama_dir):
    """SGLang's own parser and ServerArgs: the defaults (overlap on) pass, and the plugin switches
    the prefill CUDA graph off (its replay would skip the observing attention hook)."""
    import argparse

    from sglang.srt.server_args import ServerArgs

    from lkv_sglang.sglang_plugin.cli import add_cli_args, from_cli_args

    parser = argparse.ArgumentParser()
    ServerArgs.add_cli_args(parser)
    add_cli_args(None, parser)
    argv = ["--model-path", str(tiny_llama_dir), "--device", "cpu", "--eviction", "snapkv"]
    args = parser.parse_args(argv)
    server_args = ServerArgs.from_cli_args(args)
    assert not server_args.disable_overlap_schedule and not server_args.disable_prefill_cuda_graph
    from_cli_args(server_args, ServerArgs, args)
    assert server_args.disable_prefill_cuda_graph
    assert server_args._lkv_settings.scope == "prompt"
    off = parser.parse_args(argv[:-2] + ["--eviction", "none"])
    off_args = ServerArgs.from_cli_args(off)
    from_cli_args(off_args, ServerArgs, off)
    assert not off_args.disable_prefill_cuda_graph  # --eviction none leaves SGLang as it is
