"""What the app needs to know about the model server, and how its failures reach the user.

``server_info`` asks SGLang's ``/get_model_info`` and ``/server_info`` (both optional: a
plain OpenAI server answers neither) and reads the served model's ``config.json`` when the
directory is on this machine, for the KV bytes one prompt token holds.
"""

from __future__ import annotations

import contextlib
import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .errors import InputRejected, ServerUnavailable

DTYPE_BYTES = {"float32": 4, "float16": 2, "bfloat16": 2, "fp8_e4m3": 1, "fp8_e5m2": 1}
START_HINT = "start it with scripts/serve_app.sh (or set LKV_APP_SERVER_URL)"


@dataclass(frozen=True)
class ServerInfo:
    """url: base URL (no ``/v1``); model_path: as the server reports it; kv_bytes_per_token:
    K and V over all layers for one token (None when the model directory is not readable)."""

    url: str
    model_path: str | None
    kv_bytes_per_token: int | None
    context_length: int | None


def get_json(url: str, timeout: float = 3.0) -> dict:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return json.loads(r.read() or b"{}")
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError) as e:
        raise ServerUnavailable(
            f"the model server at {url} is not reachable ({e}); {START_HINT}"
        ) from None
    except json.JSONDecodeError:
        return {}


def check_server(url: str) -> None:
    """Raises ``ServerUnavailable`` unless ``url/health`` answers."""
    get_json(url.rstrip("/") + "/health")


def kv_bytes_per_token(model_dir: str | Path, dtype: str = "float32") -> int | None:
    cfg_path = Path(model_dir) / "config.json"
    if not cfg_path.is_file():
        return None
    cfg = json.loads(cfg_path.read_text())
    heads = cfg["num_attention_heads"]
    head_dim = cfg.get("head_dim") or cfg["hidden_size"] // heads
    kv_heads = cfg.get("num_key_value_heads", heads)
    return 2 * cfg["num_hidden_layers"] * kv_heads * head_dim * DTYPE_BYTES.get(dtype, 4)


def server_info(url: str) -> ServerInfo:
    base = url.rstrip("/")
    check_server(base)
    model = get_json(base + "/get_model_info")
    srv: dict = {}
    for path in ("/server_info", "/get_server_info"):  # the second: older SGLang
        try:
            srv = get_json(base + path)
            break
        except ServerUnavailable:
            continue
    path = model.get("model_path")
    dtype = str(srv.get("kv_cache_dtype") or "auto")
    dtype = dtype if dtype in DTYPE_BYTES else str(srv.get("dtype") or "float32")
    kv = kv_bytes_per_token(path, dtype) if path else None
    ctx = srv.get("context_length") or model.get("context_length")
    return ServerInfo(base, path, kv, int(ctx) if ctx else None)


@contextlib.contextmanager
def server_errors(url: str) -> Iterator[None]:
    """Turn the OpenAI client's failures into messages the user can act on."""
    import openai

    try:
        yield
    except openai.APIConnectionError:  # includes timeouts
        raise ServerUnavailable(
            f"the model server at {url} is not reachable; {START_HINT}"
        ) from None
    except openai.BadRequestError as e:
        raise InputRejected(f"the model server refused the request: {_message(e)}") from None
    except openai.APIStatusError as e:
        raise ServerUnavailable(
            f"the model server at {url} answered {e.status_code} ({_message(e)}); it may be "
            "starting or restarting: try again in a minute"
        ) from None


def _message(e) -> str:
    body = getattr(e, "body", None)
    if isinstance(body, dict):
        return str(body.get("message") or body.get("error") or body)
    return str(e)
