# Shared steps of a Dzinza release on Kubernetes, sourced by canary.sh and blue_green.sh.
# Needs: NAMESPACE; kubectl pointed at the cluster; python with PyYAML (requirements.txt);
# curl and jq for the Prometheus checks (PROMETHEUS_URL, optional PROMETHEUS_TOKEN).
# shellcheck shell=bash

: "${NAMESPACE:?set NAMESPACE to the namespace of the release}"
DEPLOY_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck disable=SC2034 # used by the scripts that source this file
API=dzinza-api
MIGRATION_JOB=dzinza-migrate
API_CONTAINER="${API_CONTAINER:-api}"
API_PORT="${API_PORT:-8000}"
PYTHON="${PYTHON:-python3}"
ROLLOUT_TIMEOUT="${ROLLOUT_TIMEOUT:-10m}"
SECRETS_TIMEOUT="${SECRETS_TIMEOUT:-120s}"
# The migration Job's own activeDeadlineSeconds (deploy/k8s/base/jobs/migrate.yaml).
MIGRATION_TIMEOUT_S="${MIGRATION_TIMEOUT_S:-1800}"
CHECK_EVERY_S="${CHECK_EVERY_S:-30}"
MIGRATION_POLL_S="${MIGRATION_POLL_S:-5}"
# The share of 5xx answers above which a new version is rolled back.
MAX_ERROR_RATIO="${MAX_ERROR_RATIO:-0.01}"
# Prometheus's rate window: long enough to hold a few scrapes of the new pods.
RATE_WINDOW="${RATE_WINDOW:-2m}"
WORK="${WORK:-$(mktemp -d)}"

log() { printf '%s %s: %s\n' "$(date -u +%H:%M:%S)" "$(basename "$0" .sh)" "$*" >&2; }
# A line GitHub shows as an annotation on the run.
warn() { printf '::warning::%s\n' "$*"; log "$*"; }
k() { kubectl --namespace "$NAMESPACE" "$@"; }
manifests() { "$PYTHON" "$DEPLOY_DIR/manifests.py" "$@"; }

# Applies the objects that are not workloads (manifests.py support) and waits until External
# Secrets has written the Secrets they describe: the migration Job and the pods read them.
apply_support() {
  local file="$1"
  k apply -f "$file"
  if grep -q '^kind: ExternalSecret$' "$file"; then
    log "waiting for the Secrets (External Secrets)"
    k wait --for=condition=Ready externalsecret --all --timeout="$SECRETS_TIMEOUT"
  fi
}

# The migration Job of the new version (`dzinza db upgrade`), run to completion before anything
# else changes. A Job's pod template cannot change, so the previous release's Job is deleted
# first. `kubectl wait` cannot stop at the first of "complete" or "failed": this loop does, so
# that a failed migration stops the release at once instead of at the timeout.
migrate() {
  local rendered="$1" deadline state
  manifests migration "$rendered" >"$WORK/migration.yaml"
  log "migrating the database (job/$MIGRATION_JOB)"
  k delete job "$MIGRATION_JOB" --ignore-not-found --wait=true
  k apply -f "$WORK/migration.yaml"
  deadline=$((SECONDS + MIGRATION_TIMEOUT_S))
  while [ "$SECONDS" -lt "$deadline" ]; do
    # (A Job deleted by its ttlSecondsAfterFinished before this loop saw it end counts as failed.)
    state="$(k get job "$MIGRATION_JOB" -o jsonpath='{.status.conditions[?(@.status=="True")].type}')" ||
      state=Failed
    case " $state " in
      *" Complete "*) log "migration complete"; return 0 ;;
      *" Failed "*) break ;;
    esac
    sleep "$MIGRATION_POLL_S"
  done
  log "the migration failed or timed out; the end of its logs:"
  k logs "job/$MIGRATION_JOB" --all-containers --tail=100 >&2 || true
  return 1
}

# Waits for each rollout of a manifest (Deployments, StatefulSets, DaemonSets). If one does not
# finish, all of them are undone: every release changes every workload's image, so undoing goes
# back to the version that ran before this release.
roll_out() {
  local file="$1" target targets=() failed=()
  manifests rollouts "$file" >"$WORK/rollouts.txt"
  mapfile -t targets <"$WORK/rollouts.txt"
  for target in "${targets[@]}"; do
    k rollout status "$target" --timeout="$ROLLOUT_TIMEOUT" || failed+=("$target")
  done
  [ "${#failed[@]}" -gt 0 ] || return 0
  log "not ready: ${failed[*]}; undoing this release's rollouts: ${targets[*]}"
  for target in "${targets[@]}"; do
    k rollout undo "$target" || log "could not undo $target"
  done
  return 1
}

# `key=value,...` of a Deployment's pod selector, for `kubectl get pods -l`.
pod_selector() {
  # shellcheck disable=SC2016 # a Go template, not shell: $k and $v are its variables
  k get deployment "$1" \
    -o go-template='{{range $k, $v := .spec.selector.matchLabels}}{{$k}}={{$v}},{{end}}' |
    sed 's/,$//'
}

