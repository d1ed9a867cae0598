"""Streamlit pages: widgets and session state only; the logic is in the service modules."""
