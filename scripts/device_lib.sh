# Sourced by the scripts/device_*.sh runs on a lent GPU: their environment, time boxes and log.
# Before sourcing: PY (the Python), SITE (optional: a folder put first on PYTHONPATH holding
# what the machine lacks). Deadlines are seconds from the moment this file is sourced.
export PYTHONPATH="${SITE:+$SITE:}$PWD" LKV_CACHE_DIR=${LKV_CACHE_DIR:-/tmp/lkvcache}
export OMP_NUM_THREADS=1 PYTHONUNBUFFERED=1 TOKENIZERS_PARALLELISM=false
T0=$(date +%s)
el() { echo $(($(date +%s) - T0)); }                                   # seconds since T0
log() { echo "[$(el)s] $*"; }
left() { local r=$(($1 - $(el))); [ $r -lt 5 ] && r=5; echo $r; }      # to deadline $1, >= 5
# model_ready NAME: the versions in use, then NAME converted (once) and found, or exit 1
model_ready() {
  log "python $($PY -c 'import sys, torch, transformers; print(sys.version.split()[0], torch.__version__, transformers.__version__, torch.cuda.is_available())')"
  $PY -c "from lkv_sglang.models import resolve_model; print(resolve_model('$1'))" || exit 1
  log "model ready"
}
