#!/usr/bin/env bash
# Offline checks of the infrastructure code: nothing here reaches a cluster or AWS.
# - Kubernetes: each overlay of deploy/k8s rendered with `kubectl kustomize`, its built-in kinds
#   validated strictly against Kubernetes 1.31's schemas (kubernetes-validate; the custom
#   resources of External Secrets, Prometheus and Istio have no schema there), then checkov and
#   trivy on the manifests;
# - the container image: hadolint, checkov and trivy on the Dockerfile;
# - Terraform: `terraform fmt -check`, checkov and trivy (init and validate need provider
#   downloads this machine cannot make);
# - GitHub Actions: actionlint (with shellcheck on the run: blocks) and checkov;
# - the shell scripts (the release scripts of scripts/deploy included): shellcheck.
# Every finding that does not apply is skipped where it arises, with its reason.
# The checkers live in .venv-iac, installed from deploy/tools/iac-requirements.txt (hashes
# checked) and reinstalled when that file changes. kubectl and terraform come with the machine.
# Usage: scripts/iac.sh
set -euo pipefail
cd "$(dirname "$0")/.."
TOOLS=.venv-iac
LOCK=deploy/tools/iac-requirements.txt
OUT=test-artifacts/iac
K8S_VERSION=1.31.0

if ! cmp -s "$LOCK" "$TOOLS/.installed" 2>/dev/null; then
  echo "iac: installing the checkers into $TOOLS" >&2
  rm -rf "$TOOLS"
  .venv/bin/uv venv -q -p "$(.venv/bin/python -c 'import sys; print(sys.executable)')" "$TOOLS"
  .venv/bin/uv pip install -q --require-hashes -p "$TOOLS/bin/python" -r "$LOCK"
  cp "$LOCK" "$TOOLS/.installed"
fi
export PATH="$PWD/$TOOLS/bin:$PATH"
for tool in kubectl terraform; do
  command -v "$tool" >/dev/null || { echo "iac: $tool is missing (it comes with this machine's image)" >&2; exit 1; }
done
mkdir -p "$OUT"
step() { echo "iac: $*" >&2; }

step "kubernetes: render and validate the overlays"
for overlay in deploy/k8s/overlays/*/ deploy/k8s/cluster/; do
  name="$(basename "$overlay")"
  kubectl kustomize "$overlay" >"$OUT/k8s-$name.yaml"
  # Built-in kinds only: kubernetes-validate has no schema for custom resources.
  "$TOOLS/bin/python" scripts/iac_builtin.py "$OUT/k8s-$name.yaml" >"$OUT/k8s-$name-builtin.yaml"
  kubernetes-validate --quiet -k "$K8S_VERSION" --strict "$OUT/k8s-$name-builtin.yaml"
done
# The eksctl file has no schema here: it must at least parse (tests/unit/test_deploy.py checks
# its values against the brief).
"$TOOLS/bin/python" -c 'import sys, yaml; yaml.safe_load(open(sys.argv[1]))' deploy/eksctl/cluster-config.yaml

CHECKOV=(checkov --skip-download --quiet --compact)
step "kubernetes: checkov and trivy"
"${CHECKOV[@]}" -d deploy/k8s --framework kubernetes
for rendered in "$OUT"/k8s-*-builtin.yaml; do
  "${CHECKOV[@]}" -f "$rendered" --framework kubernetes
done
trivy config --quiet --skip-check-update --exit-code 1 --severity HIGH,CRITICAL deploy/k8s

step "image: hadolint, checkov and trivy on the Dockerfile"
hadolint Dockerfile
"${CHECKOV[@]}" -f Dockerfile --framework dockerfile
trivy config --quiet --skip-check-update --exit-code 1 --severity HIGH,CRITICAL Dockerfile

step "terraform: fmt, checkov and trivy"
terraform fmt -check -recursive deploy/terraform
"${CHECKOV[@]}" -d deploy/terraform --framework terraform
trivy config --quiet --skip-check-update --exit-code 1 --severity HIGH,CRITICAL deploy/terraform

step "github actions: actionlint and checkov"
actionlint .github/workflows/*.yml
"${CHECKOV[@]}" -d .github --framework github_actions

step "shell scripts: shellcheck (warnings and errors)"
shellcheck -x -S warning .ci/run scripts/*.sh scripts/deploy/*.sh

step "all infrastructure checks passed"
