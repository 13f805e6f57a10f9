#!/usr/bin/env bash
# The horizontal scale and caching benchmark (bench/scale.py): a tree of N people in PostgreSQL,
# API throughput with one replica against two (uvicorn processes sharing Redis as the cache),
# in ABBA order, requests/s and p50/p95 with the ratio two/one; then 10-generation pedigrees
# from a cold cache (after FLUSHDB) against a warm one, with the ratio cold/warm. Results in
# bench/results/scale.json, printed as a table.
#
# Usage: scripts/bench_scale.sh [--people N] [--connections C] [--seconds D] [--warmup W]
#          [--pedigrees P] [--seed S] [--out DIR] [--keep]
# PostgreSQL and Redis are the benchmark's own, from scripts/services.sh with the run directory
# bench/work/run and ports 55439 and 56479 (override with DZINZA_BENCH_RUN_DIR,
# DZINZA_BENCH_SCALE_PG_PORT, DZINZA_BENCH_SCALE_REDIS_PORT); a cluster of the run directory
# already up (another benchmark's, on its own port) is used where it is. Each server is stopped
# again afterwards if it was started here, as scripts/bench.sh does.
set -euo pipefail
cd "$(dirname "$0")/.."

usage() { sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
ARGS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --people|--connections|--seconds|--warmup|--pedigrees|--seed|--out)
      [ $# -ge 2 ] || usage; ARGS+=("$1" "$2"); shift 2 ;;
    --keep) ARGS+=("$1"); shift ;;
    -h|--help) usage ;;
    *) usage ;;
  esac
done

PY=.venv/bin/python
export DZINZA_RUN_DIR="${DZINZA_BENCH_RUN_DIR:-$PWD/bench/work/run}"
export DZINZA_TEST_PG_PORT="${DZINZA_BENCH_SCALE_PG_PORT:-55439}"
export DZINZA_TEST_REDIS_PORT="${DZINZA_BENCH_SCALE_REDIS_PORT:-56479}"
TIMEOUT="${DZINZA_BENCH_SCALE_TIMEOUT:-3600}"  # seconds
mkdir -p "$DZINZA_RUN_DIR" bench/results

PG_PIDFILE="$DZINZA_RUN_DIR/pg/data/postmaster.pid"
REDIS_PIDFILE="$DZINZA_RUN_DIR/redis-$DZINZA_TEST_REDIS_PORT/redis.pid"
pg_running() { [ -f "$PG_PIDFILE" ] && kill -0 "$(head -1 "$PG_PIDFILE")" 2>/dev/null; }
redis_running() { [ -f "$REDIS_PIDFILE" ] && kill -0 "$(cat "$REDIS_PIDFILE")" 2>/dev/null; }

PG_STARTED_HERE=""
REDIS_STARTED_HERE=""
stop_servers() {
  if [ -n "$REDIS_STARTED_HERE" ]; then
    scripts/services.sh redis-stop || true
    REDIS_STARTED_HERE=""
  fi
  if [ -n "$PG_STARTED_HERE" ]; then
    # Only the PostgreSQL server started here (`stop` would take the run directory's others).
    scripts/services.sh pg-stop || true
    PG_STARTED_HERE=""
  fi
}
trap stop_servers EXIT
trap 'stop_servers; exit 130' INT TERM

# The run directory holds one cluster, whatever its port: one already up (bench.sh's, say, on
# 55433) is used on the port it listens on (line 4 of postmaster.pid).
if pg_running; then
  DZINZA_TEST_PG_PORT="$(sed -n 4p "$PG_PIDFILE")"
else
  PG_STARTED_HERE=1
fi
PG_URL="$(scripts/services.sh start | tail -1)"
echo "== PostgreSQL: $PG_URL"

was_running=""
redis_running && was_running=1
REDIS_URL="$(scripts/services.sh redis-start | tail -1)"
# Started here only when our run directory now has a live server it did not have before (a
# server found answering on the port without one was someone else's, and is left alone).
if [ -z "$was_running" ] && redis_running; then REDIS_STARTED_HERE=1; fi
echo "== Redis: $REDIS_URL"

timeout "$TIMEOUT" "$PY" -m bench.scale --pg-url "$PG_URL" --redis-url "$REDIS_URL" "${ARGS[@]}"
