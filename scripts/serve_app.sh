#!/usr/bin/env bash
# Start the SGLang server (lkv plugin, --eviction lookaheadkv) and the Streamlit app, both bound
# to 127.0.0.1; Ctrl-C (or the end of this script) stops both.
# usage: bash scripts/serve_app.sh [MODEL]   MODEL: smollm2-135m (default), qwen2.5-coder-0.5b,
#        or a model directory.
# env:   LKV_SERVER_PORT (30000), LKV_APP_PORT (8501), LKV_EVICTION (lookaheadkv),
#        LKV_EVICTION_BUDGET (256), LKV_LOOKAHEAD_PATH, LKV_TOOL_PARSER (qwen25 for Qwen models,
#        else hermes), LKV_APP_STORE_DIR (the document store), LKV_SERVER_LOG (server log file),
#        LKV_MEM_FRACTION (0.2: SGLang refuses to start when the weights leave too little of it),
#        LKV_APP_EVICTION / LKV_APP_EVICTION_BUDGET (what the app asks for per request; unset: the
#        app's DEFAULT_EVICTION in app/lkv_app/config.py, chosen from results/app_defaults.json).
# --constrained-json-disable-any-whitespace: the agent's JSON replies carry no free whitespace
# (a small model otherwise spends decode steps, or all of max_tokens, on blanks).
# The server's --eviction is what a request gets when it names no policy; the app always names
# one, so the sidebar can switch policies without a restart.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PY="$ROOT/.venv/bin/python"
MODEL=${1:-smollm2-135m}
SERVER_PORT=${LKV_SERVER_PORT:-30000}
APP_PORT=${LKV_APP_PORT:-8501}
EVICTION=${LKV_EVICTION:-lookaheadkv}
BUDGET=${LKV_EVICTION_BUDGET:-256}
LOG=${LKV_SERVER_LOG:-${TMPDIR:-/tmp}/lkv_app_server_$SERVER_PORT.log}
mkdir -p "$(dirname "$LOG")"

DIR=$("$PY" -c "import sys; from lkv_sglang.models import resolve_model; print(resolve_model(sys.argv[1]))" "$MODEL")
if [[ $EVICTION == lookaheadkv && -z ${LKV_LOOKAHEAD_PATH:-} ]]; then
  CKPT=$("$PY" -c "import sys; from lkv_sglang.models.fingerprint import default_lookahead_path as p; print(p(sys.argv[1]) or '')" "$DIR")
  if [[ -z $CKPT ]]; then
    echo "serve_app: no lookahead checkpoint ships for $MODEL yet; serving with --eviction snapkv" \
      "(set LKV_LOOKAHEAD_PATH=DIR to use lookaheadkv)" >&2
    EVICTION=snapkv
  fi
fi
case "$MODEL" in *qwen*|*Qwen*) PARSER=${LKV_TOOL_PARSER:-qwen25} ;; *) PARSER=${LKV_TOOL_PARSER:-hermes} ;; esac

echo "serve_app: SGLang on http://127.0.0.1:$SERVER_PORT ($DIR, --eviction $EVICTION," \
  "budget $BUDGET, --tool-call-parser $PARSER); log: $LOG"
SGLANG_USE_CPU_ENGINE=1 setsid "$PY" -m sglang.launch_server --model-path "$DIR" \
  --host 127.0.0.1 --port "$SERVER_PORT" --device cpu --attention-backend torch_native \
  --disable-cuda-graph --dtype float32 --skip-server-warmup --mem-fraction-static "${LKV_MEM_FRACTION:-0.2}" \
  --max-total-tokens 8192 --disable-overlap-schedule --enable-cache-report --tool-call-parser "$PARSER" --constrained-json-disable-any-whitespace \
  --eviction "$EVICTION" --eviction-budget "$BUDGET" >"$LOG" 2>&1 &
SERVER_PID=$!
stop_server() {  # TERM, then KILL if SGLang is still draining after 30 s: never leave it behind
  kill -TERM -- -"$SERVER_PID" 2>/dev/null || return 0
  for _ in $(seq 30); do kill -0 -- -"$SERVER_PID" 2>/dev/null || return 0; sleep 1; done
  kill -KILL -- -"$SERVER_PID" 2>/dev/null || true
}
trap stop_server EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

for _ in $(seq 240); do
  if ! kill -0 "$SERVER_PID" 2>/dev/null; then
    echo "serve_app: the server exited; last lines of $LOG:" >&2; tail -20 "$LOG" >&2; exit 1
  fi
  curl -sf "http://127.0.0.1:$SERVER_PORT/health" >/dev/null 2>&1 && break
  sleep 1
done
curl -sf "http://127.0.0.1:$SERVER_PORT/health" >/dev/null || { echo "serve_app: server not healthy" >&2; exit 1; }

echo "serve_app: app on http://127.0.0.1:$APP_PORT"
LKV_APP_SERVER_URL="http://127.0.0.1:$SERVER_PORT" LKV_APP_MODEL="$DIR" \
  "$PY" -m streamlit run "$ROOT/app/lkv_app/ui/main.py" --server.address 127.0.0.1 \
  --server.port "$APP_PORT" --server.headless true --browser.gatherUsageStats false
