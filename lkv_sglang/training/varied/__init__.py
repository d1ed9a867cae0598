"""lkv-data-v2: varied long-context prompts from many template families, held out by template.

Prompts are never stored: ``generator.build_sample(seed, split, index, ntok)`` rebuilds one
deterministically; the dataset files hold only the model's greedy answer and a sha256 of the
prompt's token ids (``store.py`` checks it at load).
"""
