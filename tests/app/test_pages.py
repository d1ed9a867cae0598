"""Pages through ``streamlit.testing.v1.AppTest`` against the fake server and a temp store."""

from __future__ import annotations

from pathlib import Path

import pytest
from sample_docs import CATS, MARS
from streamlit.testing.v1 import AppTest

from lkv_app.eviction import EvictionInfo
from lkv_app.qa import QAResult, QAStats

UI = Path(__file__).parents[2] / "app" / "lkv_app" / "ui"
TIMEOUT = 60


@pytest.fixture
def env(monkeypatch, tmp_path, fake, embedding):
    monkeypatch.setenv("LKV_APP_STORE_DIR", str(tmp_path / "store"))
    monkeypatch.setenv("LKV_APP_SERVER_URL", fake.url)
    monkeypatch.setenv("LKV_APP_MAX_UPLOAD_MB", "0.01")  # 10 KB
    monkeypatch.setenv("LKV_APP_EVICTION", "snapkv")
    monkeypatch.setenv("LKV_APP_EVICTION_BUDGET", "16")
    return tmp_path


def page(name: str) -> AppTest:
    return AppTest.from_file(str(UI / "pages" / f"{name}.py"), default_timeout=TIMEOUT)


def no_traceback(at: AppTest) -> None:
    assert not at.exception, [e.message for e in at.exception]


def upload(at: AppTest, files: list[tuple[str, bytes]]) -> AppTest:
    at.file_uploader[0].set_value([(n, d, "application/octet-stream") for n, d in files])
    at.button[0].click()  # the form's submit button
    return at.run()


def test_upload_list_delete(env):
    at = page("documents").run()
    no_traceback(at)
    upload(at, [("mars.txt", MARS), ("cats.md", CATS)])
    no_traceback(at)
    assert len(at.success) == 2 and not at.error
    assert at.dataframe[0].value["document"].tolist() == ["cats.md", "mars.txt"]
    at.selectbox(key="delete_name").set_value("mars.txt")
    at.button(key="delete").click()
    at.run()
    assert at.dataframe[0].value["document"].tolist() == ["cats.md"]


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("empty.txt", b"", "is empty"),
        ("big.txt", b"a" * 20_000, "largest file allowed is 0.0 MB"),
        ("run.exe", b"MZ", "not supported; allowed: .txt, .md, .pdf"),
        ("../../x.sh", b"#!", "not supported"),
    ],
)
def test_bad_upload_shows_message_and_keeps_documents(env, name, data, message):
    at = upload(page("documents").run(), [("cats.md", CATS)])
    upload(at, [(name, data)])
    no_traceback(at)
    assert any(message in e.value for e in at.error), [e.value for e in at.error]
    assert at.dataframe[0].value["document"].tolist() == ["cats.md"]


def ask_page(env, question: str) -> AppTest:
    upload(page("documents").run(), [("mars.txt", MARS), ("cats.md", CATS)])
    at = page("ask").run()
    at.text_area(key="question").input(question)
    at.button[0].click()
    return at.run()


def test_ask_streams_text_sources_and_figures(env):
    at = ask_page(env, "What colour is the sky on Mars?")
    no_traceback(at)
    assert not at.error
    assert at.text[1].value == "The answer is <b>blue</b> [1]."  # shown as text, tags and all
    assert not at.html and all("<b>" not in m.value for m in at.markdown)
    labels = {m.label: m.value for m in at.metric}
    assert labels["Kept tokens"] == "16" and int(labels["Prompt tokens"]) > 16
    assert labels["Eviction time"] == "1.5 ms"  # the server's streamed report
    assert labels["Cached tokens"] == "n/a"  # the fake reports no cache hits
    assert any("Sources of turn 1" in e.label for e in at.expander)
    assert any("mars.txt" in c.value for c in at.caption)


def test_ask_follow_up_keeps_the_conversation(env, fake):
    at = ask_page(env, "What colour is the sky on Mars?")
    at.text_area(key="question").input("And at sunset?")
    at.button[0].click()
    at.run()
    no_traceback(at)
    assert [m.name for m in at.chat_message] == ["user", "assistant"] * 2
    sent = fake.requests[-1]["messages"]
    assert [m["role"] for m in sent] == ["system", "user", "assistant", "user"]
    assert sent[-1]["content"] == "And at sunset?"
    at.button[1].click()  # New conversation
    at.run()
    assert not at.chat_message


def test_ask_without_a_report_says_so(env, fake):
    fake.stream_report = False
    at = ask_page(env, "What colour is the sky on Mars?")
    no_traceback(at)
    labels = {m.label: m.value for m in at.metric}
    assert labels["Kept tokens"] == "n/a" and labels["KV saved"] == "n/a"
    assert any("not reported by the server" in c.value for c in at.caption)


def test_example_documents_load_with_one_button(env):
    at = page("documents").run()
    assert any("load the examples" in i.value for i in at.info)
    next(b for b in at.button if b.label == "Load example documents").click()
    at.run()
    no_traceback(at)
    assert len(at.dataframe[0].value["document"].tolist()) == 5


def test_ask_with_server_down(env, monkeypatch, closed_url):
    monkeypatch.setenv("LKV_APP_SERVER_URL", closed_url)
    at = ask_page(env, "What colour is the sky on Mars?")
    no_traceback(at)
    assert any("not reachable" in e.value for e in at.error)
    docs = page("documents").run()
    assert docs.dataframe[0].value["document"].tolist() == ["cats.md", "mars.txt"]


def test_ask_while_server_restarts(env, fake):
    fake.fail_status = 503
    at = ask_page(env, "What colour is the sky on Mars?")
    no_traceback(at)
    assert any("answered 503" in e.value and "try again" in e.value for e in at.error)


def test_ask_empty_question(env):
    at = ask_page(env, "   ")
    no_traceback(at)
    assert any("question is empty" in e.value for e in at.error)


def test_agent_page_shows_steps(env, fake):
    from fake_openai_server import agent_script

    fake.script = agent_script
    upload(page("documents").run(), [("mars.txt", MARS), ("cats.md", CATS)])
    at = page("agent").run()
    at.text_input(key="agent_question").input("What colour is the sky on Mars?")
    at.button[0].click()
    at.run()
    no_traceback(at)
    captions = [c.value for c in at.caption]
    assert any("calls search_documents" in c for c in captions)
    assert any("Answered after 1 tool calls" in s.value for s in at.success)
    assert any("(source: mars.txt)" in t.value for t in at.text)


def test_kept_page(env, monkeypatch, tiny_llama_dir):
    monkeypatch.setenv("LKV_APP_MODEL", str(tiny_llama_dir))
    at = page("kept").run()
    assert any("Ask a question" in i.value for i in at.info)
    ev = EvictionInfo("snapkv", 16, 40, 16, True, 1.0)
    stats = QAStats(40, 0, ev, None, 0.1, 0.2)
    at.session_state["last_qa"] = QAResult("q?", "a", "whole", [], stats, "Doc <i>x</i> " * 20)
    at.run()
    at.button[0].click()
    at.run()
    no_traceback(at)
    html = [m.value for m in at.markdown if "<span" in m.value]
    assert html and "&lt;" in html[0] and "<i>" not in html[0]  # tokens escaped one by one
    assert any("transformers reference path" in c.value for c in at.caption)


def test_main_navigation_loads(env):
    at = AppTest.from_file(str(UI / "main.py"), default_timeout=TIMEOUT).run()
    no_traceback(at)
    assert at.title[0].value == "Documents"
