#!/usr/bin/env bash
# Benchmarks at N people on SQLite and PostgreSQL, side by side (see docs/performance.md).
# For each backend: generate (or reuse) a tree of N people, start the app on 127.0.0.1 on a free
# port, wait for /api/v1/health, measure with bench.run, stop the app. Then refresh the table in
# docs/performance.md from every bench/results/*.json.
#
# Usage: scripts/bench.sh N [--fresh] [--requests R] [--backends "sqlite postgres"]
#   --fresh      rebuild the databases even if their manifests say they hold N people
#   --requests   measured requests per scenario (default 300)
#   --backends   which backends to run (default: both)
# Only 127.0.0.1 is contacted; every step has a time limit and the app is always stopped.
set -euo pipefail
cd "$(dirname "$0")/.."

usage() { sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
[ $# -ge 1 ] || usage
N="$1"; shift
[[ "$N" =~ ^[0-9]+$ ]] && [ "$N" -ge 1 ] || usage
FRESH=""
REQUESTS=300
BACKENDS="sqlite postgres"
while [ $# -gt 0 ]; do
  case "$1" in
    --fresh) FRESH="--fresh"; shift ;;
    --requests) REQUESTS="$2"; shift 2 ;;
    --backends) BACKENDS="$2"; shift 2 ;;
    *) usage ;;
  esac
done

PY=.venv/bin/python
WORK="$PWD/bench/work"
PG_DB="${DZINZA_BENCH_PG_DB:-dzinza_bench}"
# A PostgreSQL cluster of its own (started by scripts/services.sh), so that a test run that
# restarts or wipes the test cluster on 55432 cannot pull the database from under a benchmark.
export DZINZA_RUN_DIR="${DZINZA_BENCH_RUN_DIR:-$WORK/run}"
export DZINZA_TEST_PG_PORT="${DZINZA_BENCH_PG_PORT:-55433}"
GENERATE_TIMEOUT="${DZINZA_BENCH_GENERATE_TIMEOUT:-5400}"  # seconds
RUN_TIMEOUT="${DZINZA_BENCH_RUN_TIMEOUT:-3600}"
mkdir -p "$WORK" bench/results

if [ $((N % 1000000)) -eq 0 ]; then SIZE="$((N / 1000000))m"
elif [ $((N % 1000)) -eq 0 ]; then SIZE="$((N / 1000))k"
else SIZE="$N"; fi

SERVER_PID=""
PG_STARTED_HERE=""
pg_running() {
  local pidfile="$DZINZA_RUN_DIR/pg/data/postmaster.pid"
  [ -f "$pidfile" ] && kill -0 "$(head -1 "$pidfile")" 2>/dev/null
}
stop_all() {
  stop_server
  if [ -n "$PG_STARTED_HERE" ]; then scripts/services.sh stop || true; PG_STARTED_HERE=""; fi
}
stop_server() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.2; done
    kill -9 "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  SERVER_PID=""
}
trap stop_all EXIT
trap 'stop_all; exit 130' INT TERM

free_port() {
  "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

STATUS=0
bench_backend() {  # backend url manifest
  local backend="$1" url="$2" manifest="$3" label="$1-$SIZE" port log
  echo "== $label: data"
  timeout "$GENERATE_TIMEOUT" "$PY" -m bench.generate --url "$url" --people "$N" \
    --manifest "$manifest" --reuse $FRESH
  port="$(free_port)"
  log="$WORK/server-$label.log"
  echo "== $label: app on http://127.0.0.1:$port (log: $log)"
  DZINZA_DATABASE_URL="$url" DZINZA_DATA_DIR="$WORK/data" \
    .venv/bin/uvicorn dzinza.asgi:app --host 127.0.0.1 --port "$port" \
    --no-access-log --log-level warning >"$log" 2>&1 &
  SERVER_PID=$!
  echo "== $label: measuring"
  if ! timeout "$RUN_TIMEOUT" "$PY" -m bench.run --base-url "http://127.0.0.1:$port" \
      --manifest "$manifest" --label "$label" --requests "$REQUESTS"; then
    echo "!! $label: errors or failure (see above and $log)" >&2
    STATUS=1
  fi
  stop_server
}

for backend in $BACKENDS; do
  case "$backend" in
    sqlite)
      bench_backend sqlite "sqlite:///$WORK/sqlite-$N.db" "$WORK/sqlite-$N.manifest.json"
      ;;
    postgres)
      pg_running || PG_STARTED_HERE=1
      base_url="$(scripts/services.sh start | tail -1)"
      bench_backend postgres "${base_url%/*}/$PG_DB" "$WORK/postgres-$PG_DB.manifest.json"
      ;;
    *) echo "unknown backend: $backend" >&2; exit 2 ;;
  esac
done

"$PY" -m bench.report
exit "$STATUS"
