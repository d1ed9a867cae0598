"""scripts/device_pieces.py: a model's GGUF parts cut into pieces and joined back byte for byte."""

from __future__ import annotations

import hashlib
import importlib.util
import zipfile
from pathlib import Path

import pytest

from lkv_sglang.models import registry

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "device_pieces.py"
spec = importlib.util.spec_from_file_location("device_pieces", SCRIPT)
device_pieces = importlib.util.module_from_spec(spec)
spec.loader.exec_module(device_pieces)

PARTS = {"fake_part1": b"a" * 2500 + b"b" * 10, "fake_part2": bytes(range(256)) * 7}


@pytest.fixture
def fake_model(tmp_path, monkeypatch):
    whole = b"".join(PARTS.values())
    model = registry.ModelSpec(
        name="fake",
        pip_install="pip install fake",
        parts=tuple((pkg, f"data/{pkg}.bin") for pkg in PARTS),
        gguf_name="fake.gguf",
        sha256=hashlib.sha256(whole).hexdigest(),
    )
    monkeypatch.setitem(registry.MODELS, "fake", model)
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    for pkg, data in PARTS.items():
        with zipfile.ZipFile(wheels / f"{pkg}-0.1-py3-none-any.whl", "w") as z:
            z.writestr(f"{pkg}/__init__.py", "")
            z.writestr(f"{pkg}/data/{pkg}.bin", data)
    return wheels


def test_pieces_join_back_into_the_packages_files(fake_model, tmp_path):
    m = device_pieces.pack("fake", tmp_path / "out", 1000, fake_model)
    assert len(m["pieces"]) == 5  # 2510 + 1792 bytes in pieces of 1000
    flat = tmp_path / "flat"
    flat.mkdir()
    for folder in sorted((tmp_path / "out").iterdir()):  # what the calls copy, one by one
        for f in folder.iterdir():
            (flat / f.name).write_bytes(f.read_bytes())
    site = device_pieces.unpack(flat, tmp_path / "site")
    for pkg, data in PARTS.items():
        assert (site / pkg / "data" / f"{pkg}.bin").read_bytes() == data
        assert (site / pkg / "__init__.py").exists()


def test_a_changed_or_missing_piece_is_refused(fake_model, tmp_path):
    device_pieces.pack("fake", tmp_path / "out", 1000, fake_model)
    flat = tmp_path / "flat"
    flat.mkdir()
    for f in (tmp_path / "out").rglob("*"):
        if f.is_file():
            (flat / f.name).write_bytes(f.read_bytes())
    piece = flat / "piece02.bin"
    piece.write_bytes(b"x" + piece.read_bytes()[1:])
    with pytest.raises(SystemExit, match="piece02.bin: sha256 differs"):
        device_pieces.unpack(flat, tmp_path / "site")
    piece.unlink()
    with pytest.raises(SystemExit, match="piece02.bin"):
        device_pieces.unpack(flat, tmp_path / "site2")


def test_parts_that_are_not_the_registered_model_are_refused(fake_model, tmp_path, monkeypatch):
    monkeypatch.setitem(
        registry.MODELS,
        "fake",
        registry.MODELS["fake"].__class__(
            **{**registry.MODELS["fake"].__dict__, "sha256": "0" * 64}
        ),
    )
    with pytest.raises(SystemExit, match="is not 000"):
        device_pieces.pack("fake", tmp_path / "out", 1000, fake_model)