# The pods of a Deployment that are not shutting down, one name a line.
live_pods() {
  k get pods -l "$(pod_selector "$1")" \
    -o go-template='{{range .items}}{{if not .metadata.deletionTimestamp}}{{.metadata.name}}{{"\n"}}{{end}}{{end}}'
}

# Ready pods of a Deployment, and the restarts of its pods' containers so far.
ready_count() {
  local ready
  ready="$(k get deployment "$1" -o jsonpath='{.status.readyReplicas}')"
  echo "${ready:-0}"
}
restart_count() {
  k get pods -l "$(pod_selector "$1")" \
    -o jsonpath='{range .items[*]}{range .status.containerStatuses[*]}{.restartCount}{"\n"}{end}{end}' |
    awk '{ n += $1 } END { print n + 0 }'
}

# /readyz answered 200 by every pod of a Deployment, asked from inside each pod (no Service, no
# network policy in the way, no curl needed: the image has Python).
smoke() {
  local deployment="$1" pod checked=0
  local check="import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:$API_PORT/readyz', timeout=10).status == 200 else 1)"
  for pod in $(live_pods "$deployment"); do
    if ! k exec "$pod" -c "$API_CONTAINER" -- python -c "$check"; then
      log "$pod: /readyz did not answer 200"
      return 1
    fi
    checked=$((checked + 1))
  done
  [ "$checked" -gt 0 ] || { log "$deployment has no pod to check"; return 1; }
  log "$deployment: /readyz answered 200 on $checked pod(s)"
}

# The share of the requests answered by the pods whose names match a regex that were 5xx, over
# RATE_WINDOW, from Prometheus (dzinza_http_requests_total); "none" when those pods answered no
# request. Fails when Prometheus cannot be asked.
error_ratio() {
  local pods="$1" match query answer
  match="namespace=\"$NAMESPACE\",pod=~\"$pods\""
  query="(sum(rate(dzinza_http_requests_total{$match,status=~\"5..\"}[$RATE_WINDOW])) or vector(0))"
  query="$query / sum(rate(dzinza_http_requests_total{$match}[$RATE_WINDOW]))"
  local auth=()
  if [ -n "${PROMETHEUS_TOKEN:-}" ]; then
    # The token goes through a config file, not the command line, where `ps` would show it.
    auth=(--config <(printf 'header = "Authorization: Bearer %s"\n' "$PROMETHEUS_TOKEN"))
  fi
  answer="$(curl -fsS --max-time 20 "${auth[@]}" --get --data-urlencode "query=$query" \
    "${PROMETHEUS_URL%/}/api/v1/query")" || return 1
  jq -r '.data.result[0].value[1] // "none" | if . == "NaN" then "none" else . end' <<<"$answer"
}

# True when the ratio is above MAX_ERROR_RATIO.
too_many_errors() { awk -v r="$1" -v max="$MAX_ERROR_RATIO" 'BEGIN { exit !(r + 0 > max + 0) }'; }

# Watches a Deployment for some seconds: it must stay ready, its containers must not restart,
# and (with PROMETHEUS_URL) its pods' 5xx share must stay at most MAX_ERROR_RATIO. Three
# Prometheus answers missed in a row fail the watch: an error rate nobody can see is not a pass.
watch_health() {
  local deployment="$1" seconds="$2" until ratio restarts misses=0 seen=0 first=1
  until=$((SECONDS + seconds))
  restarts="$(restart_count "$deployment")"
  log "watching $deployment for ${seconds}s (5xx at most $MAX_ERROR_RATIO)"
  # Checked once at least, however short the watch (SECONDS counts whole seconds).
  while [ "$first" -eq 1 ] || [ "$SECONDS" -lt "$until" ]; do
    first=0
    sleep "$CHECK_EVERY_S"
    if [ "$(ready_count "$deployment")" -lt 1 ]; then
      log "$deployment has no ready pod"
      return 1
    fi
    if [ "$(restart_count "$deployment")" -gt "$restarts" ]; then
      log "$deployment's containers restarted"
      return 1
    fi
    [ -n "${PROMETHEUS_URL:-}" ] || continue
    if ! ratio="$(error_ratio "$deployment-.*")"; then
      misses=$((misses + 1))
      log "Prometheus did not answer ($misses in a row)"
      [ "$misses" -lt 3 ] || return 1
      continue
    fi
    misses=0
    if [ "$ratio" = none ]; then
      log "no request has reached $deployment yet"
      continue
    fi
    seen=1
    log "$deployment: 5xx share $ratio"
    if too_many_errors "$ratio"; then
      log "$deployment answers too many errors ($ratio > $MAX_ERROR_RATIO)"
      return 1
    fi
  done
  if [ -z "${PROMETHEUS_URL:-}" ]; then
    warn "PROMETHEUS_URL is not set: $deployment was watched for readiness and restarts only"
  elif [ "$seen" -eq 0 ]; then
    warn "no request reached $deployment while it was watched: its error rate is unknown"
  fi
}
