"""One-time conversion of a packaged GGUF model into a float32 transformers directory."""

from __future__ import annotations

import hashlib
import importlib.util
import shutil
import tempfile
from pathlib import Path

from .registry import ModelSpec


def package_dir(package: str, install_hint: str) -> Path:
    """Folder of an installed package, found without importing it."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(f"package {package!r} is not installed; install it with: {install_hint}")
    return Path(list(spec.submodule_search_locations)[0])


def assemble_gguf(spec: ModelSpec, workdir: Path) -> tuple[Path, str]:
    """Path of the GGUF (concatenated from parts when split) and its sha256."""
    files = [package_dir(pkg, spec.pip_install) / rel for pkg, rel in spec.parts]
    for f in files:
        if not f.is_file():
            raise RuntimeError(f"{f} is missing; reinstall with: {spec.pip_install}")
    digest = hashlib.sha256()
    if len(files) == 1:
        target = files[0]
        with open(target, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 22), b""):
                digest.update(block)
    else:
        target = workdir / spec.gguf_name
        with open(target, "wb") as out:
            for f in files:
                with open(f, "rb") as fh:
                    for block in iter(lambda fh=fh: fh.read(1 << 22), b""):
                        digest.update(block)
                        out.write(block)
    sha = digest.hexdigest()
    if spec.sha256 and sha != spec.sha256:
        raise RuntimeError(
            f"{spec.name}: GGUF sha256 {sha} does not match the recorded {spec.sha256}"
        )
    return target, sha


def convert_gguf_model(spec: ModelSpec, out: Path) -> Path:
    """Dequantise ``spec``'s GGUF to float32 and save a transformers directory at ``out``."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out.parent) as tmp:
        gguf, sha = assemble_gguf(spec, Path(tmp))
        tok = AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
        model = AutoModelForCausalLM.from_pretrained(
            str(gguf.parent), gguf_file=gguf.name, dtype=torch.float32
        )
        if getattr(model, "hf_quantizer", None) is not None:
            model.hf_quantizer.remove_quantization_config(model)
        staging = Path(tmp) / "model"
        model.save_pretrained(staging)
        tok.save_pretrained(staging)
        (staging / "source.sha256").write_text(f"{sha}  {spec.gguf_name}\n")
        (staging / ".converted").write_text(spec.name + "\n")
        if out.exists():
            shutil.rmtree(out)
        shutil.move(str(staging), str(out))  # atomic enough: .converted marks completion
    return out
