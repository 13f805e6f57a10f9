#!/usr/bin/env bash
# Renders an overlay of deploy/k8s for one release: `kustomize edit set image` points the
# overlay's `dzinza` image at the release's (in the pipeline's own checkout, never committed),
# then `kustomize build` writes every object of the overlay to one file.
# Usage: scripts/deploy/render.sh OVERLAY_DIR IMAGE OUT.yaml
#   e.g. scripts/deploy/render.sh deploy/k8s/overlays/staging 1234.dkr.ecr.../dzinza:SHA out.yaml
set -euo pipefail

[ "$#" -eq 3 ] || { echo "usage: $0 OVERLAY_DIR IMAGE OUT.yaml" >&2; exit 2; }
overlay="$1"
image="$2"
out="$3"

(cd "$overlay" && kustomize edit set image "dzinza=$image")
kustomize build "$overlay" >"$out"

# Every container of Dzinza's runs that image, or the overlay names its image otherwise.
if ! grep -qF "image: $image" "$out"; then
  echo "render: no container of $overlay runs $image: is the image named 'dzinza' there?" >&2
  exit 1
fi
others="$(grep -nE 'image: ([^ ]*/)?dzinza([:@]|$)' "$out" | grep -vF "image: $image" || true)"
if [ -n "$others" ]; then
  printf 'render: containers of %s still run another Dzinza image:\n%s\n' "$overlay" "$others" >&2
  exit 1
fi
echo "render: $overlay with $image -> $out ($(grep -c '^kind: ' "$out") objects)" >&2
