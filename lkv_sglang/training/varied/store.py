"""Read an lkv-data-v2 dataset: rows of answers, prompts rebuilt and checked by sha256."""

from __future__ import annotations

import json
from pathlib import Path

from . import generator, prompt_cache
from .generator import REVISION, VERSION, build_sample, ids_sha256, prompt_ids, token_counter


class PromptMismatch(ValueError):
    """The generator no longer rebuilds the prompt a stored answer was made for."""


class AnswerStore:
    """``root`` holds ``manifest.json`` and ``{split}.jsonl`` (one row per example)."""

    def __init__(self, root: str | Path, tok):
        self.root = Path(root)
        path = self.root / "manifest.json"
        if not path.is_file():
            raise FileNotFoundError(f"{path} is missing: build the dataset first (varied.build)")
        self.manifest = json.loads(path.read_text())
        if self.manifest.get("version") != VERSION:
            raise ValueError(f"{self.root} holds {self.manifest.get('version')!r}, not {VERSION!r}")
        self.seed = int(self.manifest["seed"])
        self.lengths = tuple(self.manifest["lengths"])
        self.tok = tok
        self.ntok = token_counter(tok)
        self.cached = prompt_cache.load(self.root, generator.REVISION)
        self.cached_revision = generator.REVISION

    def rows(self, split: str) -> list[dict]:
        path = self.root / f"{split}.jsonl"
        if not path.exists():
            return []
        out = []
        for line in path.open():
            if line.endswith("\n"):  # a line still being written by a running build is skipped
                out.append(json.loads(line))
        return out

    def prompt(self, row: dict) -> list[int]:
        """The prompt's token ids, rebuilt from (seed, split, index) and checked (a cached
        rebuild is used when its sha256 is the row's: ``prompt_cache``)."""
        if self.cached_revision != generator.REVISION:  # the generator changed in this process
            self.cached, self.cached_revision = {}, generator.REVISION
        sha, ids = self.cached.get(row["id"], (None, None))
        if sha == row["prompt_sha256"] and ids_sha256(ids) == sha:
            return ids
        s = build_sample(self.seed, row["split"], row["index"], self.ntok, self.lengths)
        ids = prompt_ids(self.tok, s.messages)
        if ids_sha256(ids) != row["prompt_sha256"]:
            raise PromptMismatch(
                f"{row['id']}: the prompt rebuilt by {VERSION} revision {REVISION} does not match the "
                f"stored sha256 (dataset built by revision {self.manifest.get('revision')}); the "
                "generator or tokenizer changed since: check out the code that built "
                f"{self.root} or rebuild it"
            )
        self.cached[row["id"]] = (row["prompt_sha256"], ids)
        return ids
