#!/usr/bin/env bash
# Slurm peer baseline for bench/README.md, "Task launch throughput": runs
# /work/shared/peers/slurm/setup.sh (root: installs Slurm if missing and
# starts a one-node loopback cluster under /tmp/slurm-peer), then its
# bench.sh with N=1000 (job array) and M=50 (sequential srun / steps), prints
# the figures, and always stops the cluster with stop.sh.
#
#   bench/run_slurm_peer.sh [N] [M]         # defaults 1000 50
# Env: SLURM_PEER (harness directory), RESULTS=FILE (append the result lines)
set -euo pipefail
PEER="${SLURM_PEER:-/work/shared/peers/slurm}"
N="${1:-1000}"
M="${2:-50}"
log() { echo "[slurm-peer run] $*" >&2; }

[ "$(id -u)" -eq 0 ] || { log "must run as root (setup.sh installs packages and starts daemons)"; exit 1; }
[ -x "$PEER/setup.sh" ] || { log "no Slurm harness at $PEER"; exit 1; }

trap '"$PEER/stop.sh" >&2 || true' EXIT
trap 'exit 130' INT TERM

log "setup (loadavg $(cut -d' ' -f1-3 /proc/loadavg))"
timeout 2400 "$PEER/setup.sh" >&2
log "bench.sh $N $M (loadavg $(cut -d' ' -f1-3 /proc/loadavg), compilers running: $(pgrep -xc cc1plus || true))"
out="$(timeout 1800 "$PEER/bench.sh" "$N" "$M")"
echo "$out"
echo "# loadavg_after=$(cut -d' ' -f1-3 /proc/loadavg)"
[ -z "${RESULTS:-}" ] || grep '^slurm_\|^#' <<<"$out" >>"$RESULTS"
