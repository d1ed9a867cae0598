"""LookaheadKV prompt-KV eviction."""
