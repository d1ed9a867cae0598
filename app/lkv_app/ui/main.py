"""Entry point: ``streamlit run app/lkv_app/ui/main.py`` (see scripts/serve_app.sh)."""

from pathlib import Path

import streamlit as st

HERE = Path(__file__).parent / "pages"
st.set_page_config(page_title="LookaheadKV documents", layout="wide")
st.navigation(
    [
        st.Page(HERE / "documents.py", title="Documents", default=True),
        st.Page(HERE / "ask.py", title="Ask"),
        st.Page(HERE / "agent.py", title="Agent"),
        st.Page(HERE / "kept.py", title="Kept tokens"),
    ]
).run()
