"""Prints the documents of a rendered manifest whose kinds Kubernetes itself defines (so that
kubernetes-validate, which knows only those, checks every one of them strictly); custom
resources (External Secrets, Prometheus Operator, Istio) are left out and counted on stderr.
Usage: python scripts/iac_builtin.py RENDERED.yaml > BUILTIN.yaml"""

from __future__ import annotations

import sys

import yaml

BUILTIN_GROUPS = {
    "",
    "apps",
    "batch",
    "autoscaling",
    "policy",
    "networking.k8s.io",
    "rbac.authorization.k8s.io",
    "storage.k8s.io",
    "scheduling.k8s.io",
    "coordination.k8s.io",
    "discovery.k8s.io",
    "node.k8s.io",
    "admissionregistration.k8s.io",
    "apiextensions.k8s.io",
    "certificates.k8s.io",
}


def main(path: str) -> int:
    with open(path) as f:
        documents = [d for d in yaml.safe_load_all(f) if d]
    kept = [d for d in documents if d["apiVersion"].rpartition("/")[0] in BUILTIN_GROUPS]
    left = sorted({f"{d['apiVersion']}/{d['kind']}" for d in documents if d not in kept})
    print(
        f"{path}: {len(kept)} built-in objects; custom resources not validated: {left}",
        file=sys.stderr,
    )
    yaml.safe_dump_all(kept, sys.stdout, sort_keys=False)
    return 0 if kept else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1]))
