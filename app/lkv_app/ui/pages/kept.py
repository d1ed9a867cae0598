"""Which prompt tokens eviction kept, for the last question asked."""

from pathlib import Path

import streamlit as st

from lkv_app.kept_view import compute, to_html
from lkv_app.qa import transcript
from lkv_app.ui.common import POLICIES, config, get_server_info, shown_errors, sidebar

cfg = config()
choice = sidebar(cfg)
st.title("Kept tokens")
res = st.session_state.get("last_qa")
if res is None:
    st.info("Ask a question on the Ask page first; its prompt is shown here.")
    st.stop()
info = get_server_info(choice.server_url)
model = (
    info.model_path if info and info.model_path and Path(info.model_path).is_dir() else cfg.model
)
st.caption(f"Prompt of: {res.question!r} - model: {model}")
policy = st.selectbox(
    "Policy",
    [p for p in POLICIES if p != "none"],
    index=POLICIES.index(choice.eviction) if choice.eviction in POLICIES[:-1] else 0,
)
budget = st.number_input("Budget", 8, 32768, choice.eviction_budget or 128, step=8)
layer = st.selectbox("Layer", ["average over layers and heads", *range(64)])

if st.button("Show kept tokens", type="primary"):
    with shown_errors(), st.spinner("Recomputing the keep plan on this machine..."):
        conv = st.session_state.get("conversation") or []
        earlier = conv[:-1] if conv and conv[-1] is res else []
        roles = {"system": "system", "human": "user", "ai": "assistant"}
        messages = [
            {"role": roles[m.type], "content": m.text} for m in transcript(earlier, res.prompt)
        ]
        view = compute(
            model, messages, policy, int(budget), None if isinstance(layer, str) else layer
        )
        st.caption(
            f"{view.method}. Prompt {view.prompt_len} tokens, budget {view.budget}"
            + (f"; lookahead: {view.lookahead}" if view.lookahead else "")
        )
        st.markdown(to_html(view), unsafe_allow_html=True)  # every token is html-escaped
        st.caption("Reference answer from the pruned cache:")
        st.text(view.answer)
