#!/usr/bin/env bash
# Staging's release, a canary (.github/workflows/deploy.yml, job `staging`):
# 1. the objects that are not workloads (namespace, configuration, Services...) are applied,
#    then the migration Job of the new version runs to completion;
# 2. one pod of the new version, `dzinza-api-canary`, starts beside the stable API and, once
#    ready, takes CANARY_WEIGHT percent of the traffic (an ingress-nginx canary Ingress);
# 3. for CANARY_MINUTES it must stay ready, not restart, and answer at most MAX_ERROR_RATIO of
#    5xx (from Prometheus, PROMETHEUS_URL): otherwise the canary is removed and this fails;
# 4. promotion: the whole overlay is applied (the stable API, the workers and the rest roll to
#    the new version), then the canary is removed.
# The first release to an empty namespace has nothing to compare with: it is applied whole.
# Usage: NAMESPACE=staging [PROMETHEUS_URL=...] scripts/deploy/canary.sh RENDERED.yaml
set -euo pipefail
# shellcheck source=scripts/deploy/lib.sh
. "$(dirname "$0")/lib.sh"

[ "$#" -eq 1 ] || { echo "usage: NAMESPACE=... $0 RENDERED.yaml" >&2; exit 2; }
rendered="$1"
CANARY=dzinza-api-canary
CANARY_WEIGHT="${CANARY_WEIGHT:-10}"
CANARY_MINUTES="${CANARY_MINUTES:-10}"
phase=prepare

remove_canary() {
  k delete ingress,service,deployment -l track=canary --ignore-not-found
}

on_exit() {
  local status=$?
  if [ "$status" -ne 0 ] && { [ "$phase" = canary ] || [ "$phase" = promotion ]; }; then
    log "rolling back: removing the canary (the previous version keeps all the traffic)"
    remove_canary || log "could not remove the canary: kubectl -n $NAMESPACE delete ingress,service,deployment -l track=canary"
  fi
  if [ "$status" -ne 0 ]; then
    log "release failed during: $phase"
  fi
  exit "$status"
}
trap on_exit EXIT

# Everything is prepared (and checked) before the cluster is touched.
manifests support "$rendered" --stable-track >"$WORK/support.yaml"
manifests stable "$rendered" >"$WORK/stable.yaml"
manifests canary "$rendered" >"$WORK/canary.yaml"
manifests canary-ingress "$rendered" --weight "$CANARY_WEIGHT" >"$WORK/canary-ingress.yaml"

# The `dzinza-api` Service sends traffic only to pods labelled `track: stable`. A running API
# whose pods lack the label (applied by hand from the overlay) gets it first, with a rolling
# restart of the running version, so that the Service never finds itself without pods.
if k get deployment "$API" >/dev/null 2>&1 &&
  [ "$(k get deployment "$API" -o jsonpath='{.spec.template.metadata.labels.track}')" != stable ]; then
  phase=labelling
  log "labelling the running $API's pods track=stable (a rolling restart, same version)"
  k patch deployment "$API" --type merge \
    -p '{"spec":{"template":{"metadata":{"labels":{"track":"stable"}}}}}'
  k rollout status "deployment/$API" --timeout="$ROLLOUT_TIMEOUT"
fi

phase=migration
apply_support "$WORK/support.yaml"
migrate "$rendered"

promote() {
  phase=promotion
  log "promoting: the whole release to $NAMESPACE"
  k apply -f "$WORK/stable.yaml"
  roll_out "$WORK/stable.yaml"
}

if ! k get deployment "$API" >/dev/null 2>&1; then
  log "no $API in $NAMESPACE yet: the first release has no stable version to compare with"
  promote
  log "released: $NAMESPACE runs the new version"
  exit 0
fi

phase=canary
remove_canary # a canary left by a cancelled run
k apply -f "$WORK/canary.yaml"
k rollout status "deployment/$CANARY" --timeout="$ROLLOUT_TIMEOUT"
smoke "$CANARY"
log "sending $CANARY_WEIGHT% of the traffic to the canary"
k apply -f "$WORK/canary-ingress.yaml"
watch_health "$CANARY" $((CANARY_MINUTES * 60))

promote
phase=cleanup
remove_canary
log "released: $NAMESPACE runs the new version"
