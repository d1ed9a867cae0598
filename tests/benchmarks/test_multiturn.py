"""The multi-turn benchmark's pure functions (no server, no model)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

import multiturn  # noqa: E402
import serving  # noqa: E402

LOG = """\
[t] Prefill batch, #new-seq: 1, #new-token: 1381, #cached-token: 0, token usage: 0.01, #running-req: 0
[t] Decode batch, #running-req: 3, #token: 270, token usage: 0.01, cpu graph: False
[t] Decode batch, #running-req: 4, #token: 340, token usage: 0.01, cpu graph: False
[t] Decode batch, #running-req: 1, #token: 0, token usage: 0.00, cpu graph: False
"""


def test_decode_counts_drop_lines_with_no_kv():
    assert serving.decode_counts(LOG) == [(3, 270), (4, 340)]


def test_kv_summary_reads_the_peak():
    s = serving.kv_summary([(3, 270), (4, 340)])
    assert s["running_max"] == 4
    assert s["kv_tokens_max"] == 340
    assert s["kv_per_running_at_running_max"] == 85.0
    assert s["kv_per_running_max"] == 90.0
    assert serving.kv_summary([])["running_max"] == 0


def test_pack_paragraphs_reaches_the_target():
    assert multiturn.pack_paragraphs(["a", "b", "c"], [100, 100, 100], 150) == [0, 1]
    assert multiturn.pack_paragraphs(["a"], [500], 150) == [0]


def test_turn_messages_alternate_tool_results_and_questions():
    assert multiturn.turn_message(2, "found", "q?").startswith("Tool result (search):\nfound")
    assert multiturn.turn_message(3, "found", "q?") == "Another question about the documents: q?"


def test_custom_params_per_config():
    assert multiturn.custom("none", "prompt", 64) == {"eviction": "none"}
    assert multiturn.custom("snapkv", "suffix", 64) == {
        "eviction": "snapkv",
        "eviction_budget": 64,
        "eviction_scope": "suffix",
    }


def _turn(turn, running, kv, cached):
    return {
        "turn": turn,
        "running_max": running,
        "kv_per_running_max": kv,
        "kv_per_running_mean": kv,
        "generated_tokens_max": 12,
        "prompt_tokens_mean": 300,
        "cached_tokens_mean": cached,
        "kept_tokens_mean": 64,
        "ttft_mean_s": 1.0,
    }


def _check(turn, cached, warm_s, cold_s, equal=True):
    return {
        "turn": turn,
        "concurrent_equals_cold": equal,
        "warm_1_token": {"cached_tokens": cached, "ttft_s": warm_s},
        "cold": {"ttft_s": cold_s},
    }


def _row(policy, scope, running, kv, shared_kv, shared_running, pruned):
    return {
        "policy": policy,
        "scope": scope,
        "agent": {
            "turns": [_turn(1, running, kv, 0), _turn(2, running, kv, 250)],
            "cold_check": [_check(2, 250, 0.5, 2.0)],
        },
        "shared": {
            "running_max": shared_running,
            "kv_tokens_max": shared_kv,
            "kv_per_running_at_running_max": shared_kv / shared_running,
            "questions_past_cache_longer_than_budget": 4,
            "of_those_pruned": pruned,
            "ttft_mean_s": 1.0,
            "cold_check": [_check(1, 0, 0, 0)],
        },
    }


def test_goals_and_tables_read_every_config():
    class Args:
        budget, new_tokens, sessions, max_total_tokens = 64, 12, 8, 1536

    rows = [
        _row("none", None, 3, 500.0, 1000, 8, 0),
        _row("lookaheadkv", "prompt", 8, 76.0, 600, 8, 4),
        _row("lookaheadkv", "suffix", 8, 300.0, 900, 8, 4),
    ]
    goals = multiturn.goals(rows, Args)
    assert goals["agent lookaheadkv/prompt: kv per running <= budget + generated, every turn"][
        "met"
    ]
    assert goals["agent lookaheadkv/prompt: running at once >= 6.4 while none is pool-bound"]["met"]
    assert goals["agent lookaheadkv/prompt: warm TTFT of turn >= 2 below cold TTFT"]["met"]
    assert goals["shared lookaheadkv: better scope (prompt) holds <= none, runs >= none"]["met"]
    doc = {
        "sizes": {
            "sessions": 8,
            "turns": 2,
            "kv_pool_tokens": 1536,
            "budget": 64,
            "max_new_tokens": 12,
            "shared_doc_tokens": 450,
            "questions": 8,
        },
        "configs": rows,
        "goals": goals,
    }
    text = multiturn.tables(doc)
    assert "| lookaheadkv / prompt | 2 | 8 | 76.0 / 76.0 |" in text
