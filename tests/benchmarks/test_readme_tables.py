"""README.md's benchmark tables are generated from results/*.json, and the results files hold no
machine paths. Regenerate the tables with ``python benchmarks/readme_tables.py --write``."""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "results"
README = ROOT / "README.md"

spec = importlib.util.spec_from_file_location("readme_tables", ROOT / "benchmarks/readme_tables.py")
readme_tables = importlib.util.module_from_spec(spec)
spec.loader.exec_module(readme_tables)

# an absolute path on a particular machine: /work/..., /root/..., /home/..., /tmp/... (and the
# macOS and mount roots), as a path of its own, not the tail of a URL or a relative path
MACHINE_PATH = re.compile(r"(?<![\w.~/-])/(?:work|root|home|tmp|Users|mnt)/")


def strings(value, where="$"):
    """Every string in a JSON value (keys too), with where it is."""
    if isinstance(value, str):
        yield where, value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield f"{where}.{k} (key)", k
            yield from strings(v, f"{where}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from strings(v, f"{where}[{i}]")


def machine_paths(doc) -> list[str]:
    return [f"{w}: {s[:120]!r}" for w, s in strings(doc) if MACHINE_PATH.search(s)]


def test_readme_tables_match_results():
    text = README.read_text()
    found = readme_tables.read_regions(text)
    want = readme_tables.generate()
    assert set(found) == set(want), f"README lacks the markers of {set(want) - set(found)}"
    stale = [name for name in want if found[name] != want[name]]
    assert not stale, (
        f"README's table regions {stale} differ from results/*.json: "
        "run python benchmarks/readme_tables.py --write"
    )


def test_write_keeps_the_prose_and_is_idempotent():
    text = README.read_text()
    once = readme_tables.replace_regions(text, readme_tables.generate())
    assert readme_tables.replace_regions(once, readme_tables.generate()) == once
    strip = lambda t: re.sub(r"<!-- tables:(\w+) -->.*?<!-- /tables:\1 -->", "", t, flags=re.S)  # noqa: E731
    assert strip(once) == strip(text)


def test_region_replacement_and_drift_detection():
    text = "intro\n<!-- tables:serving -->\n\nold\n\n<!-- /tables:serving -->\nafter\n"
    assert readme_tables.read_regions(text) == {"serving": "old"}
    new = readme_tables.replace_regions(text, {"serving": "| a |\n|---|"})
    assert (
        new == "intro\n<!-- tables:serving -->\n\n| a |\n|---|\n\n<!-- /tables:serving -->\nafter\n"
    )
    with pytest.raises(ValueError, match="tables:quality"):
        readme_tables.replace_regions(text, {"quality": "x"})


def test_check_fails_on_a_changed_figure(tmp_path):
    text = readme_tables.replace_regions(README.read_text(), readme_tables.generate())
    readme = tmp_path / "README.md"
    readme.write_text(text)
    assert readme_tables.main(["--check", "--readme", str(readme)]) == 0
    body = readme_tables.generate()["quality"]
    changed = body[:-1] + ("0" if body[-1] != "0" else "1")  # one character of one figure
    readme.write_text(text.replace(body, changed, 1))
    assert readme_tables.main(["--check", "--readme", str(readme)]) == 1
    assert readme_tables.main(["--write", "--readme", str(readme)]) == 0
    assert readme.read_text() == text


def test_absent_results_file_renders_a_placeholder(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(readme_tables, "RESULTS", tmp_path)
    tables = readme_tables.generate()
    for name, body in tables.items():
        stems = [stem for stem, _ in readme_tables.REGIONS[name]]
        assert body == "\n\n".join(f"_results/{s}.json not present: not measured._" for s in stems)
    assert readme_tables.main([]) == 0
    assert "not present" in capsys.readouterr().out


def test_serving_table_reads_both_result_schemas():
    doc = {
        "command": "python benchmarks/serving.py",
        "settings": {"requests": 4, "max_total_tokens": 1000},
        "figures": [
            # current schema: KV per running request at the max / mean, no TTFT kept
            {
                "policy": "snapkv",
                "requests_running_at_once_max": 4,
                "requests_running_at_once_mean": 3.5,
                "kv_tokens_per_running_request_at_max": 66.0,
                "kv_tokens_per_running_request_mean": 72.5,
                "eviction_ms_mean": 2281.23,
                "throughput_tokens_per_s": 0.68,
                "ttft_mean_s": None,
            },
            # older schema: one KV figure after prefill, a TTFT ratio
            {
                "policy": "lookaheadkv",
                "requests_running_at_once_max": 3,
                "requests_running_at_once_mean": 3,
                "kv_tokens_held_per_request_after_prefill": 64,
                "eviction_ms_mean": 10.03,
                "throughput_tokens_per_s": 29.2,
                "ttft_ratio_to_none": 0.751,
            },
        ],
    }
    rows = readme_tables.serving(doc)[-2:]
    assert rows == [
        "| snapkv | 4 (all) / 3.5 | 66 / 72.5 | 2281 | 0.68 | - |",
        "| lookaheadkv | 3 / 3 | 64 | 10.0 | 29.2 | 0.75 |",
    ]


def test_machine_path_pattern():
    for bad in (
        "/work/main/x",
        "/root/.cache/m",
        "--model-path /home/u/m",
        "a=/tmp/run",
        "/Users/x",
    ):
        assert MACHINE_PATH.search(bad), bad
    for ok in ("lkv_sglang/checkpoints/x", "~/.cache/lkv_sglang", "runs/tmp/x", "http://h/home/x"):
        assert not MACHINE_PATH.search(ok), ok


@pytest.mark.parametrize("path", sorted(RESULTS.glob("*.json")), ids=lambda p: p.name)
def test_results_hold_no_machine_paths(path):
    bad = machine_paths(json.loads(path.read_text()))
    assert not bad, f"{path.name} holds machine paths (make them repo-relative): {bad}"
