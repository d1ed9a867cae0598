#!/usr/bin/env bash
# Issue 10's test at full size and three more scorers, in one time-boxed run on a lent GPU
# (one H200 here; any CUDA machine with torch, transformers and tqdm). The answers are built
# already (data/smollm2-135m/lkv-data-v2); their prompts come from PROMPTS (a prompt cache
# built here by `varied.build --cache-prompts`, checked by sha256 at use) or are rebuilt.
#
#   A. beside each other, until TRAIN_S:
#      - three trainings on all train rows: from the shipped v1 weights (init_from) at the
#        config's learning rates and at LOW_LR x them, and from scratch;
#      - the quality test of every policy (recall at 64/128/256; task score at 64/128/256 for
#        full, the shipped lookaheadkv, snapkv, snapkv_nopool, laq, oracle) on test_heldout,
#        test_informat and val_heldout (benchmarks/quality_v2.py, EVAL_SHARDS processes).
#   B. until B_END: each new run's best checkpoint, lookaheadkv only, on the same splits.
#   C. results under $OUT as result.tar.part-* (runs' logs and best checkpoints, raw records).
#
# usage: SITE=/tmp/site [PROMPTS=/tmp/prompts.tar.xz] bash scripts/device_test_v2.sh
set -u
cd "$(dirname "$0")/.."
OUTD=${OUT:-/tmp/lkv-out}
mkdir -p "$OUTD" /tmp/lkv-logs runs/configs
PY=${PY:-python3}
EVAL_SHARDS=${EVAL_SHARDS:-12}
B_SHARDS=${B_SHARDS:-5}
DATA=${DATA:-data/smollm2-135m/lkv-data-v2}
TRAIN_S=${TRAIN_S:-270}
B_END=${B_END:-500}
LOW_LR=${LOW_LR:-0.3}
MAX_VAL=${MAX_VAL:-48} # validation rows per training eval (a CPU dry run uses 1)
LIMIT=${LIMIT:-0}      # rows per split tested (0: all; a CPU dry run uses 1)
DEVICE=${DEVICE:-cuda}
SPLITS="test_heldout test_informat val_heldout"
SPLITS_B="val_heldout test_heldout test_informat" # B: the split that picks a checkpoint first
POLICIES="random streamingllm h2o snapkv snapkv_nopool pyramidkv knorm laq lookaheadkv_untrained lookaheadkv"
TASK_POLICIES="full lookaheadkv snapkv snapkv_nopool laq oracle"
. scripts/device_lib.sh
[ -n "${PROMPTS:-}" ] && tar -C "$DATA" -xJf "$PROMPTS"
model_ready smollm2-135m
log "prompts cached: $(ls "$DATA"/.prompts 2>/dev/null | wc -l) files"

# A. trainings beside the test of every policy ------------------------------------------------
$PY - "$LOW_LR" "$TRAIN_S" "$MAX_VAL" <<'EOF'
import json, sys
low, seconds, max_val = float(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
base = json.load(open("configs/smollm2-135m-v2-gpu.json"))
base |= {"max_seconds": seconds - 30, "eval_every": 100, "checkpoint_every": 100, "eval_variants": [],
         "max_val": max_val}
v1 = "lkv_sglang/checkpoints/smollm2-135m"
runs = {
    "v1cont": {"init_from": v1},
    "v1cont-lowlr": {"init_from": v1, "lr_embeddings": base["lr_embeddings"] * low,
                     "lr_lora": base["lr_lora"] * low},
    "scratch": {"seed": 2},
}
for name, change in runs.items():
    cfg = base | change | {"run_dir": f"runs/train/smollm2-135m-v3-{name}"}
    json.dump(cfg, open(f"runs/configs/{name}.json", "w"), indent=2)
EOF
for name in v1cont v1cont-lowlr scratch; do
  timeout $((TRAIN_S + 60)) $PY -m lkv_sglang.training.train "runs/configs/$name.json" \
    >/tmp/lkv-logs/train_$name.log 2>&1 &
done
for i in $(seq 0 $((EVAL_SHARDS - 1))); do
  timeout "$(left "$TRAIN_S")" $PY benchmarks/quality_v2.py --data "$DATA" --splits $SPLITS \
    --device "$DEVICE" --shard "$i/$EVAL_SHARDS" --max-seconds $((TRAIN_S - 15)) \
    --limit "$LIMIT" --name quality_v2_gpu --policies $POLICIES --budgets 64 128 256 \
    --task-policies $TASK_POLICIES --task-budgets 64 128 256 \
    >/tmp/lkv-logs/eval_gpu_$i.log 2>&1 &
done
wait
for r in runs/train/smollm2-135m-v3-*; do log "$r: $(tail -n 1 "$r/log.jsonl" 2>/dev/null)"; done
log "phase A: $(cat results/raw/quality_v2_gpu/*.jsonl 2>/dev/null | wc -l) rows tested"

# B. each new best checkpoint ------------------------------------------------------------------
for r in runs/train/smollm2-135m-v3-*; do
  [ -d "$r/best" ] || continue
  name=quality_v2_$(basename "$r" | sed 's/smollm2-135m-//')
  for i in $(seq 0 $((B_SHARDS - 1))); do
    timeout "$(left "$B_END")" $PY benchmarks/quality_v2.py --data "$DATA" --splits $SPLITS_B \
      --device "$DEVICE" --shard "$i/$B_SHARDS" --max-seconds $(($(left "$B_END") - 10)) \
      --limit "$LIMIT" --name "$name" --policies lookaheadkv --budgets 64 128 256 \
      --task-policies lookaheadkv --task-budgets 64 128 256 --lookahead "$r/best" \
      >/tmp/lkv-logs/eval_${name}_$i.log 2>&1 &
  done
done
wait
log "phase B: $(cat results/raw/quality_v2_v3-*/*.jsonl 2>/dev/null | wc -l) rows tested"

# C. results ----------------------------------------------------------------------------------
tar -cf /tmp/result.tar runs/train/smollm2-135m-v3-*/{config.json,log.jsonl,history.json,best} \
  runs/configs results/raw /tmp/lkv-logs 2>/dev/null
split -b 15m /tmp/result.tar "$OUTD/result.tar.part-"
ls -la "$OUTD"
log "done"
