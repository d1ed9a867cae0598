"""Execute each notebook in ``notebooks/`` on the CPU with its small settings, then check it.

Each test runs the notebook top to bottom in a fresh kernel (nbclient), then one extra cell
that asserts what the notebook claims to show; figures must have been drawn. A last test checks
that the committed notebooks carry no outputs. ``LKV_NOTEBOOK_FULL`` is removed for the run.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat", reason="nbformat is in the dev extra")
nbclient = pytest.importorskip("nbclient", reason="nbclient is in the dev extra")

pytestmark = pytest.mark.notebook

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"


def execute(name: str, check: str, timeout: int):
    """Run notebook ``name`` plus the ``check`` cell; returns the executed notebook."""
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(check))
    env = {k: v for k, v in os.environ.items() if k != "LKV_NOTEBOOK_FULL"}
    # figures must reach the notebook whatever backend an earlier test or library chose
    env["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"
    client = nbclient.NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOKS)}},
    )
    client.execute(env=env)  # passed on to the kernel manager's start_kernel
    return nb


def images(nb) -> int:
    return sum(
        "image/png" in out.get("data", {}) for cell in nb.cells for out in cell.get("outputs", [])
    )


@pytest.mark.slow
def test_quickstart():
    nb = execute(
        "01_quickstart.ipynb",
        "assert not FULL and POLICIES[0] == 'full'\n"
        "assert NEEDLE in tok.decode(results['full'].output_ids)\n"
        "for p, r in results.items():\n"
        "    assert r.kv_entries[1] == (r.kv_entries[0] if p == 'full' else BUDGET * 30 * 3), p\n"
        "assert strip.shape == (len(POLICIES), N) and abs(strip[1:].sum(1) - BUDGET).max() < 1e-6\n"
        "assert strip[0].min() == 1.0 and len(needle_tokens) > 5",
        timeout=900,
    )
    assert images(nb) == 1


def test_training():
    nb = execute(
        "02_training.ipynb",
        "assert not FULL and summary['steps'] == STEPS\n"
        "assert last['val_kl'] < first['val_kl'], (first, last)\n"
        "assert (WORK / 'run' / 'best' / 'lookahead.json').is_file()",
        timeout=600,
    )
    assert images(nb) == 1


@pytest.mark.sglang
@pytest.mark.slow
@pytest.mark.skipif(
    importlib.util.find_spec("lkv_sglang.sglang_plugin") is None,
    reason="the SGLang plugin (lkv_sglang.sglang_plugin) is not installed",
)
def test_serving():
    nb = execute(
        "03_serving.ipynb",
        "assert server.proc.poll() is not None, 'the notebook must stop its server'\n"
        "assert infos['none'] is None\n"
        "for p in POLICIES[1:]:\n"
        "    i = infos[p]\n"
        # scope "prompt" (the default): a cached system prompt changes nothing in what is kept
        "    assert i.pruned and i.kept_tokens == BUDGET and i.kv_tokens == BUDGET, (p, i)\n"
        "assert body['meta_info']['lkv_eviction'][0]['kept_tokens'] == 64\n"
        "assert len(pruned_events) == len(POLICIES)  # the policies above and /generate\n"
        "assert all(e['after']['used'] < e['before']['used'] for e in pruned_events)",
        timeout=900,
    )
    assert images(nb) >= 1


@pytest.mark.parametrize("path", sorted(NOTEBOOKS.glob("*.ipynb")), ids=lambda p: p.name)
def test_committed_notebooks_have_no_outputs(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code, "a notebook without code"
    dirty = [i for i, c in enumerate(code) if c.outputs or c.execution_count is not None]
    assert not dirty, f"{path.name}: code cells {dirty} carry outputs; strip them before commit"
    assert "LKV_NOTEBOOK_FULL" in "".join(c.source for c in code), "no switch to full size"
