"""Ask the stored documents, as a conversation: streamed answers, sources, the server's figures."""

import streamlit as st

from lkv_app.eviction import NOT_REPORTED
from lkv_app.qa import QAOptions, ask
from lkv_app.ui.common import (
    config,
    get_server_info,
    human_bytes,
    llm,
    shown_errors,
    sidebar,
    store,
)


def figures(res) -> None:
    """One turn's figures, all from the server (usage counts and the plugin's report)."""
    s, ev = res.stats, res.stats.eviction
    cols = st.columns(6)
    cols[0].metric("Prompt tokens", s.prompt_tokens if s.prompt_tokens is not None else "n/a")
    cols[1].metric("Cached tokens", s.cached_tokens if s.cached_tokens is not None else "n/a")
    cols[2].metric("Kept tokens", ev.kept_tokens if ev else "n/a")
    cols[3].metric("KV held", human_bytes(s.memory_held_bytes))
    cols[4].metric("KV saved", human_bytes(s.memory_saved_bytes))
    cols[5].metric(
        "Eviction time", f"{ev.eviction_ms:.1f} ms" if ev and ev.eviction_ms is not None else "n/a"
    )
    if ev is None:
        st.caption(f"Eviction figures: {NOT_REPORTED}.")
    else:
        st.caption(f"Eviction: {ev.policy}, budget {ev.budget}, pruned: {ev.pruned}")


cfg = config()
choice = sidebar(cfg)
st.title("Ask your documents")
history = st.session_state.setdefault("conversation", [])
mode = st.radio(
    "Context",
    ["auto", "whole", "retrieve"],
    horizontal=True,
    help="auto: whole documents when they fit the window, else retrieved chunks; chosen on the "
    "first question and kept for the follow-ups",
    disabled=bool(history),
)
for i, res in enumerate(history, 1):
    with st.chat_message("user"):
        st.text(res.question)
    with st.chat_message("assistant"):
        st.text(res.answer)  # model output as plain text, never markdown or HTML
        figures(res)
        with st.expander(f"Sources of turn {i} ({res.mode})"):
            for j, hit in enumerate(res.sources, 1):
                st.caption(f"[{j}] {hit.label} - similarity {hit.score:.2f}")
                st.text(hit.text)

label = "Follow-up question" if history else "Question"
question = st.text_area(label, key="question", max_chars=2000)
c1, c2 = st.columns([1, 4])
if c2.button("New conversation", disabled=not history):
    history.clear()
    st.rerun()
if c1.button("Ask", type="primary"):
    with shown_errors():
        info = get_server_info(choice.server_url)
        opts = QAOptions(
            mode=mode,
            context_tokens=cfg.context_tokens,
            eviction=choice.eviction,
            eviction_budget=choice.eviction_budget,
        )
        kv = info.kv_bytes_per_token if info else None
        stream = ask(question, store(), llm(choice), opts, kv, history=history)
        with st.chat_message("assistant"):
            box, text = st.empty(), ""
            for piece in stream:
                text += piece
                box.text(text)
        history.append(stream.result)
        st.session_state["last_qa"] = stream.result
        st.rerun()
