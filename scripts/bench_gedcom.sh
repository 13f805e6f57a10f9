#!/usr/bin/env bash
# The GEDCOM benchmark at N people (see docs/performance.md): generate (or reuse) a GEDCOM file of
# N people, time the parse by Dzinza's reader and by ged4py, python-gedcom and gedcomkit (each in
# a process of its own), then `dzinza import` into SQLite and PostgreSQL and `dzinza export`.
# Results in bench/results/gedcom-N.json, printed as tables.
#
# Usage: scripts/bench_gedcom.sh N [--repeat R] [--timeout S] [--backends "sqlite postgresql"]
#          [--parsers LIST] [--memory-cap-mb M] [--io-timeout S] [--fresh] [--no-parse] [--no-import]
#   --repeat         runs per parser, the best kept (default 2)
#   --timeout        time cap of one parser run, seconds (default 600)
#   --parsers        comma-separated: dzinza,ged4py,python-gedcom,gedcomkit,gedcomkit-native
#   --memory-cap-mb  a process past this RSS is stopped (default 12000)
#   --io-timeout     time cap of one import or export, seconds (default 1800)
#   --fresh          generate the file again
# The peers live in their own virtualenv, bench/work/peers-venv (from bench/requirements-peers.txt),
# never in .venv. PostgreSQL is the benchmark's private cluster (scripts/services.sh with
# bench/work/run, port 55433), started only when `dzinza import` exists, and stopped again if
# it was started here.
set -euo pipefail
cd "$(dirname "$0")/.."

usage() { sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
[ $# -ge 1 ] || usage
N="$1"; shift
[[ "$N" =~ ^[0-9]+$ ]] && [ "$N" -ge 1 ] || usage
ARGS=()
BACKENDS="sqlite postgresql"
NO_IMPORT=""
while [ $# -gt 0 ]; do
  case "$1" in
    --repeat|--timeout|--parsers|--memory-cap-mb|--io-timeout) ARGS+=("$1" "$2"); shift 2 ;;
    --backends) BACKENDS="$2"; shift 2 ;;
    --fresh|--no-parse) ARGS+=("$1"); shift ;;
    --no-import) NO_IMPORT=1; ARGS+=("$1"); shift ;;
    *) usage ;;
  esac
done

PY=.venv/bin/python
WORK="$PWD/bench/work"
PEERS_VENV="$WORK/peers-venv"
REQUIREMENTS=bench/requirements-peers.txt
export DZINZA_RUN_DIR="${DZINZA_BENCH_RUN_DIR:-$WORK/run}"
export DZINZA_TEST_PG_PORT="${DZINZA_BENCH_PG_PORT:-55433}"
mkdir -p "$WORK" bench/results

# The peers' virtualenv, (re)made when the pinned requirements change. Made from the project's
# interpreter, so that every parser runs on the same Python.
stamp="$PEERS_VENV/.requirements.sha256"
want="$(sha256sum "$REQUIREMENTS" | cut -d' ' -f1)"
if [ ! -x "$PEERS_VENV/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "== peers: installing $(grep -cE '^[A-Za-z]' "$REQUIREMENTS") pinned packages into $PEERS_VENV"
  rm -rf "$PEERS_VENV"
  "$PY" -m venv "$PEERS_VENV"
  "$PEERS_VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$REQUIREMENTS"
  echo "$want" >"$stamp"
fi

PG_STARTED_HERE=""
pg_running() {
  local pidfile="$DZINZA_RUN_DIR/pg/data/postmaster.pid"
  [ -f "$pidfile" ] && kill -0 "$(head -1 "$pidfile")" 2>/dev/null
}
stop_pg() {
  if [ -n "$PG_STARTED_HERE" ]; then scripts/services.sh stop || true; PG_STARTED_HERE=""; fi
}
trap stop_pg EXIT
trap 'stop_pg; exit 130' INT TERM

PG_ARGS=()
if [ -z "$NO_IMPORT" ] && [[ " $BACKENDS " == *" postgres"* ]] \
    && .venv/bin/dzinza import --help >/dev/null 2>&1; then
  pg_running || PG_STARTED_HERE=1
  PG_ARGS=(--pg-url "$(scripts/services.sh start | tail -1)")
fi

"$PY" -m bench.gedcom_run --people "$N" --backends "${BACKENDS// /,}" \
  --peers-python "$PEERS_VENV/bin/python" "${PG_ARGS[@]}" "${ARGS[@]}"
