"""SGLang settings that pruning does not support yet, each with what to change.

Refused rather than half-supported: each would corrupt a request's KV or accounting silently.
"""

from __future__ import annotations


def incompatibilities(server_args) -> list[str]:
    """One line per unsupported setting of ``server_args`` (a ``ServerArgs``); empty when fine."""
    bad = []
    if not getattr(server_args, "disable_overlap_schedule", False):
        bad.append(
            "the overlap scheduler (it prepares the next decode batch before a prefill's result "
            "is processed, i.e. before pruning): pass --disable-overlap-schedule"
        )
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
    if getattr(server_args, "enable_hierarchical_cache", False):
        bad.append("--enable-hierarchical-cache (host copies of a request's KV): remove it")
    if getattr(server_args, "disaggregation_mode", "null") not in (None, "null"):
        bad.append(
            "prefill/decode disaggregation (the KV transfer sends unpruned lengths): remove it"
        )
    return bad
