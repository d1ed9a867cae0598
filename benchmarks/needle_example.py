"""Does a lookahead checkpoint keep the digits of examples/needle.txt? Its answer per budget.

The one prompt a new user runs first (README Quick start): a special magic number (4829173)
in 1.4K tokens of SQuAD paragraphs. A checkpoint whose recall is higher on average can still
lose it; this records each checkpoint's greedy answer at each budget, side by side:

  python benchmarks/needle_example.py --name needle_example \\
      --checkpoint v1=lkv_sglang/checkpoints/smollm2-135m --checkpoint v1cont=runs/.../best
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import REPO, repo_relative, write_result  # noqa: E402

NEEDLE = REPO / "examples" / "needle.txt"
ANSWER = "4829173"


def kept(answer: str) -> bool:
    """The number as a whole number (48291732 is not 4829173)."""
    return re.search(rf"(?<![0-9]){ANSWER}(?![0-9])", answer) is not None


def rescore(name: str) -> Path:
    """Recompute ``kept_the_number`` from the stored answers (no model)."""
    path = REPO / "results" / f"{name}.json"
    doc = json.loads(path.read_text())
    for row in doc["checkpoints"].values():
        row["kept_the_number"] = {b: kept(t) for b, t in row["answers"].items()}
    path.write_text(json.dumps(doc, indent=2))
    return path


def parse_checkpoint(text: str) -> tuple[str, str]:
    label, sep, path = text.partition("=")
    if not (sep and label and path):
        raise argparse.ArgumentTypeError(f"--checkpoint wants LABEL=DIR; got {text!r}")
    return label, path


def main(argv: list[str] | None = None) -> int:
    from lkv_sglang.hf import generate, load_model
    from lkv_sglang.hf.geometry import load_lookahead
    from lkv_sglang.runner import chat_ids

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--name", default="needle_example")
    ap.add_argument("--model", default="smollm2-135m")
    ap.add_argument("--checkpoint", type=parse_checkpoint, action="append")
    ap.add_argument("--rescore", action="store_true", help="only rescore results/NAME.json")
    ap.add_argument("--budgets", type=int, nargs="+", default=[64, 128, 256])
    ap.add_argument("--max-new-tokens", type=int, default=24)
    a = ap.parse_args(argv)
    if a.rescore:
        print("rescored", rescore(a.name))
        return 0
    if not a.checkpoint:
        ap.error("give at least one --checkpoint LABEL=DIR")
    model, tok = load_model(a.model)
    ids = chat_ids(tok, NEEDLE.read_text())
    full = tok.decode(generate(model, ids, "full", max_new_tokens=a.max_new_tokens).output_ids)
    rows = {}
    for label, path in a.checkpoint:
        la = load_lookahead(model, path)
        answers = {}
        for b in a.budgets:
            res = generate(model, ids, "lookaheadkv", b, a.max_new_tokens, lookahead=la)
            answers[str(b)] = tok.decode(res.output_ids, skip_special_tokens=True)
        rows[label] = {
            "checkpoint": repo_relative(path),
            "answers": answers,
            "kept_the_number": {b: kept(t) for b, t in answers.items()},
        }
        print(f"{label:14s} " + "  ".join(f"@{b}: {t.strip()[:60]!r}" for b, t in answers.items()))
    out = write_result(
        a.name,
        {
            "model": a.model,
            "prompt": repo_relative(NEEDLE),
            "prompt_tokens": int(ids.shape[1]),
            "answer": ANSWER,
            "full_cache_answer": full,
            "checkpoints": rows,
        },
    )
    print("wrote", out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
