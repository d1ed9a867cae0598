"""Selection variants scored on validation: neighbours kept, a protected tail window."""

import pytest
import torch

from lkv_sglang.training.variants import kept


def test_plain_is_top_k():
    pred = torch.tensor([[[0.1, 0.5, 0.05, 0.3, 0.05]]])
    assert sorted(kept(pred, 2)[0, 0].tolist()) == [1, 3]


def test_pool_keeps_the_neighbours_of_a_peak():
    pred = torch.tensor([[[0.0, 0.0, 0.9, 0.0, 0.0, 0.05, 0.05, 0.0]]])
    got = set(kept(pred, 3, "pool3")[0, 0].tolist())
    assert got == {1, 2, 3}  # the peak and both sides, not the two small scores at 5, 6


def test_window_protects_the_last_tokens():
    pred = torch.tensor([[[0.9, 0.8, 0.7, 0.0, 0.0]]])
    got = kept(pred, 3, "window2")[0, 0].tolist()
    assert got == [0, 3, 4]


@pytest.mark.parametrize("bad", ["pool2", "wnd4", "window"])
def test_bad_variant_named(bad):
    with pytest.raises(ValueError, match=bad):
        kept(torch.zeros(1, 1, 4), 2, bad)
