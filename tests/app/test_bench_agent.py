"""The agent suite's runner against the fake server: rows written as tasks finish, reruns resume."""

from __future__ import annotations

import json

from fake_openai_server import agent_script

from lkv_app import bench_agent


def test_a_rerun_skips_recorded_tasks(fake, tmp_path):
    fake.script = agent_script
    out = tmp_path / "agent.json"
    argv = ["--server", fake.url, "--out", str(out), "--configs", "none", "--limit", "2"]
    bench_agent.main(argv)
    entry = json.loads(out.read_text())["fake-model/none"]
    assert entry["tasks_run"] == "2/2" and entry["jobs"] == 1
    calls = entry["runs"][0]["model_calls"]
    assert calls and {"seconds", "prompt_tokens", "output_tokens", "schema"} <= calls[0].keys()
    assert calls[0]["schema"] == "search"  # turn 1 may only search
    sent = len(fake.requests)
    bench_agent.main(argv)  # everything recorded: nothing is sent again
    assert len(fake.requests) == sent
    assert json.loads(out.read_text())["fake-model/none"]["runs"] == entry["runs"]
    bench_agent.main([*argv, "--limit", "3"])  # one task more: only that one runs
    assert 0 < len(fake.requests) - sent <= 4
    assert json.loads(out.read_text())["fake-model/none"]["tasks_run"] == "3/3"
    sent = len(fake.requests)
    bench_agent.main([*argv, "--fresh"])
    assert len(fake.requests) > sent
