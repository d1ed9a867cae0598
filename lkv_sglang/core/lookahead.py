"""The LookaheadKV module: learned lookahead embeddings and a LoRA active only on them.

Plain torch: it holds the parameters and computes LoRA deltas; engines decide where the
lookahead positions are (the "mask") and call ``lora_delta`` for those rows only.
Saved as ``lookahead.safetensors`` + ``lookahead.json`` (config with the base model's
fingerprint); loading onto a different model is an error naming both.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file
from torch import nn

LORA_TARGETS = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")
CONFIG_FILE = "lookahead.json"
WEIGHTS_FILE = "lookahead.safetensors"


@dataclass(frozen=True)
class LookaheadConfig:
    """Shape and identity of a lookahead module.

    ``proj_shapes`` maps each LoRA target to its linear layer's (in_features, out_features);
    ``base_fingerprint`` identifies the base model (architecture numbers and a weight checksum).
    """

    base_model: str
    base_fingerprint: dict
    hidden_size: int
    num_layers: int
    proj_shapes: dict
    n_lookahead: int = 32
    rank: int = 8
    alpha: float = 32.0
    targets: tuple[str, ...] = LORA_TARGETS
    extra: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.n_lookahead < 1 or self.rank < 1:
            raise ValueError(
                f"n_lookahead and rank must be >= 1; got {self.n_lookahead}, {self.rank}"
            )
        bad = [t for t in self.targets if t not in LORA_TARGETS]
        if bad:
            raise ValueError(f"unknown LoRA targets {bad}; allowed: {list(LORA_TARGETS)}")
        missing = [t for t in self.targets if t not in self.proj_shapes]
        if missing:
            raise ValueError(f"proj_shapes lacks {missing}")

    @property
    def scaling(self) -> float:
        return self.alpha / self.rank

    def to_json(self) -> dict:
        d = asdict(self)
        d["targets"] = list(self.targets)
        d["proj_shapes"] = {k: list(v) for k, v in self.proj_shapes.items()}
        return d

    @classmethod
    def from_json(cls, d: dict) -> LookaheadConfig:
        d = dict(d)
        d["targets"] = tuple(d["targets"])
        d["proj_shapes"] = {k: tuple(v) for k, v in d["proj_shapes"].items()}
        return cls(**d)


def fingerprint_mismatch(expected: dict, actual: dict) -> list[str]:
    """Keys whose values differ between two fingerprints (numbers compared to 1e-4 relative)."""
    bad = []
    for k in sorted(set(expected) | set(actual)):
        a, b = expected.get(k), actual.get(k)
        if isinstance(a, float) and isinstance(b, float):
            if not math.isclose(a, b, rel_tol=1e-4, abs_tol=1e-6):
                bad.append(k)
        elif a != b:
            bad.append(k)
    return bad


class LookaheadModule(nn.Module):
    """Lookahead embeddings (n_lookahead, hidden) and LoRA factors per layer and target.

    LoRA for layer ``l``, target ``t``: ``delta(x) = (x @ A^T) @ B^T * alpha / rank`` with
    ``A`` (rank, in) and ``B`` (out, rank); ``B`` starts at zero so an untrained LoRA is a no-op.
    """

    def __init__(self, config: LookaheadConfig, generator: torch.Generator | None = None) -> None:
        super().__init__()
        self.config = config
        g = generator
        self.embeddings = nn.Parameter(
            torch.randn(config.n_lookahead, config.hidden_size, generator=g) * 0.02
        )
        self.lora_a = nn.ParameterDict()
        self.lora_b = nn.ParameterDict()
        for layer in range(config.num_layers):
            for t in config.targets:
                fan_in, fan_out = config.proj_shapes[t]
                key = self.key(layer, t)
                self.lora_a[key] = nn.Parameter(
                    torch.randn(config.rank, fan_in, generator=g) / math.sqrt(fan_in)
                )
                self.lora_b[key] = nn.Parameter(torch.zeros(fan_out, config.rank))

    @staticmethod
    def key(layer: int, target: str) -> str:
        return f"{layer}_{target}"

    def init_embeddings(
        self, token_embeddings: torch.Tensor, generator: torch.Generator | None = None
    ) -> None:
        """Start the lookahead embeddings at the mean token embedding plus per-dimension noise.

        The noise is drawn on the generator's device (the CPU by default: the same draw on
        every device), then moved to the embeddings' device.
        """
        dev = self.embeddings.device
        mean = token_embeddings.float().mean(0, keepdim=True).to(dev)
        std = token_embeddings.float().std(0, keepdim=True).to(dev)
        shape = (self.config.n_lookahead, self.config.hidden_size)
        draw_on = generator.device if generator is not None else torch.device("cpu")
        noise = torch.randn(shape, generator=generator, device=draw_on).to(dev)
        with torch.no_grad():
            self.embeddings.copy_(mean + std * noise)

    def has_lora(self, layer: int, target: str) -> bool:
        return self.key(layer, target) in self.lora_a

    def lora_delta(self, layer: int, target: str, x: torch.Tensor) -> torch.Tensor:
        """LoRA output for rows ``x`` (..., in_features) -> (..., out_features)."""
        k = self.key(layer, target)
        a, b = self.lora_a[k], self.lora_b[k]
        return (x.to(a.dtype) @ a.t()) @ b.t() * self.config.scaling

    # ------------------------------------------------------------------ persistence
    def save(self, directory: str | Path) -> Path:
        d = Path(directory)
        d.mkdir(parents=True, exist_ok=True)
        tensors = {k: v.detach().contiguous().cpu() for k, v in self.state_dict().items()}
        save_file(tensors, str(d / WEIGHTS_FILE))
        (d / CONFIG_FILE).write_text(json.dumps(self.config.to_json(), indent=2, sort_keys=True))
        return d

    @classmethod
    def load(cls, directory: str | Path, expect_fingerprint: dict | None = None) -> LookaheadModule:
        """Load a saved module; with ``expect_fingerprint``, refuse one made for another model."""
        d = Path(directory)
        if not (d / CONFIG_FILE).is_file() or not (d / WEIGHTS_FILE).is_file():
            raise FileNotFoundError(
                f"{d} is not a lookahead checkpoint (needs {CONFIG_FILE} and {WEIGHTS_FILE})"
            )
        config = LookaheadConfig.from_json(json.loads((d / CONFIG_FILE).read_text()))
        if expect_fingerprint is not None:
            bad = fingerprint_mismatch(config.base_fingerprint, expect_fingerprint)
            if bad:
                detail = ", ".join(
                    f"{k}: checkpoint {config.base_fingerprint.get(k)!r} vs model {expect_fingerprint.get(k)!r}"
                    for k in bad
                )
                raise ValueError(
                    f"lookahead checkpoint {d} was trained for base model {config.base_model!r} "
                    f"and does not fit this model ({detail})"
                )
        module = cls(config)
        module.load_state_dict(load_file(str(d / WEIGHTS_FILE)))
        return module
