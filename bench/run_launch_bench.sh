#!/usr/bin/env bash
# Task launch throughput/latency of Tepui on this machine (bench/README.md,
# "Task launch throughput"): builds bench_launch_bench and tepui if needed,
# starts `tepui local` (2 agents, loopback only) in a temporary work dir,
# runs bench_launch_bench for N=1000 (plus 50 sequential single tasks) and
# N=5000, then stops the cluster with SIGINT, checks that none of its
# processes (daemon, executors, tasks) is left and removes the temp dir.
#
#   bench/run_launch_bench.sh                 # N=1000 and 5000, 50 sequential
# Env: SIZES="1000 5000"  SEQUENTIAL=50  CONCURRENCY=8  SKIP_BUILD=1
#      SWEEP="1 2 4 16 32" (extra N=SWEEP_TASKS runs, default 1000, at each concurrency)
#      BUILD_DIR=DIR (binaries from DIR/src/tepui and DIR/bench/; default build,
#      e.g. a clean `git archive HEAD` build while the tree is being edited)
#      RESULTS=FILE (append the JSON lines there)  BENCH_TIMEOUT=600 (s per run)
#      LOCAL_FLAGS="--isolation=cgroups/cpu,cgroups/mem" (more flags for tepui local)
#      BENCH_FLAGS="--checkpoint" (more flags for bench_launch_bench)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
SIZES="${SIZES:-1000 5000}"
SEQUENTIAL="${SEQUENTIAL:-50}"
SWEEP="${SWEEP:-}"
CONCURRENCY="${CONCURRENCY:-8}"
BENCH_TIMEOUT="${BENCH_TIMEOUT:-600}"
LOCAL_FLAGS="${LOCAL_FLAGS:-}"
BENCH_FLAGS="${BENCH_FLAGS:-}"
BUILD_DIR="${BUILD_DIR:-$ROOT/build}"
TEPUI="$BUILD_DIR/src/tepui"
BENCH="$BUILD_DIR/bench/bench_launch_bench"
log() { echo "[launch-bench] $*" >&2; }

if [ "${SKIP_BUILD:-0}" != 1 ]; then
  [ -f "$BUILD_DIR/build.ninja" ] || cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  log "building tepui and bench_launch_bench in $BUILD_DIR (no-op when up to date)"
  timeout 3600 cmake --build "$BUILD_DIR" --target tepui bench_launch_bench -j2 >&2
fi
if [ ! -x "$TEPUI" ] || [ ! -x "$BENCH" ]; then log "missing $TEPUI or $BENCH"; exit 1; fi

WORK="$(mktemp -d /tmp/tepui-launch-bench.XXXXXX)"
LOCAL_PID=""
# Run private copies, so that a rebuild during the run cannot swap the binary
# the agents start executors from.
mkdir -p "$WORK/bin"
cp "$TEPUI" "$BENCH" "$WORK/bin/"
TEPUI="$WORK/bin/tepui"
BENCH="$WORK/bin/bench_launch_bench"

