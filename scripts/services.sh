#!/usr/bin/env bash
# Installs (when missing) and starts the servers the test suite needs, on 127.0.0.1 only.
# PostgreSQL 15 from Debian's packages on port 55432, in a throwaway cluster under /tmp (not in the
# checkout: the postgres user must reach it, and a checkout under /root is closed to that user).
# Usage: scripts/services.sh start|stop|url
set -euo pipefail
cd "$(dirname "$0")/.."
RUN_DIR="${DZINZA_RUN_DIR:-/tmp/dzinza-run-$(printf '%s' "$PWD" | md5sum | cut -c1-8)}"
PG_PORT="${DZINZA_TEST_PG_PORT:-55432}"
PG_DIR="$RUN_DIR/pg"

pg_bin() {
  local d
  for d in /usr/lib/postgresql/*/bin; do
    [ -x "$d/initdb" ] && { echo "$d"; return 0; }
  done
  return 1
}

install_postgres() {
  if pg_bin >/dev/null; then return 0; fi
  echo "services: installing PostgreSQL from Debian's packages" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends postgresql postgresql-contrib >/dev/null
  # Debian's package starts a system cluster on 5432; the tests use their own cluster instead.
  if command -v pg_ctlcluster >/dev/null; then pg_ctlcluster 15 main stop 2>/dev/null || true; fi
}

pg_running() { [ -f "$PG_DIR/data/postmaster.pid" ] && kill -0 "$(head -1 "$PG_DIR/data/postmaster.pid")" 2>/dev/null; }

start_postgres() {
  install_postgres
  local bin; bin="$(pg_bin)"
  if pg_running; then return 0; fi
  mkdir -p "$RUN_DIR"
  install -d -o postgres -g postgres "$PG_DIR"
  if [ ! -f "$PG_DIR/data/PG_VERSION" ]; then
    runuser -u postgres -- "$bin/initdb" -D "$PG_DIR/data" -U postgres -A trust -E UTF8 \
      --locale=C.UTF-8 >"$PG_DIR/initdb.log" 2>&1 || { cat "$PG_DIR/initdb.log" >&2; exit 1; }
  fi
  rm -f "$PG_DIR/data/postmaster.pid"
  runuser -u postgres -- "$bin/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/pg.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $PG_DIR -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
    start >/dev/null || { cat "$PG_DIR/pg.log" >&2; exit 1; }
}

stop_postgres() {
  if pg_running; then
    kill -INT "$(head -1 "$PG_DIR/data/postmaster.pid")"
    for _ in $(seq 1 50); do pg_running || break; sleep 0.2; done
  fi
}

case "${1:-}" in
  start) start_postgres; echo "postgresql+psycopg://postgres@127.0.0.1:$PG_PORT/postgres" ;;
  stop) stop_postgres ;;
  url) echo "postgresql+psycopg://postgres@127.0.0.1:$PG_PORT/postgres" ;;
  *) echo "usage: $0 start|stop|url" >&2; exit 2 ;;
esac
