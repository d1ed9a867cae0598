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


def test_the_heldout_suite_is_recorded_apart(fake, tmp_path):
    from lkv_app.agent_tasks import HELDOUT_TASKS, TASKS

    fake.script = agent_script
    out = tmp_path / "agent.json"
    argv = ["--server", fake.url, "--out", str(out), "--configs", "none", "--limit", "1"]
    bench_agent.main(argv)
    bench_agent.main([*argv, "--suite", "heldout"])
    data = json.loads(out.read_text())
    assert data["fake-model/none"]["runs"][0]["question"] == TASKS[0].question
    assert data["fake-model/none/heldout"]["runs"][0]["question"] == HELDOUT_TASKS[0].question
    assert not {t.question for t in TASKS} & {t.question for t in HELDOUT_TASKS}


def test_timing_study_runs_the_tasks_at_each_jobs_value(fake, tmp_path):
    fake.script = agent_script
    out = tmp_path / "agent.json"
    base = ["--server", fake.url, "--out", str(out), "--configs", "none", "--limit", "2"]
    bench_agent.main(base)  # a suite entry first: the study must keep it
    sent = len(fake.requests)
    bench_agent.main([*base, "--configs", "none,snapkv@16", "--timing", "1,4"])
    data = json.loads(out.read_text())
    assert "fake-model/none" in data
    study = data[bench_agent.TIMING]
    assert study["configs"] == ["none", "snapkv@16"] and set(study["results"]) == {
        "jobs=1",
        "jobs=4",
    }
    for r in study["results"].values():
        assert r["tasks"] == 4 and r["model_calls"] >= 8 and r["wall_seconds"] > 0
        assert r["max_call_seconds"] >= r["median_call_seconds"] >= 0
    # every model call of the study is one request to the server
    assert len(fake.requests) - sent == sum(r["model_calls"] for r in study["results"].values())
    bench_agent.main(base)  # a later suite run keeps the study
    assert bench_agent.TIMING in json.loads(out.read_text())


def test_model_path_is_written_without_the_home_folder():
    from pathlib import Path

    from lkv_app.bench_agent import model_label

    assert model_label(str(Path.home() / ".cache" / "m")) == "~/.cache/m"
    assert model_label("/models/m") == "/models/m"


def test_every_suite_is_answerable_from_its_own_documents():
    """Each task's expected string stands in its source document (commas ignored, as scored),
    the source is in the suite's store, no question is asked twice, and a suite's store holds
    the examples and its own ``SUITE_DOCUMENTS``, nothing else."""
    from lkv_app.agent_docs import agent_documents
    from lkv_app.agent_tasks import SUITE_DOCUMENTS
    from lkv_app.examples import example_documents

    asked = [t.question for tasks in bench_agent.SUITES.values() for t in tasks]
    assert len(asked) == len(set(asked))
    for suite, tasks in bench_agent.SUITES.items():
        docs = {
            k: v.decode().lower().replace(",", "")
            for k, v in bench_agent.suite_documents(suite).items()
        }
        assert set(docs) - set(example_documents()) == set(SUITE_DOCUMENTS.get(suite, ()))
        assert set(SUITE_DOCUMENTS.get(suite, ())) <= set(agent_documents())
        for t in tasks:
            if t.kind == "absent":
                assert t.source is None and not t.expected, t
                continue
            assert any(e.lower() in docs[t.source] for e in t.expected), (suite, t)