# Processes of this cluster: the `tepui local` process and anything whose
# working directory is under $WORK (executors and tasks run in sandboxes there).
ours() {
  local p cwd
  for p in /proc/[0-9]*; do
    p="${p#/proc/}"
    if [ "$p" = "$LOCAL_PID" ] && [ -d "/proc/$p" ]; then echo "$p"; continue; fi
    cwd="$(readlink "/proc/$p/cwd" 2>/dev/null || true)"
    case "$cwd" in "$WORK"/*) echo "$p" ;; esac
  done
}

cleanup() {
  local rc=$? i left
  if [ -n "$LOCAL_PID" ] && kill -0 "$LOCAL_PID" 2>/dev/null; then
    log "stopping the local cluster (SIGINT to pid $LOCAL_PID)"
    kill -INT "$LOCAL_PID" 2>/dev/null || true
    for ((i = 0; i < 300; i++)); do kill -0 "$LOCAL_PID" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$LOCAL_PID" 2>/dev/null; then
      log "tepui local ignored SIGINT for 30 s; SIGKILL"; kill -KILL "$LOCAL_PID" 2>/dev/null || true; rc=1
    fi
    wait "$LOCAL_PID" 2>/dev/null || true
  fi
  sleep 0.5
  left="$(ours | tr '\n' ' ')"
  if [ -n "${left// /}" ]; then
    log "ERROR: processes of the cluster still alive after stop: $left"
    for p in $left; do log "  $p: $(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null)"; kill -KILL "$p" 2>/dev/null || true; done
    rc=1
  else
    log "cluster stopped; no process of it remains"
  fi
  rm -rf -- "$WORK"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log "starting tepui local in $WORK"
# shellcheck disable=SC2086  # LOCAL_FLAGS is a list of flags
"$TEPUI" local --agents 2 --ip 127.0.0.1 --port 0 --work_dir "$WORK/cluster" \
  --resources 'cpus:64;mem:65536;disk:10000;ports:[31000-32000]' $LOCAL_FLAGS >"$WORK/local.out" 2>"$WORK/local.err" &
LOCAL_PID=$!

MASTER=""
for ((i = 0; i < 300; i++)); do
  MASTER="$(sed -n 's|^ *master: *http://\([0-9.]*:[0-9]*\).*|\1|p' "$WORK/local.out" | head -n1)"
  [ -n "$MASTER" ] && break
  kill -0 "$LOCAL_PID" 2>/dev/null || { log "tepui local exited:"; cat "$WORK/local.err" >&2; exit 1; }
  sleep 0.1
done
[ -n "$MASTER" ] || { log "no master address from tepui local within 30 s"; exit 1; }
case "$MASTER" in 127.0.0.1:*) ;; *) log "master is not on loopback: $MASTER"; exit 1 ;; esac
log "master at $MASTER"

# Both agents registered before measuring.
for ((i = 0; i < 300; i++)); do
  n="$(curl -s --max-time 2 "http://$MASTER/master/state-summary" | grep -o '"hostname"' | wc -l || true)"
  [ "${n:-0}" -ge 2 ] && break
  sleep 0.1
done

# CPU jiffies: all CPUs busy / total, and this cluster's (tepui local plus
# the executors and tasks it reaped), to tell how quiet the machine was.
cpu_busy() { awk '/^cpu / {print $2+$3+$4+$7+$8}' /proc/stat; }
cpu_total() { awk '/^cpu / {print $2+$3+$4+$5+$6+$7+$8}' /proc/stat; }
cluster_cpu() { awk '{print $14+$15+$16+$17}' "/proc/$LOCAL_PID/stat"; }

run() { # $1 = tasks, $2 = sequential, $3 = concurrency
  local out b0 t0 c0 b1 t1 c1 rc=0
  log "run: --tasks $1 --sequential $2 --concurrency $3  (nproc $(nproc), loadavg $(cut -d' ' -f1-3 /proc/loadavg))"
  echo "# $(date -u +%FT%TZ) build=$BUILD_DIR tepui_md5=$(md5sum <"$TEPUI" | cut -c1-12) tasks=$1 sequential=$2 concurrency=$3 flags=[$BENCH_FLAGS] nproc=$(nproc) loadavg_before=$(cut -d' ' -f1-3 /proc/loadavg)"
  b0=$(cpu_busy); t0=$(cpu_total); c0=$(cluster_cpu)
  # shellcheck disable=SC2086  # BENCH_FLAGS is a list of flags
  out="$(timeout "$BENCH_TIMEOUT" "$BENCH" --master "$MASTER" --tasks "$1" --sequential "$2" --concurrency "$3" $BENCH_FLAGS)" || rc=$?
  sleep 0.5   # the last executors are reaped
  b1=$(cpu_busy); t1=$(cpu_total); c1=$(cluster_cpu)
  echo "$out"
  [ "$rc" -eq 0 ] || { log "bench_launch_bench failed (tasks=$1, exit $rc)"; return 1; }
  echo "# loadavg_after=$(cut -d' ' -f1-3 /proc/loadavg) cpu_busy=$(( 100 * (b1 - b0) / (t1 - t0) ))% cluster_cpu=$(( 100 * (c1 - c0) / (t1 - t0) ))% other_cpu=$(( 100 * (b1 - b0 - c1 + c0) / (t1 - t0) ))% (percent of all $(nproc) CPUs; other = everything but this cluster, the bench included)"
  [ -z "${RESULTS:-}" ] || grep '^{' <<<"$out" >>"$RESULTS"
}

first=1
for n in $SIZES; do
  if [ "$first" = 1 ]; then run "$n" "$SEQUENTIAL" "$CONCURRENCY"; first=0; else run "$n" 0 "$CONCURRENCY"; fi
  sleep 2   # executors of the previous run exit
done
for k in $SWEEP; do run "${SWEEP_TASKS:-1000}" 0 "$k"; sleep 2; done
