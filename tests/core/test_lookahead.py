import pytest
import torch

from lkv_sglang.core.lookahead import LookaheadConfig, LookaheadModule

SHAPES = {
    "q_proj": (16, 16),
    "k_proj": (16, 8),
    "v_proj": (16, 8),
    "o_proj": (16, 16),
    "gate_proj": (16, 32),
    "up_proj": (16, 32),
    "down_proj": (32, 16),
}
FP = {"model_type": "llama", "num_layers": 2, "embed_checksum": 0.123}


def make(seed=0, fp=FP):
    cfg = LookaheadConfig("tiny", fp, hidden_size=16, num_layers=2, proj_shapes=SHAPES)
    return LookaheadModule(cfg, generator=torch.Generator().manual_seed(seed))


def test_untrained_lora_is_a_noop():
    m = make()
    assert torch.count_nonzero(m.lora_delta(1, "down_proj", torch.randn(3, 32))) == 0


def test_save_load_round_trip(tmp_path):
    m = make()
    with torch.no_grad():
        for p in m.parameters():
            p.add_(torch.randn_like(p))
    m.save(tmp_path)
    back = LookaheadModule.load(tmp_path, expect_fingerprint=FP)
    x = torch.randn(5, 16)
    assert torch.equal(back.embeddings, m.embeddings)
    assert torch.equal(back.lora_delta(0, "q_proj", x), m.lora_delta(0, "q_proj", x))
    assert back.config == m.config


def test_load_onto_another_model_is_refused(tmp_path):
    make().save(tmp_path)
    other = FP | {"num_layers": 3}
    with pytest.raises(
        ValueError, match=r"trained for base model 'tiny'.*num_layers: checkpoint 2 vs model 3"
    ):
        LookaheadModule.load(tmp_path, expect_fingerprint=other)


def test_not_a_checkpoint(tmp_path):
    with pytest.raises(FileNotFoundError, match="not a lookahead checkpoint"):
        LookaheadModule.load(tmp_path)


def test_bad_target_named():
    with pytest.raises(ValueError, match=r"unknown LoRA targets \['qkv'\]"):
        LookaheadConfig("x", {}, 16, 2, SHAPES, targets=("qkv",))
