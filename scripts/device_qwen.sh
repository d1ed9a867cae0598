#!/usr/bin/env bash
# Issue 10's second model on a lent GPU: Qwen2.5-Coder-0.5B's lkv-data-v2 answers, a scorer
# trained on them, and its test, in one time-boxed run (any CUDA machine with torch,
# transformers and tqdm; none of our packages, no registry).
#
# What it lacks travels first, one folder per call (each at most 64 MiB beside the tree):
#   here:  python scripts/device_pieces.py pack qwen2.5-coder-0.5b .devq --wheels W
#          NO_SMOLLM2=1 bash scripts/device_site.sh pack .devs .devs   (sources + gguf + pydoc)
#   there: copy every folder's files into PIECES (one call each), then
#          QPIECES=PIECES SPIECES=PIECES bash scripts/device_qwen.sh
#
#   1. answers: SHARDS processes of `varied.build --model qwen2.5-coder-0.5b --device cuda`
#      until BUILD_END (validation and test splits first, then train), then --merge;
#   2. training until TRAIN_S after that: the truth on the model's own answers, and on the
#      gold answer where the model's is wrong (train_answers / val_answers gold_when_wrong);
#   3. until EVAL_END: each best checkpoint and snapkv, snapkv_nopool, laq, oracle, full on
#      the test splits (benchmarks/quality_v2.py), validation first;
#   4. $OUT: data.tgz (the answers, as soon as merged), result.tar.part-* (runs, raw records).
set -u
cd "$(dirname "$0")/.."
OUTD=${OUT:-/tmp/lkv-out}
mkdir -p "$OUTD" /tmp/lkv-logs runs/configs
PY=${PY:-python3}
MODEL=qwen2.5-coder-0.5b
DATA=${DATA:-data/$MODEL/lkv-data-v2}
SHARDS=${SHARDS:-16}
COUNTS=${COUNTS:-val_heldout=48,test_heldout=100,test_informat=100,train=1000}
BUILD_END=${BUILD_END:-240}
TRAIN_S=${TRAIN_S:-240}
EVAL_END=${EVAL_END:-580}
MAX_VAL=${MAX_VAL:-48}
LIMIT=${LIMIT:-0}
DEVICE=${DEVICE:-cuda}
SITE=${SITE:-/tmp/site}
mkdir -p "$SITE"
[ -n "${SPIECES:-}" ] && tar -C "$SITE" -xJf "$SPIECES/site.tar.xz" && tar -C "$SITE" -xJf "$SPIECES/pydoc.tar.xz"
[ -n "${QPIECES:-}" ] && { $PY scripts/device_pieces.py unpack "$QPIECES" "$SITE" || exit 1; }
. scripts/device_lib.sh
model_ready "$MODEL"

# 1. answers ------------------------------------------------------------------------------
for i in $(seq 0 $((SHARDS - 1))); do
  timeout "$(left "$BUILD_END")" $PY -m lkv_sglang.training.varied.build "$DATA" --model "$MODEL" \
    --counts "$COUNTS" --device "$DEVICE" --shard "$i/$SHARDS" \
    >/tmp/lkv-logs/build_$i.log 2>&1 &
done
wait
$PY -m lkv_sglang.training.varied.build "$DATA" --merge || exit 1
tar -czf "$OUTD/data.tgz" "$DATA"/*.jsonl "$DATA"/manifest.json
log "answers merged: $($PY -c "import json; print(json.load(open('$DATA/manifest.json'))['counts'])")"

# 2. training -----------------------------------------------------------------------------
$PY - "$DATA" "$TRAIN_S" "$MAX_VAL" <<'EOF'
import json, sys
data, seconds, max_val = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
base = json.load(open("configs/smollm2-135m-v2-gpu.json"))
base |= {"model": "qwen2.5-coder-0.5b", "data_dir": data, "max_seconds": seconds - 30,
         "eval_every": 100, "checkpoint_every": 100, "eval_variants": [], "max_val": max_val}
for name, change in {"model": {}, "gold": {"train_answers": "gold_when_wrong"}}.items():
    cfg = base | change | {"run_dir": f"runs/train/qwen2.5-coder-0.5b-v2-{name}"}
    json.dump(cfg, open(f"runs/configs/qwen-{name}.json", "w"), indent=2)
EOF
TRAINING=""
for name in model gold; do
  timeout $((TRAIN_S + 60)) $PY -m lkv_sglang.training.train "runs/configs/qwen-$name.json" \
    >/tmp/lkv-logs/train_qwen_$name.log 2>&1 &
  TRAINING="$TRAINING $!"
done
# the baselines need no checkpoint: they run beside the trainings (lookaheadkv below)
for i in $(seq 0 9); do
  timeout "$(left "$EVAL_END")" $PY benchmarks/quality_v2.py --data "$DATA" --model "$MODEL" \
    --splits test_heldout test_informat --device "$DEVICE" --shard "$i/10" --limit "$LIMIT" \
    --max-seconds $(($(left "$EVAL_END") - 10)) --name quality_v2_qwen_base \
    --policies snapkv snapkv_nopool h2o streamingllm laq lookaheadkv_untrained \
    --budgets 64 128 256 --task-policies full snapkv snapkv_nopool laq oracle \
    --task-budgets 64 128 256 >/tmp/lkv-logs/eval_qwen_base_$i.log 2>&1 &
done
wait $TRAINING
for r in runs/train/qwen2.5-coder-0.5b-v2-*; do log "$r: $(tail -n 1 "$r/log.jsonl" 2>/dev/null)"; done

# 3. each new checkpoint ------------------------------------------------------------------
for r in runs/train/qwen2.5-coder-0.5b-v2-*; do
  [ -d "$r/best" ] || continue
  name=quality_v2_qwen_$(basename "$r" | sed 's/.*-v2-//')
  for i in 0 1 2; do
    timeout "$(left "$EVAL_END")" $PY benchmarks/quality_v2.py --data "$DATA" --model "$MODEL" \
      --splits val_heldout test_heldout test_informat --device "$DEVICE" --shard "$i/3" \
      --limit "$LIMIT" --max-seconds $(($(left "$EVAL_END") - 10)) --name "$name" \
      --policies lookaheadkv --budgets 64 128 256 --task-policies lookaheadkv \
      --task-budgets 64 128 256 --lookahead "$r/best" \
      >/tmp/lkv-logs/eval_${name}_$i.log 2>&1 &
  done
done
wait
log "tested: $(cat results/raw/quality_v2_qwen*/*.jsonl 2>/dev/null | wc -l) rows"

# 4. results --------------------------------------------------------------------------------
tar -cf /tmp/result.tar runs/train/qwen2.5-coder-0.5b-v2-*/{config.json,log.jsonl,history.json,best} \
  runs/configs results/raw /tmp/lkv-logs 2>/dev/null
split -b 15m /tmp/result.tar "$OUTD/result.tar.part-"
ls -la "$OUTD"
log "done"
