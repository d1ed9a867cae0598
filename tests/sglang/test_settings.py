"""Flag and per-request validation, and the model fingerprint (no server)."""

from __future__ import annotations

import pytest

from lkv_sglang.core.policies import POLICIES
from lkv_sglang.sglang_plugin.config import (
    REFUSED,
    RequestSettings,
    ServerSettings,
    SettingsError,
    flag_choices,
    request_settings,
)

pytestmark = pytest.mark.sglang


def test_flag_accepts_every_policy_but_the_oracle():
    assert set(flag_choices()) == {"none"} | (set(POLICIES.names()) - {"oracle"})


@pytest.mark.parametrize(
    "policy, needle",
    [("nope", "known: none"), ("laq", "reference-path"), ("pyramidkv", "per layer")],
)
def test_unknown_or_refused_policy_names_the_choices(policy, needle):
    with pytest.raises(SettingsError, match=needle):
        ServerSettings(policy=policy)


@pytest.mark.parametrize("budget", [0, -3, True, 2.5])
def test_bad_budget_is_named(budget):
    with pytest.raises(SettingsError, match=repr(budget).replace(".", r"\.")):
        ServerSettings(policy="snapkv", budget=budget)


@pytest.mark.parametrize("batch", [0, -1, True, 1.5])
def test_bad_lookahead_batch_is_named(batch):
    with pytest.raises(SettingsError, match=r"--lookahead-batch=.*positive integer"):
        ServerSettings(policy="snapkv", lookahead_batch=batch)


def test_lookaheadkv_needs_a_checkpoint():
    with pytest.raises(SettingsError, match="--lookahead-path"):
        ServerSettings(policy="lookaheadkv")
    server = ServerSettings(policy="snapkv")
    with pytest.raises(SettingsError, match="lookahead checkpoint"):
        request_settings({"eviction": "lookaheadkv"}, server)


def test_request_overrides_and_defaults():
    server = ServerSettings(policy="snapkv", budget=64)
    assert request_settings(None, server) == RequestSettings("snapkv", 64)
    assert request_settings({"eviction_budget": 8}, server) == RequestSettings("snapkv", 8)
    off = request_settings({"eviction": "none"}, server)
    assert not off.active
    with pytest.raises(SettingsError, match="custom_params.eviction_budget"):
        request_settings({"eviction_budget": "8"}, server)


def test_settings_round_trip_through_the_environment(monkeypatch):
    s = ServerSettings(policy="h2o", budget=9, lookahead_batch=3)
    monkeypatch.delenv("LKV_SGLANG_CONFIG", raising=False)
    s.to_env()
    assert ServerSettings.from_env() == s


def test_every_refusal_has_a_reason_given_by_its_policy():
    assert all(REFUSED.values())
    assert set(REFUSED) == {"oracle", "laq", "speckv", "pyramidkv"}
    assert REFUSED["laq"] == POLICIES.get("laq").not_served
    assert "per layer" in REFUSED["pyramidkv"]


@pytest.mark.parametrize("scope", ["whole", "", None, 1])
def test_bad_scope_is_named(scope):
    with pytest.raises(SettingsError, match=r"eviction_scope=.*allowed: prompt, suffix"):
        request_settings({"eviction_scope": scope}, ServerSettings(policy="snapkv"))


def test_scope_default_and_override():
    server = ServerSettings(policy="snapkv")
    assert server.scope == "prompt" and request_settings(None, server).scope == "prompt"
    assert request_settings({"eviction_scope": "suffix"}, server).scope == "suffix"


def test_directory_fingerprint_equals_the_reference_paths(tiny_llama_dir):
    from lkv_sglang.hf import load_model
    from lkv_sglang.hf.geometry import fingerprint
    from lkv_sglang.models.fingerprint import directory_fingerprint as model_fingerprint

    model, _ = load_model(str(tiny_llama_dir))
    assert model_fingerprint(tiny_llama_dir) == fingerprint(model)


@pytest.mark.parametrize("name", ["LKV_EVICTION_BUDGET", "LKV_LOOKAHEAD_BATCH"])
def test_non_integer_environment_value_is_named(monkeypatch, name):
    monkeypatch.delenv("LKV_SGLANG_CONFIG", raising=False)
    monkeypatch.setenv(name, "many")
    with pytest.raises(SettingsError, match=f"{name}='many' is not an integer"):
        ServerSettings.from_env()


def test_non_integer_environment_value_stops_the_flags(monkeypatch):
    import argparse

    from lkv_sglang.sglang_plugin.cli import add_cli_args

    monkeypatch.setenv("LKV_LOOKAHEAD_BATCH", "8x")
    with pytest.raises(SystemExit, match="lkv_sglang: LKV_LOOKAHEAD_BATCH='8x' is not an integer"):
        add_cli_args(None, argparse.ArgumentParser())
