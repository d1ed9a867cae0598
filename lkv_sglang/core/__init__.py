"""Engine-agnostic core: scoring policies, selection, budgets, the lookahead module.

Plain torch only: nothing here imports transformers, sglang or triton. Indices are logical
(request-relative prompt positions); engines map them to their own storage.
"""
