"""lkv_app: multi-document QA and agent loops over an SGLang server with prompt-KV eviction.

Layers point one way: ``ui`` (Streamlit pages) -> services (``qa``, ``agent``, ``kept_view``)
-> ``store`` (ChromaDB) and ``chat_model`` (LangChain over the server's OpenAI API). Nothing
here imports sglang; the app talks to the server over HTTP.
"""

from .chat_model import ChatLookaheadKV
from .eviction import EvictionInfo

__all__ = ["ChatLookaheadKV", "EvictionInfo"]
