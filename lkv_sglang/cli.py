"""``lkv``: the project's one command.

lkv generate --model smollm2-135m --policy snapkv --budget 128 --prompt-file F
lkv dataset OUT [--counts ...]        build the training data (lkv_sglang.training.varied.build)
lkv dataset-v1 OUT [--train N ...]    the first dataset's builder (lkv_sglang.training.dataset)
lkv train CONFIG.json [--max-steps N] train a lookahead module (resumable)
lkv ship RUN_DIR MODEL                copy a run's best checkpoint into the package
lkv bench NAME [ARGS]                 run benchmarks/NAME.py of a source checkout
Each subcommand but ``generate`` hands its arguments to the module's own ``main``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .core.budgets import check_budget
from .core.policies import POLICIES
from .models import MODELS
from .models.registry import DEFAULT_MODEL

# subcommand -> (module whose main(argv) runs it, help)
DELEGATED = {
    "dataset": ("lkv_sglang.training.varied.build", "build the training data (resumable)"),
    "dataset-v1": ("lkv_sglang.training.dataset", "the first dataset's builder (lkv-data-v1)"),
    "train": ("lkv_sglang.training.train", "train a lookahead module from a config (resumable)"),
    "ship": ("lkv_sglang.training.ship", "copy a run's best checkpoint into the package"),
}


def benchmarks_dir() -> Path:
    return Path(__file__).resolve().parents[1] / "benchmarks"


def run_bench(args: list[str]) -> int:
    """``lkv bench NAME [ARGS]``: ``benchmarks/NAME.py`` of a source checkout, with ARGS."""
    import runpy

    found = (
        sorted(p.stem for p in benchmarks_dir().glob("*.py")) if benchmarks_dir().is_dir() else []
    )
    if not args or args[0] not in found:
        name = args[0] if args else "(none)"
        known = ", ".join(found) or "none (needs the benchmarks/ directory of a source checkout)"
        fail(f"unknown benchmark {name!r}; known: {known}")
    sys.argv = [str(benchmarks_dir() / f"{args[0]}.py"), *args[1:]]
    runpy.run_path(sys.argv[0], run_name="__main__")
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="lkv", description="LookaheadKV prompt-KV eviction")
    sub = p.add_subparsers(dest="command", required=True)
    for name, (module, text) in DELEGATED.items():
        sub.add_parser(name, help=f"{text} ({module}; lkv {name} --help)", add_help=False)
    sub.add_parser("bench", help="run benchmarks/NAME.py (lkv bench NAME --help)", add_help=False)
    g = sub.add_parser("generate", help="answer one prompt with its KV cache pruned to a budget")
    g.add_argument(
        "--model",
        default=DEFAULT_MODEL,
        help=f"registered name ({', '.join(sorted(MODELS))}) or a model directory",
    )
    g.add_argument("--policy", default="lookaheadkv", help=f"one of: {', '.join(POLICIES.names())}")
    g.add_argument(
        "--budget", type=int, default=128, help="prompt KV entries kept per layer and KV head"
    )
    src = g.add_mutually_exclusive_group()
    src.add_argument(
        "--prompt-file", type=Path, help="text file with the user message (chat template applied)"
    )
    src.add_argument("--prompt", help="the user message as a string")
    g.add_argument("--max-new-tokens", type=int, default=64)
    g.add_argument(
        "--lookahead-path",
        type=Path,
        help="lookahead checkpoint (default: the shipped one for the model)",
    )
    g.add_argument("--draft-model", help="SpecKV draft model (default: the target itself)")
    g.add_argument("--raw", action="store_true", help="do not apply the chat template")
    g.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    return p


def fail(msg: str) -> None:
    print(f"lkv: error: {msg}", file=sys.stderr)
    raise SystemExit(2)


def read_prompt(args) -> str:
    if args.prompt is not None:
        return args.prompt
    if args.prompt_file is None:
        return sys.stdin.read()
    if not args.prompt_file.is_file():
        fail(f"--prompt-file {args.prompt_file} does not exist")
    return args.prompt_file.read_text(encoding="utf-8", errors="replace")


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in DELEGATED:
        import importlib

        module = importlib.import_module(DELEGATED[argv[0]][0])
        sys.argv = [f"lkv {argv[0]}", *argv[1:]]
        module.main(argv[1:])
        return 0
    if argv and argv[0] == "bench":
        return run_bench(argv[1:])
    args = build_parser().parse_args(argv)
    if args.policy not in POLICIES:
        fail(f"unknown policy {args.policy!r}; known: {', '.join(POLICIES.names())}")
    try:
        check_budget(args.budget, "--budget")
    except ValueError as e:
        fail(str(e))
    if args.max_new_tokens <= 0:
        fail(f"--max-new-tokens must be a positive integer; got {args.max_new_tokens}")
    if not Path(args.model).is_dir() and args.model not in MODELS:
        fail(
            f"unknown model {args.model!r}; known: {', '.join(sorted(MODELS))}, or a model directory"
        )
    text = read_prompt(args)
    if not text.strip():
        fail("the prompt is empty")
    from .runner import run_generate

    try:
        report = run_generate(
            model=args.model,
            policy=args.policy,
            budget=args.budget,
            text=text,
            max_new_tokens=args.max_new_tokens,
            lookahead_path=args.lookahead_path,
            draft_model=args.draft_model,
            chat=not args.raw,
        )
    except (ValueError, FileNotFoundError, RuntimeError) as e:
        fail(str(e))
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print_report(report)
    return 0


def print_report(r: dict) -> None:
    print(r["answer"])
    print("-" * 60)
    print(
        f"model {r['model']}  policy {r['policy']}  budget {r['budget']}  prompt tokens {r['prompt_len']}"
    )
    kept = r["kept_per_layer_head"]
    uniq = sorted({k for row in kept for k in row})
    print(
        f"kept entries per layer/KV head: {uniq if len(uniq) <= 4 else kept}  ({len(kept)} layers x {len(kept[0])} KV heads)"
    )
    print(
        f"prompt KV entries: {r['kv_entries_full']} -> {r['kv_entries_kept']} ({r['kv_kept_fraction']:.1%})"
    )
    print("time: " + "  ".join(f"{k} {v * 1000:.0f} ms" for k, v in r["timings"].items()))
    if r.get("lookahead"):
        print(f"lookahead: {r['lookahead']}")


if __name__ == "__main__":
    raise SystemExit(main())
