"""Upload, list and delete documents."""

import streamlit as st

from lkv_app.errors import AppError
from lkv_app.examples import example_documents
from lkv_app.store import ALLOWED
from lkv_app.ui.common import config, human_bytes, shown_errors, sidebar, store

cfg = config()
sidebar(cfg)
st.title("Documents")
st.caption(f"Accepted: {', '.join(ALLOWED)}, up to {human_bytes(cfg.max_upload_bytes)} each.")

with shown_errors():
    docs_store = store()
    with st.form("upload", clear_on_submit=True):
        files = st.file_uploader("Add documents", accept_multiple_files=True)
        submitted = st.form_submit_button("Add to store")
    if submitted and not files:
        st.warning(
            "Choose one or more files first. (Just picked some? Wait until they finish "
            "uploading, then press Add to store again.)"
        )
    for f in files if submitted else []:
        try:
            res = docs_store.ingest(f.name, f.getvalue())
        except AppError as e:
            st.error(f"Not added: {e}")
            continue
        note = f" ({res.note})" if res.note else ""
        if res.status == "unchanged":
            st.info(f"{res.name}: already stored, unchanged{note}.")
        else:
            st.success(f"{res.name}: {res.status}, {res.chunks} chunks{note}.")

    docs = docs_store.documents()
    if st.button("Load example documents", type="secondary" if docs else "primary"):
        for name, raw in example_documents().items():
            docs_store.ingest(name, raw)
        st.success(
            f"Loaded {len(example_documents())} example documents (a port report, a robot "
            "spec, greenhouse notes, library minutes, a recipe)."
        )
        docs = docs_store.documents()
    if not docs:
        st.info("No documents yet: upload some, or load the examples to try the app at once.")
    else:
        st.dataframe(
            [{"document": d.name, "chunks": d.chunks, "characters": d.chars} for d in docs],
            hide_index=True,
        )
        col1, col2 = st.columns([3, 1])
        name = col1.selectbox("Document", [d.name for d in docs], key="delete_name")
        if col2.button("Delete", key="delete"):
            n = docs_store.delete(name)
            st.success(f"Deleted {name} ({n} chunks).")
            st.rerun()
