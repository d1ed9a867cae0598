"""The kept-token view: shares per token from a keep plan, and escaped rendering."""

from __future__ import annotations

import pytest
import torch

from lkv_app.errors import InputRejected
from lkv_app.kept_view import KeptView, compute, kept_fractions, to_html


def test_fractions_average_and_per_layer():
    idx = (torch.tensor([[0, 1], [0, 2]]), torch.tensor([[0, 3], [0, 3]]))
    assert kept_fractions(idx, 4).tolist() == [1.0, 0.25, 0.25, 0.5]
    assert kept_fractions(idx, 4, layer=1).tolist() == [1.0, 0.0, 0.0, 1.0]


@pytest.fixture(scope="module")
def messages():
    return [{"role": "user", "content": "The code is 4711. <script>alert(1)</script> " * 6}]


def test_compute_on_tiny_model(tiny_llama_dir, messages):
    view = compute(str(tiny_llama_dir), messages, "snapkv", 8)
    assert view.prompt_len > 8 and len(view.kept) == view.prompt_len
    assert sum(view.kept) == pytest.approx(8)  # every (layer, head) keeps exactly the budget
    per_layer = compute(str(tiny_llama_dir), messages, "snapkv", 8, layer=0)
    assert all(f in (0.0, 0.5, 1.0) for f in per_layer.kept)  # 2 KV heads
    whole = compute(str(tiny_llama_dir), messages, "snapkv", 10_000)
    assert set(whole.kept) == {1.0}  # a budget over the prompt keeps everything


def test_bad_layer(tiny_llama_dir, messages):
    with pytest.raises(InputRejected, match="layers 0-1"):
        compute(str(tiny_llama_dir), messages, "snapkv", 8, layer=5)


def test_html_escapes_every_token():
    view = KeptView(
        ["<script>", "alert(1)", "</script>", "\n", "&"],
        [1, 0.5, 0, 0, 1],
        "snapkv",
        2,
        None,
        2,
        "",
    )
    out = to_html(view)
    assert "<script>" not in out and "&lt;script&gt;" in out and "&amp;" in out


def test_lookaheadkv_says_which_module(tiny_llama_dir, messages):
    view = compute(str(tiny_llama_dir), messages, "lookaheadkv", 8)
    assert "UNTRAINED" in view.lookahead  # no checkpoint ships for a tiny random model
    assert sum(view.kept) == pytest.approx(8)
