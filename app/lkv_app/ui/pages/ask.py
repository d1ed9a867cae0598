"""Ask a question over the stored documents: streamed answer, sources, eviction figures."""

import streamlit as st

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

cfg = config()
choice = sidebar(cfg)
st.title("Ask your documents")
mode = st.radio(
    "Context",
    ["auto", "whole", "retrieve"],
    horizontal=True,
    help="auto: whole documents when they fit the window, else retrieved chunks",
)
question = st.text_area("Question", key="question", max_chars=2000)

if st.button("Ask", type="primary"):
    with shown_errors():
        info = get_server_info(choice.server_url)
        opts = QAOptions(
            mode=mode,
            context_tokens=cfg.context_tokens,
            eviction=choice.eviction,
            eviction_budget=choice.eviction_budget,
        )
        stream = ask(
            question, store(), llm(choice), opts, info.kv_bytes_per_token if info else None
        )
        st.subheader("Answer")
        box, text = st.empty(), ""
        for piece in stream:
            text += piece
            box.text(text)  # model output as plain text, never markdown or HTML
        st.session_state["last_qa"] = stream.result

res = st.session_state.get("last_qa")
if res is not None:
    s = res.stats
    st.caption(f"Context: {res.mode}; eviction: {s.policy or 'n/a'} (figures {s.source or 'n/a'})")
    cols = st.columns(5)
    cols[0].metric("Prompt tokens", s.prompt_tokens if s.prompt_tokens is not None else "n/a")
    cols[1].metric("Kept tokens", s.kept_tokens if s.kept_tokens is not None else "n/a")
    cols[2].metric("KV memory saved", human_bytes(s.memory_saved_bytes))
    cols[3].metric("Time to first token", f"{s.ttft_s:.2f} s" if s.ttft_s else "n/a")
    cols[4].metric(
        "Eviction time",
        f"{s.eviction_ms:.1f} ms" if s.eviction_ms is not None else "n/a",
        help="SGLang's OpenAI stream carries no meta_info: a streamed answer's kept tokens are "
        "derived from its usage counts and its eviction time is unknown",
    )
    st.subheader("Sources")
    for i, hit in enumerate(res.sources, 1):
        with st.expander(f"[{i}] {hit.label} - similarity {hit.score:.2f}"):
            st.text(hit.text)
