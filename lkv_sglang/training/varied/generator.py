"""Rebuild any lkv-data-v2 prompt from (seed, split, index): the dataset stores no prompt text.

Splits pair a document split (``sources.split_of``) with a template role:
train = train documents x train templates; val_heldout = val documents x val templates
(format-heldout validation, picks the checkpoint); test_heldout = test documents x test
templates (format-heldout test); test_informat = test documents x train templates.
"""

from __future__ import annotations

import functools
import hashlib
import random

import torch

from . import documents, needles, transcripts
from .sample import Sample
from .templates import KINDS, families

VERSION = "lkv-data-v2"
REVISION = 1  # bump when a change alters any prompt: stored sha256s then fail loudly
SPLITS = {  # split -> (document split, template role)
    "train": ("train", "train"),
    "val_heldout": ("val", "val"),
    "test_heldout": ("test", "test"),
    "test_informat": ("test", "train"),
}
BUILDERS = {
    "needle": needles.needle,
    "multineedle": needles.multineedle,
    "vt": needles.variable_tracking,
    "count": needles.count,
    "qa": documents.qa,
    "multihop": documents.multihop,
    "summary": documents.summary,
    "app_qa": transcripts.app_qa,
    "chat": transcripts.chat,
    "agent": transcripts.agent,
}
LENGTHS = (1000, 4000, 6000)  # tokens: uniform in [0, 1], a tail up to [2] (SmolLM2: 8K context)
TAIL_P = 0.12


def target_tokens(rng: random.Random, lengths=LENGTHS) -> int:
    lo, hi, tail = lengths
    if rng.random() < TAIL_P:
        return rng.randrange(hi, tail + 1)
    return rng.randrange(lo, hi + 1)


def build_sample(seed: int, split: str, index: int, ntok, lengths=LENGTHS, kinds=KINDS) -> Sample:
    """The ``index``-th prompt of ``split``: kinds in rotation, everything else from one rng
    (seeded by version, revision, seed, split and index, so any one rebuilds alone)."""
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}; known: {', '.join(SPLITS)}")
    doc_split, role = SPLITS[split]
    kind = kinds[index % len(kinds)]
    rng = random.Random(f"{VERSION}:{REVISION}:{seed}:{split}:{index}")
    fam = rng.choice(families(kind, role))
    target = target_tokens(rng, tuple(lengths))
    messages, gold, docs, meta = BUILDERS[kind](rng, fam, doc_split, target, ntok)
    return Sample(
        f"{split}-{index:05d}-{kind}",
        split,
        index,
        kind,
        fam.id,
        messages,
        gold,
        docs,
        target,
        meta,
    )


def prompt_ids(tok, messages: list[dict]) -> list[int]:
    """Token ids of ``messages`` through the chat template, ready for the assistant's turn."""
    if not tok.chat_template:
        raise ValueError("lkv-data-v2 needs a tokenizer with a chat template")
    text = tok.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
    return tok(text, add_special_tokens=False)["input_ids"]


def ids_sha256(ids: list[int]) -> str:
    return hashlib.sha256(torch.tensor(ids, dtype=torch.int64).numpy().tobytes()).hexdigest()


def token_counter(tok):
    """Token count of a text, memoised: the same haystack documents are counted for every
    sample (one summary sample used to tokenize the whole wiki pool, ~10 s per call)."""

    @functools.cache
    def ntok(text: str) -> int:
        return len(tok(text, add_special_tokens=False)["input_ids"])

    return ntok
