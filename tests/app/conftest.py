"""Fixtures for the app's tests: a fake SGLang-like server, the packaged embedding, a store."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # fake_openai_server, pdf_bytes, sample_docs

from fake_openai_server import FakeServer, default_script  # noqa: E402
from sample_docs import CATS, MARS  # noqa: E402


@pytest.fixture(scope="session")
def fake_server():
    server = FakeServer().start()
    yield server
    server.stop()


@pytest.fixture
def fake(fake_server):
    """The shared fake server, reset: default script, no recorded requests."""
    fake_server.script = default_script
    fake_server.requests.clear()
    fake_server.fail_status = None
    fake_server.stream_report = True
    return fake_server


@pytest.fixture
def closed_url():
    """A loopback URL where nothing listens (the server is down)."""
    from fake_openai_server import free_port

    return f"http://127.0.0.1:{free_port()}"


@pytest.fixture(scope="session")
def embedding():
    from lkv_app.store.embedding import packaged_embedding

    return packaged_embedding()


@pytest.fixture
def store(tmp_path, embedding):
    from lkv_app.store import DocumentStore

    return DocumentStore(tmp_path / "store", embedding_function=embedding, max_bytes=100_000)


@pytest.fixture
def filled_store(store):
    store.ingest("mars.txt", MARS)
    store.ingest("cats.md", CATS)
    return store


@pytest.fixture
def llm(fake):
    from lkv_app.chat_model import ChatLookaheadKV

    return ChatLookaheadKV(
        base_url=fake.url + "/v1", eviction="snapkv", eviction_budget=16, max_retries=0
    )
