#!/usr/bin/env bash
# Production's release, blue-green (.github/workflows/deploy.yml, job `production`, after a
# person approved the `production` environment). The API always runs as the Deployment
# `dzinza-api`, the target of the autoscaler `dzinza-api-hpa`, which nothing here changes. Each
# API pod is labelled with its release, `dzinza.io/release: <image tag>`, and while a release is
# switched the `dzinza-api` Service selects one release's pods only (its "pin"):
# 1. the objects that are not workloads (namespace, configuration, Services...) are applied,
#    with the Service pinned to the live release, then the migration Job of the new version
#    runs to completion;
# 2. the new version starts as `dzinza-api-preview` (pods labelled `track: preview`), as many
#    pods as `dzinza-api` has ready (at least the autoscaler's minimum), with a Service of its
#    own; every pod must become ready and answer /readyz (smoke check) while the live pods keep
#    all the traffic;
# 3. the switch: the pin moves to the new release, so every request goes to the preview at once
#    while the old pods keep running, untouched; for VERIFY_MINUTES the preview must stay ready,
#    not restart, and (PROMETHEUS_URL) answer at most MAX_ERROR_RATIO of 5xx;
# 4. promotion: `dzinza-api` rolls to the new version (its new pods join the preview's behind
#    the Service), then the pin is removed and the preview deleted; the other workloads
#    (workers, scheduled jobs) roll to the new version last.
# A failure before the switch leaves the live pods serving and deletes the preview; a failure
# after it moves the pin back to the previous release, whose pods are still there at full size.
# A first release (no `dzinza-api`, or pods without a release label) is applied directly.
# Usage: NAMESPACE=production [PROMETHEUS_URL=...] scripts/deploy/blue_green.sh RENDERED.yaml
set -euo pipefail
# shellcheck source=scripts/deploy/lib.sh
. "$(dirname "$0")/lib.sh"

[ "$#" -eq 1 ] || { echo "usage: NAMESPACE=... $0 RENDERED.yaml" >&2; exit 2; }
rendered="$1"
VERIFY_MINUTES="${VERIFY_MINUTES:-5}"
# Seconds, when given, win over minutes (the tests watch for one second).
VERIFY_SECONDS="${VERIFY_SECONDS:-$((VERIFY_MINUTES * 60))}"
PREVIEW=dzinza-api-preview
phase=prepare

# Pins the `dzinza-api` Service to the pods of one release, or with "" unpins it: its selector
# is then the rendered one, every API pod, so the next apply changes nothing.
pin() {
  local value=null
  [ -z "$1" ] || value="\"$1\""
  k patch service "$API" --type merge -p "{\"spec\":{\"selector\":{\"dzinza.io/release\":$value}}}"
  if [ -n "$1" ]; then
    log "the $API Service sends the traffic to release $1 only"
  else
    log "the $API Service sends the traffic to every API pod"
  fi
}

remove_preview() {
  k delete "deployment/$PREVIEW" "service/$PREVIEW" --ignore-not-found
}

by_hand() { log "by hand: docs/operations/deploy.md, \"Rolling back\""; }

# The release in dzinza-api's pod template ("" without the Deployment or the label).
api_release() {
  k get deployment "$API" --ignore-not-found \
    -o jsonpath='{.spec.template.metadata.labels.dzinza\.io/release}'
}

# Undoes dzinza-api's last rollout, only if it is this release's: after an apply that failed,
# `rollout undo` would go back one release too far.
undo_api() {
  local running
  running="$(api_release)" || return 1
  if [ "$running" != "$new" ]; then
    log "$API does not run release $new: nothing to undo"
    return 0
  fi
  log "undoing $API's rollout (back to ${live:-its previous version})"
  k rollout undo "deployment/$API"
}

live=""
new=""
changes_api=0 # 1: this release changes the release dzinza-api runs, so a failure undoes it

