#!/usr/bin/env bash
# The search quality benchmark (bench/search_quality.py): a seeded synthetic tree of about 3,000
# people and at least 300 labelled name queries (accents, typos, other spellings,
# transliterations, nicknames, married names, particles, Shona and Ndebele spellings, dates a
# little off), with recall@10 and precision@10 per backend, side by side in one run. Results in
# bench/results/search-quality.json, printed as tables with the worst misses.
#
# Usage: scripts/bench_search_quality.sh [--people N] [--seed S] [--per-category N]
#          [--backends sqlite,postgresql,opensearch]
# PostgreSQL and the OpenSearch-compatible server (osmem-server) are the benchmark's own, from
# scripts/services.sh with the run directory bench/work/run and ports 55433 and 59201 (override
# with DZINZA_BENCH_RUN_DIR, DZINZA_BENCH_PG_PORT, DZINZA_BENCH_OS_PORT); each is started only
# when its backend is asked for, and stopped again afterwards if it was started here.
set -euo pipefail
cd "$(dirname "$0")/.."

usage() { sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
BACKENDS="sqlite,postgresql,opensearch"
ARGS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --people|--seed|--per-category|--misses|--output) [ $# -ge 2 ] || usage; ARGS+=("$1" "$2"); shift 2 ;;
    --backends) [ $# -ge 2 ] || usage; BACKENDS="$2"; shift 2 ;;
    -h|--help) usage ;;
    *) usage ;;
  esac
done

PY=.venv/bin/python
WORK="$PWD/bench/work"
export DZINZA_RUN_DIR="${DZINZA_BENCH_RUN_DIR:-$WORK/run}"
export DZINZA_TEST_PG_PORT="${DZINZA_BENCH_PG_PORT:-55433}"
export DZINZA_TEST_OS_PORT="${DZINZA_BENCH_OS_PORT:-59201}"
mkdir -p "$WORK" bench/results

PG_PIDFILE="$DZINZA_RUN_DIR/pg/data/postmaster.pid"
OS_PIDFILE="$DZINZA_RUN_DIR/opensearch/osmem.pid"
pg_running() { [ -f "$PG_PIDFILE" ] && kill -0 "$(head -1 "$PG_PIDFILE")" 2>/dev/null; }
os_running() { [ -f "$OS_PIDFILE" ] && kill -0 "$(cat "$OS_PIDFILE")" 2>/dev/null; }

PG_STARTED_HERE=""
OS_STARTED_HERE=""
stop_servers() {
  if [ -n "$OS_STARTED_HERE" ]; then
    scripts/services.sh opensearch-stop || true
    OS_STARTED_HERE=""
  fi
  if [ -n "$PG_STARTED_HERE" ]; then
    # Only the PostgreSQL server started here (`stop` would take the run directory's others).
    scripts/services.sh pg-stop || true
    PG_STARTED_HERE=""
  fi
}
trap stop_servers EXIT
trap 'stop_servers; exit 130' INT TERM

if [[ ",$BACKENDS," == *",postgresql,"* ]]; then
  pg_running || PG_STARTED_HERE=1
  DZINZA_BENCH_POSTGRES_URL="$(scripts/services.sh start | tail -1)"
  export DZINZA_BENCH_POSTGRES_URL
  echo "== PostgreSQL: $DZINZA_BENCH_POSTGRES_URL"
fi
if [[ ",$BACKENDS," == *",opensearch,"* ]]; then
  was_running=""
  os_running && was_running=1
  DZINZA_BENCH_OPENSEARCH_URL="$(scripts/services.sh opensearch-start | tail -1)"
  export DZINZA_BENCH_OPENSEARCH_URL
  # Started here only when our run directory now has a live server it did not have before (a
  # server found answering on the port without one was someone else's, and is left alone).
  if [ -z "$was_running" ] && os_running; then OS_STARTED_HERE=1; fi
  echo "== OpenSearch: $DZINZA_BENCH_OPENSEARCH_URL"
fi

"$PY" -m bench.search_quality --backends "$BACKENDS" "${ARGS[@]}"
