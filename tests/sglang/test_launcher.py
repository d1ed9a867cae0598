"""The launcher's port: never in the kernel's client range, and a port another process took
while the model loaded costs a retry, not a failed start or a server that is not ours.

CI once lost a test module to this: ``free_port`` handed out an ephemeral port, something else
held it 10 s later when SGLang bound it, and SGLang exited with "address already in use".
"""

from __future__ import annotations

import http.server
import socket
import threading

import pytest

from lkv_sglang import launcher

pytestmark = pytest.mark.sglang


def ephemeral_range() -> tuple[int, int]:
    with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
        low, high = map(int, f.read().split())
    return low, high


def test_free_port_is_below_the_client_range_and_free():
    low, _ = ephemeral_range()
    for _ in range(20):
        port = launcher.free_port()
        assert launcher.PORT_RANGE[0] <= port <= launcher.PORT_RANGE[1] < low
        with socket.socket() as s:
            s.bind(("127.0.0.1", port))


class Healthy(http.server.BaseHTTPRequestHandler):
    """A foreign server that answers /health 200, like another SGLang would."""

    def do_GET(self):  # noqa: N802 (http.server's name)
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_a_taken_port_is_retried_and_a_foreign_health_answer_is_not_taken(
    tiny_llama_dir, tmp_path, monkeypatch
):
    foreign = http.server.HTTPServer(("127.0.0.1", 0), Healthy)
    threading.Thread(target=foreign.serve_forever, daemon=True).start()
    taken = foreign.server_address[1]
    ports = iter([taken])
    real = launcher.free_port
    monkeypatch.setattr(launcher, "free_port", lambda: next(ports, None) or real())
    server = launcher.start_server(tiny_llama_dir, ["--eviction", "snapkv"], tmp_path, timeout=240)
    try:
        assert server.port != taken
        assert server.proc.poll() is None
        first = (tmp_path / f"server_{taken}.log").read_text().lower()
        assert launcher.BIND_FAILED in first
        out = server.generate([1, 2, 3, 4], 2)
        assert len(out["output_ids"]) == 2
    finally:
        server.stop()
        foreign.shutdown()
