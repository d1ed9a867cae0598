"""Start a real SGLang server with the plugin (own process group, loopback), talk to it, stop it.

A supported module (not a test fixture): the notebooks, the benchmarks and the tests start
their servers with ``start_server(model_dir, flags, workdir)``; ``Server`` posts requests,
reads the plugin's accounting log (``events``, ``wait_idle``) and stops the process group. On the CPU (default) the flags follow the
tested CPU recipe (torch_native attention, fp32, no CUDA graphs, a small fixed KV pool); with
``device="cuda"`` they are FlashInfer attention in bfloat16, still without CUDA graphs.
"""

from __future__ import annotations

import json
import os
import random
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

CPU_FLAGS = (
    "--device",
    "cpu",
    "--attention-backend",
    "torch_native",
    "--disable-cuda-graph",
    "--dtype",
    "float32",
    "--skip-server-warmup",
    "--mem-fraction-static",
    "0.05",
)
GPU_FLAGS = (
    "--attention-backend",
    "flashinfer",
    "--disable-cuda-graph",
    "--dtype",
    "bfloat16",
    "--skip-server-warmup",
    "--mem-fraction-static",
    "0.3",
)


# Ports for servers that bind only after loading a model (seconds later): below the kernel's
# ephemeral range, so no outgoing connection can take one in that gap, and below SGLang's own
# choice for its torch.distributed port (22000-29999, ``get_free_port_below_ephemeral``).
PORT_RANGE = (12000, 21999)
BIND_FAILED = "address already in use"


def free_port(attempts: int = 64) -> int:
    """A loopback port nothing holds now, outside the range the kernel hands to clients."""
    low, high = PORT_RANGE
    for port in random.sample(range(low, high + 1), attempts):
        try:
            for host in ("0.0.0.0", "127.0.0.1"):
                with socket.socket() as s:
                    s.bind((host, port))
        except OSError:
            continue
        return port
    raise RuntimeError(f"no free port in {low}-{high} after {attempts} tries")


def server_command(
    model: str | Path,
    port: int,
    extra: list[str],
    max_total_tokens: int = 4096,
    device: str = "cpu",
) -> list[str]:
    return [
        sys.executable,
        "-m",
        "sglang.launch_server",
        "--model-path",
        str(model),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--max-total-tokens",
        str(max_total_tokens),
        *(GPU_FLAGS if device == "cuda" else CPU_FLAGS),
        *extra,
    ]


@dataclass
class Server:
    """A running server; ``log`` holds its stdout/stderr, ``accounting`` the plugin's JSONL log."""

    proc: subprocess.Popen
    port: int
    log: Path
    accounting: Path
    command: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def post(self, path: str, body: dict, timeout: float = 300) -> tuple[int, dict]:
        """(HTTP status, JSON body); an error status is returned, not raised."""
        req = urllib.request.Request(
            self.url + path,
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                raw = r.read()
                return r.status, json.loads(raw) if raw.strip() else {}
        except urllib.error.HTTPError as e:
            raw = e.read()
            try:
                return e.code, json.loads(raw)
            except json.JSONDecodeError:
                return e.code, {"raw": raw.decode(errors="replace")}

    def generate(
        self,
        input_ids: list[int],
        max_new_tokens: int,
        custom_params: dict | None = None,
        ignore_eos: bool = True,
    ) -> dict:
        sp = {"max_new_tokens": max_new_tokens, "temperature": 0, "ignore_eos": ignore_eos}
        if custom_params is not None:
            sp["custom_params"] = custom_params
        status, body = self.post("/generate", {"input_ids": input_ids, "sampling_params": sp})
        if status != 200:
            raise RuntimeError(f"/generate returned {status}: {body}")
        return body

    def events(self, kind: str | None = None) -> list[dict]:
        if not self.accounting.exists():
            return []
        rows = [
            json.loads(line) for line in self.accounting.read_text().splitlines() if line.strip()
        ]
        return [r for r in rows if kind is None or r["event"] == kind]

    def wait_idle(self, timeout: float = 20.0) -> dict:
        """The scheduler's counts once it has gone idle after the last event logged so far."""
        n = len(self.events())
        deadline = time.time() + timeout
        while time.time() < deadline:
            rows = self.events()
            idle = [r for r in rows[n:] if r["event"] == "idle"]
            if idle:
                return idle[-1]
            time.sleep(0.2)
        idle = self.events("idle")
        return idle[-1] if idle else {}

    def stop(self) -> None:
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(20)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                try:
                    os.killpg(self.proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.proc.wait(10)


def start_server(
    model: str | Path,
    extra: list[str],
    workdir: Path,
    timeout: float = 240.0,
    max_total_tokens: int = 4096,
    env: dict | None = None,
    device: str = "cpu",
) -> Server:
    """Launch and wait until ``/health`` answers; raises with the log's tail if it exits first.

    ``device``: ``cpu`` (SGLang's CPU engine) or ``cuda``.
    """
    if device not in ("cpu", "cuda"):
        raise ValueError(f"device {device!r} is not one of cpu, cuda")
    workdir.mkdir(parents=True, exist_ok=True)
    engine = {"SGLANG_USE_CPU_ENGINE": "1"} if device == "cpu" else {}
    for _ in range(3):
        port = free_port()
        log, acct = workdir / f"server_{port}.log", workdir / f"accounting_{port}.jsonl"
        cmd = server_command(model, port, extra, max_total_tokens, device)
        full_env = dict(os.environ, **engine, LKV_SGLANG_ACCOUNTING_LOG=str(acct), **(env or {}))
        with open(log, "w") as out:
            proc = subprocess.Popen(
                cmd, env=full_env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        server = Server(proc, port, log, acct, cmd)
        try:
            _wait_healthy(server, timeout)
            return server
        except PortTaken:
            continue  # another process bound the port while the model loaded: a new port
    raise RuntimeError(f"server could not bind a port in 3 tries:\n{log.read_text()[-3000:]}")


class PortTaken(RuntimeError):
    """The server exited because its port was bound by another process first."""


def _wait_healthy(server: Server, timeout: float) -> None:
    """Until ``/health`` answers from *this* server: its log says its own listener is up, so an
    answer from whatever else holds the port does not count."""
    proc, log = server.proc, server.log
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            text = log.read_text()
            if BIND_FAILED in text.lower():
                raise PortTaken(f"port {server.port} taken")
            raise RuntimeError(f"server exited with {proc.returncode}:\n{text[-3000:]}")
        if f"running on {server.url}" in log.read_text():
            try:
                with urllib.request.urlopen(server.url + "/health", timeout=2) as r:
                    if r.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
        time.sleep(1)
    server.stop()
    raise TimeoutError(f"server not healthy after {timeout}s:\n{log.read_text()[-3000:]}")


def run_until_exit(model: str | Path, extra: list[str], timeout: float = 180.0) -> tuple[int, str]:
    """Launch expecting start-up to fail: (exit code, output). Kills it if it comes up."""
    cmd = server_command(model, free_port(), extra)
    env = dict(os.environ, SGLANG_USE_CPU_ENGINE="1")
    proc = subprocess.Popen(
        cmd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, _ = proc.communicate()
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    return proc.returncode, out
