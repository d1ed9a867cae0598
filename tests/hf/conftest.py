import pytest
import torch

from lkv_sglang.hf import load_model
from lkv_sglang.hf.geometry import new_lookahead


@pytest.fixture(scope="module")
def tiny(tiny_model_dir):
    """(model, tokenizer, lookahead module with non-zero random LoRA) for a tiny model."""
    model, tok = load_model(str(tiny_model_dir))
    la = new_lookahead(model, "tiny", seed=0)
    with torch.no_grad():
        for p in la.lora_b.values():
            p.normal_(0, 0.5, generator=torch.Generator().manual_seed(1))
    return model, tok, la
