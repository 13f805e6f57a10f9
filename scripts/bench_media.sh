#!/usr/bin/env bash
# The photo and document storage benchmark (bench/media_speed.py): distinct 3000x2000 photos
# uploaded to a real server per backend (local folder and S3), uploads/s, MB/s and photos
# processed a second (thumbnails made), then signed-URL serving p50/p95/p99 (signing, the small
# thumbnail, a 64 KiB Range of the original) and each server's peak RSS, side by side with the
# ratios local/S3. Results in bench/results/media-<backend>.json, printed as a table.
#
# Usage: scripts/bench_media.sh [--backends local,s3] [--photos N] [--requests R] [--rounds N]
#          [--warmup N] [--seed S] [--out DIR] [--s3-url URL]
# The S3 server is the benchmark's own SeaweedFS, from scripts/services.sh with the run directory
# bench/work/run and port 58633 (override with DZINZA_BENCH_RUN_DIR, DZINZA_BENCH_S3_PORT); it is
# started only when the s3 backend is asked for without --s3-url, and stopped again afterwards if
# it was started here.
set -euo pipefail
cd "$(dirname "$0")/.."

usage() { sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
BACKENDS="local,s3"
S3_URL=""
ARGS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --photos|--requests|--rounds|--warmup|--seed|--out) [ $# -ge 2 ] || usage; ARGS+=("$1" "$2"); shift 2 ;;
    --backends) [ $# -ge 2 ] || usage; BACKENDS="$2"; shift 2 ;;
    --s3-url) [ $# -ge 2 ] || usage; S3_URL="$2"; shift 2 ;;
    -h|--help) usage ;;
    *) usage ;;
  esac
done

PY=.venv/bin/python
export DZINZA_RUN_DIR="${DZINZA_BENCH_RUN_DIR:-$PWD/bench/work/run}"
export DZINZA_TEST_S3_PORT="${DZINZA_BENCH_S3_PORT:-58633}"
mkdir -p "$DZINZA_RUN_DIR" bench/results

S3_PIDFILE="$DZINZA_RUN_DIR/s3-$DZINZA_TEST_S3_PORT/weed.pid"
s3_running() { [ -f "$S3_PIDFILE" ] && kill -0 "$(cat "$S3_PIDFILE")" 2>/dev/null; }

S3_STARTED_HERE=""
stop_servers() {
  if [ -n "$S3_STARTED_HERE" ]; then
    scripts/services.sh s3-stop || true
    S3_STARTED_HERE=""
  fi
}
trap stop_servers EXIT
trap 'stop_servers; exit 130' INT TERM

if [[ ",$BACKENDS," == *",s3,"* ]] && [ -z "$S3_URL" ]; then
  was_running=""
  s3_running && was_running=1
  S3_URL="$(scripts/services.sh s3-start | tail -1)"
  # Started here only when our run directory now has a live server it did not have before (a
  # server found answering on the port without one was someone else's, and is left alone).
  if [ -z "$was_running" ] && s3_running; then S3_STARTED_HERE=1; fi
  echo "== S3 (SeaweedFS): $S3_URL"
fi
if [ -n "$S3_URL" ]; then ARGS+=(--s3-url "$S3_URL"); fi

"$PY" -m bench.media_speed --backends "$BACKENDS" "${ARGS[@]}"