on_exit() {
  local status=$?
  if [ "$status" -ne 0 ]; then
    log "release failed during: $phase"
    case "$phase" in
      preview)
        log "release $live keeps all the traffic; removing the preview"
        remove_preview || by_hand
        ;;
      switched)
        log "rolling back: the $API Service goes back to release $live (its pods never stopped)"
        if pin "$live"; then remove_preview || by_hand; else by_hand; fi
        ;;
      promotion)
        # dzinza-api is part-way to the new version; the pin still selects the new pods.
        log "rolling back: $API to release $live, then the Service"
        if undo_api &&
          k rollout status "deployment/$API" --timeout="$ROLLOUT_TIMEOUT" && pin "$live"; then
          remove_preview || by_hand
        else
          log "$API is not back on release $live: the Service stays on $new (the preview serves)"
          by_hand
        fi
        ;;
      cleanup)
        log "release $new serves, but the pin or the preview is left over"
        by_hand
        ;;
      api | workloads)
        # The API goes back to the version that ran before, as the workloads do (roll_out has
        # undone theirs), so that one version runs everywhere.
        if [ "$changes_api" -eq 1 ]; then
          undo_api || by_hand
        fi
        ;;
    esac
  fi
  exit "$status"
}
trap on_exit EXIT

new="$(manifests release-id "$rendered")"
# What runs now: the release in dzinza-api's pod template, and the one the Service pins (none
# between releases). Only "not found" means none: a cluster that does not answer stops here.
api_exists="$(k get deployment "$API" --ignore-not-found -o name)"
live="$(api_release)"
pinned="$(k get service "$API" --ignore-not-found -o jsonpath='{.spec.selector.dzinza\.io/release}')"

# A pin on another release than dzinza-api's means a run stopped after its switch (runner
# lost): the traffic may be on a preview, which this run would replace. A person decides.
if [ -n "$pinned" ] && [ "$pinned" != "$live" ]; then
  log "the $API Service selects release $pinned, but $API runs ${live:-pods without a release}:"
  log "an earlier release stopped after its switch; point the Service back first"
  by_hand
  exit 1
fi
if [ -n "$api_exists" ] && [ "$live" != "$new" ]; then
  changes_api=1
fi

# Everything is prepared (and checked) before the cluster is touched.
if [ -n "$live" ] && [ "$live" != "$new" ]; then
  mode=blue-green
  log "live release: $live; release $new starts as $PREVIEW"
  # The preview is sized on a settled API, and its pods carry the API's app labels: the
  # Service stays pinned to the live release until the switch.
  k rollout status "deployment/$API" --timeout="$ROLLOUT_TIMEOUT"
  manifests support "$rendered" --service-release "$live" >"$WORK/support.yaml"
  live_ready="$(k get deployment "$API" -o jsonpath='{.status.readyReplicas}')"
  manifests preview "$rendered" --replicas "${live_ready:-0}" >"$WORK/preview.yaml"
  log "$PREVIEW: as many pods as $API has ready (${live_ready:-0}), at least the autoscaler's minimum"
else
  mode=direct
  if [ "$live" = "$new" ]; then
    log "$API runs release $new already (a re-run): applied directly"
  elif [ -n "$api_exists" ]; then
    log "$API's pods carry no release label yet: release $new is applied directly (rolling update)"
  else
    log "no $API in $NAMESPACE yet: the first release is applied directly"
  fi
  # A pin left on the running release (a run stopped after its promotion) stays until the
  # rollout is over.
  support_args=()
  [ -z "$pinned" ] || support_args=(--service-release "$pinned")
  manifests support "$rendered" "${support_args[@]}" >"$WORK/support.yaml"
fi
manifests api "$rendered" >"$WORK/api.yaml"
manifests workloads "$rendered" >"$WORK/workloads.yaml"

phase=migration
apply_support "$WORK/support.yaml"
migrate "$rendered"

if [ "$mode" = blue-green ]; then
  phase=preview
  remove_preview # one left by a stopped run: starting afresh is quicker than rolling it
  k apply -f "$WORK/preview.yaml"
  k rollout status "deployment/$PREVIEW" --timeout="$ROLLOUT_TIMEOUT"
  smoke "$PREVIEW"

  phase=switched
  pin "$new"
  watch_health "$PREVIEW" "$VERIFY_SECONDS"
  phase=promotion
else
  phase=api
fi
k apply -f "$WORK/api.yaml"
k rollout status "deployment/$API" --timeout="$ROLLOUT_TIMEOUT"

phase=cleanup
if [ "$mode" = blue-green ] || [ -n "$pinned" ]; then
  pin ""
fi
remove_preview

phase=workloads
k apply -f "$WORK/workloads.yaml"
roll_out "$WORK/workloads.yaml"
phase=released
log "released: $API runs release $new in $NAMESPACE (the way back: docs/operations/deploy.md)"
