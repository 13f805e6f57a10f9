"""Picks and reshapes the objects of a rendered Dzinza overlay for the release steps of
scripts/deploy/canary.sh (staging) and scripts/deploy/blue_green.sh (production), which apply
what this prints with kubectl. The overlays describe one API Deployment, `dzinza-api`, behind
the Service `dzinza-api`; a release runs a second copy of it beside the first:

- staging, a canary: `dzinza-api-canary` (pods labelled `track: canary`, its own Service and a
  copy of the Ingress with ingress-nginx's canary weight), while the stable pods are labelled
  `track: stable` and only they are behind the `dzinza-api` Service;
- production, blue-green: the new version starts as `dzinza-api-preview` (pods labelled
  `track: preview`); every API pod carries its release, `dzinza.io/release: <image tag>`, and the
  `dzinza-api` Service pins one release while a release is switched. `dzinza-api` itself, the
  Deployment `dzinza-api-hpa` scales, keeps its name, and the autoscaler is never changed.

Usage: python scripts/deploy/manifests.py COMMAND RENDERED.yaml [OPTIONS] > OUT.yaml
(`python scripts/deploy/manifests.py --help` lists the commands.)"""

from __future__ import annotations

import argparse
import copy
import re
import sys
from collections.abc import Callable, Iterable
from typing import Any

import yaml

Obj = dict[str, Any]

API = "dzinza-api"
API_CONTAINER = "api"
CANARY = "dzinza-api-canary"
PREVIEW = "dzinza-api-preview"
RELEASE_LABEL = "dzinza.io/release"
COMPONENT_LABEL = "app.kubernetes.io/component"
# A label value: at most 63 characters, alphanumeric at both ends.
LABEL_VALUE = re.compile(r"[A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?")
MIGRATION_JOB = "dzinza-migrate"
WORKLOAD_KINDS = {"Deployment", "StatefulSet", "DaemonSet", "CronJob"}
CANARY_ANNOTATION = "nginx.ingress.kubernetes.io/canary"
# The canary Ingress shares the stable Ingress's host and certificate: nothing that would issue a
# second certificate or change the stable routing is copied.
DROPPED_ANNOTATION_PREFIXES = ("cert-manager.io/", "acme.cert-manager.io/")


class ManifestError(Exception):
    pass


# libyaml's safe loader and dumper when PyYAML was built with it: several times faster on a
# whole overlay, and each release runs this a few times.
LOADER = yaml.CSafeLoader if yaml.__with_libyaml__ else yaml.SafeLoader
DUMPER = yaml.CSafeDumper if yaml.__with_libyaml__ else yaml.SafeDumper


def load(path: str) -> list[Obj]:
    with open(path, encoding="utf-8") as f:
        return [d for d in yaml.load_all(f, Loader=LOADER) if d]


def is_(obj: Obj, kind: str, name: str) -> bool:
    return bool(obj.get("kind") == kind and obj.get("metadata", {}).get("name") == name)


def the(objs: Iterable[Obj], kind: str, name: str) -> Obj:
    found = [o for o in objs if is_(o, kind, name)]
    if len(found) != 1:
        raise ManifestError(
            f"expected one {kind} {name} in the rendered overlay, found {len(found)}"
        )
    return found[0]


def add_labels(obj: Obj, labels: dict[str, str], *paths: tuple[str, ...]) -> None:
    """Adds the labels at each path of the object (creating the mappings on the way)."""
    for path in paths:
        node = obj
        for key in path:
            node = node.setdefault(key, {})
        node.update(labels)


def pod_labels(deployment: Obj, labels: dict[str, str], *, in_selector: bool) -> None:
    add_labels(deployment, labels, ("spec", "template", "metadata", "labels"))
    if in_selector:
        add_labels(deployment, labels, ("spec", "selector", "matchLabels"))


def routes_to(ingress: Obj, service: str) -> bool:
    spec = ingress.get("spec", {})
    backends = [spec.get("defaultBackend", {})] + [
        path.get("backend", {})
        for rule in spec.get("rules", [])
        for path in rule.get("http", {}).get("paths", [])
    ]
    return any(b.get("service", {}).get("name") == service for b in backends)


# --- the commands ---------------------------------------------------------------------------


def migration(objs: list[Obj], _: argparse.Namespace) -> list[Obj]:
    """The migration Job alone: it runs, and must complete, before anything else changes."""
    return [the(objs, "Job", MIGRATION_JOB)]


def stable(objs: list[Obj], _: argparse.Namespace) -> list[Obj]:
    """Staging's whole release but the migration Job, with the API's pods labelled
    `track: stable` and the `dzinza-api` Service sending traffic to them only (never to a
    canary's pods, which carry the same app labels). The Deployment's selector is left as it is:
    it cannot be changed on an existing Deployment."""
    out = [copy.deepcopy(o) for o in objs if not is_(o, "Job", MIGRATION_JOB)]
    pod_labels(the(out, "Deployment", API), {"track": "stable"}, in_selector=False)
    add_labels(the(out, "Service", API), {"track": "stable"}, ("spec", "selector"))
    return out


def canary(objs: list[Obj], _: argparse.Namespace) -> list[Obj]:
    """The canary: one pod of the new version beside the stable ones, with its own Service (the
    metrics and the canary Ingress reach it there). Every object is labelled `track: canary` so
    that removing the canary is `kubectl delete deployment,service,ingress -l track=canary`."""
    deployment = copy.deepcopy(the(objs, "Deployment", API))
    deployment["metadata"]["name"] = CANARY
    add_labels(deployment, {"track": "canary"}, ("metadata", "labels"))
    pod_labels(deployment, {"track": "canary"}, in_selector=True)
    deployment["spec"]["replicas"] = 1

    service = copy.deepcopy(the(objs, "Service", API))
    service["metadata"]["name"] = CANARY
    add_labels(service, {"track": "canary"}, ("metadata", "labels"), ("spec", "selector"))
    for assigned in ("clusterIP", "clusterIPs"):
        service["spec"].pop(assigned, None)
    return [deployment, service]


def canary_ingress(objs: list[Obj], args: argparse.Namespace) -> list[Obj]:
    """A copy of each Ingress that routes to the API, sending `--weight` percent of its traffic
    to the canary's Service (ingress-nginx's canary annotations)."""
    if not 0 < args.weight < 100:
        raise ManifestError("--weight is a percentage between 1 and 99")
    stable_ingresses = [o for o in objs if o.get("kind") == "Ingress" and routes_to(o, API)]
    if not stable_ingresses:
        raise ManifestError(
            f"no Ingress routes to the Service {API}: a canary would get no traffic"
        )
    out = []
    for original in stable_ingresses:
        ingress = copy.deepcopy(original)
        meta = ingress["metadata"]
        meta["name"] = f"{meta['name']}-canary"
        add_labels(ingress, {"track": "canary"}, ("metadata", "labels"))
        annotations = {
            k: v
            for k, v in meta.get("annotations", {}).items()
            if not k.startswith(DROPPED_ANNOTATION_PREFIXES)
        }
        annotations[CANARY_ANNOTATION] = "true"
        annotations[f"{CANARY_ANNOTATION}-weight"] = str(args.weight)
        meta["annotations"] = annotations
        spec = ingress["spec"]
        spec.pop("tls", None)
        default = spec.pop("defaultBackend", {})
        if default.get("service", {}).get("name") == API:
            default["service"]["name"] = CANARY
            spec["defaultBackend"] = default
        for rule in spec.get("rules", []):
            paths = rule.get("http", {}).get("paths", [])
            kept = [p for p in paths if p.get("backend", {}).get("service", {}).get("name") == API]
            for path in kept:
                path["backend"]["service"]["name"] = CANARY
            rule.setdefault("http", {})["paths"] = kept
        spec["rules"] = [r for r in spec.get("rules", []) if r["http"]["paths"]]
        if not spec["rules"]:
            del spec["rules"]
        out.append(ingress)
    return out


def scales_api(obj: Obj) -> bool:
    target = obj.get("spec", {}).get("scaleTargetRef", {})
    return bool(
        obj.get("kind") == "HorizontalPodAutoscaler"
        and target.get("kind") == "Deployment"
        and target.get("name") == API
    )


def label_value(value: str, what: str) -> str:
    if not LABEL_VALUE.fullmatch(value):
        raise ManifestError(f"{what} {value!r} cannot be a label value")
    return value


def support(objs: list[Obj], args: argparse.Namespace) -> list[Obj]:
    """The objects that are not workloads (namespace, configuration, secrets, service accounts,
    Services, policies, autoscalers, monitoring...): applied before the migration, which may
    need them, and never moving traffic. The autoscalers go as rendered: `dzinza-api-hpa`
    always scales `dzinza-api`. The `dzinza-api` Service selects:
    - `--stable-track` (staging): the pods labelled `track: stable`, never a canary's;
    - `--service-release ID` (production): the pods of that release only, so that a preview
      of the next release, which carries the same app labels, gets no traffic;
    - neither: every API pod, as rendered (a first release; between releases)."""
    out = [
        copy.deepcopy(o)
        for o in objs
        if o.get("kind") not in WORKLOAD_KINDS and not is_(o, "Job", MIGRATION_JOB)
    ]
    service = the(out, "Service", API)
    if args.stable_track:
        add_labels(service, {"track": "stable"}, ("spec", "selector"))
    elif args.service_release:
        release = label_value(args.service_release, "--service-release")
        add_labels(service, {RELEASE_LABEL: release}, ("spec", "selector"))
    return out


def api_image(objs: list[Obj]) -> str:
    deployment = the(objs, "Deployment", API)
    for container in deployment["spec"]["template"]["spec"]["containers"]:
        if container.get("name") == API_CONTAINER:
            return str(container["image"])
    raise ManifestError(f"the Deployment {API} has no container {API_CONTAINER}")


def release_of(objs: list[Obj]) -> str:
    """The release id: the tag of the API's image (deploy.yml tags images with the commit)."""
    image = api_image(objs)
    name = image.split("@", 1)[0]
    repository, _, tag = name.rpartition(":")
    # A colon before the last slash is a registry's port, not a tag.
    if not repository or "/" in tag:
        raise ManifestError(f"the API's image {image} has no tag to name the release")
    return label_value(tag, "the API's image tag")


def release_id(objs: list[Obj], _: argparse.Namespace) -> list[str]:
    """Not a manifest: the release id, one line (printed by main)."""
    return [release_of(objs)]


def api(objs: list[Obj], _: argparse.Namespace) -> list[Obj]:
    """The `dzinza-api` Deployment, its pods labelled with their release. Its selector stays
    the app labels (a Deployment's selector cannot change, and the autoscaler and the
    disruption budget count every API pod by them); it has no replica count: the autoscaler
    sets it."""
    deployment = copy.deepcopy(the(objs, "Deployment", API))
    pod_labels(deployment, {RELEASE_LABEL: release_of(objs)}, in_selector=False)
    return [deployment]


def preview(objs: list[Obj], args: argparse.Namespace) -> list[Obj]:
    """The new version beside the live one before it takes any traffic: `dzinza-api-preview`,
    the API's pod template with its release label and `track: preview`, as many pods as
    `--replicas` (the live API's ready pods; at least the autoscaler's minimum, so that it can
    carry the whole traffic at the switch), and a Service of its own for smoke checks that
    selects its pods only."""
    deployment = api(objs, args)[0]
    deployment["metadata"]["name"] = PREVIEW
    track = {"track": "preview"}
    add_labels(deployment, track, ("metadata", "labels"))
    # In the selector too: the preview owns its pods, never dzinza-api's.
    pod_labels(deployment, track, in_selector=True)
    minimums = [int(o["spec"].get("minReplicas", 1)) for o in objs if scales_api(o)]
    deployment["spec"]["replicas"] = max([args.replicas, *minimums])

    service = copy.deepcopy(the(objs, "Service", API))
    service["metadata"]["name"] = PREVIEW
    add_labels(service, track, ("metadata", "labels"), ("spec", "selector"))
    # The ServiceMonitor scrapes the Services labelled component `api`: once the switch sends
    # `dzinza-api`'s traffic to the preview pods, they would be scraped twice and every rate
    # counted double.
    service["metadata"]["labels"][COMPONENT_LABEL] = "api-preview"
    for assigned in ("clusterIP", "clusterIPs"):
        service["spec"].pop(assigned, None)
    return [deployment, service]


def workloads(objs: list[Obj], _: argparse.Namespace) -> list[Obj]:
    """Production's other workloads (workers, scheduled jobs): rolled out once the API is
    promoted, so that a release that fails before has changed nothing else that runs."""
    return [
        copy.deepcopy(o)
        for o in objs
        if o.get("kind") in WORKLOAD_KINDS and not is_(o, "Deployment", API)
    ]


def rollouts(objs: list[Obj], _: argparse.Namespace) -> list[str]:
    """Not a manifest: the `kind/name` of each object whose rollout `kubectl rollout status`
    can wait for, one a line (printed by main)."""
    return [
        f"{o['kind'].lower()}/{o['metadata']['name']}"
        for o in objs
        if o.get("kind") in {"Deployment", "StatefulSet", "DaemonSet"}
    ]


COMMANDS: dict[str, Callable[[list[Obj], argparse.Namespace], list[Obj]]] = {
    "migration": migration,
    "stable": stable,
    "canary": canary,
    "canary-ingress": canary_ingress,
    "support": support,
    "api": api,
    "preview": preview,
    "workloads": workloads,
}
# The commands that print lines of text rather than a manifest.
TEXT_COMMANDS: dict[str, Callable[[list[Obj], argparse.Namespace], list[str]]] = {
    "release-id": release_id,
    "rollouts": rollouts,
}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=[*COMMANDS, *TEXT_COMMANDS])
    parser.add_argument("rendered", help="the output of `kustomize build` for the overlay")
    parser.add_argument("--weight", type=int, default=10, help="canary-ingress: percent of traffic")
    parser.add_argument(
        "--stable-track",
        action="store_true",
        help="support: the API's Service selects the pods labelled track: stable",
    )
    parser.add_argument(
        "--service-release",
        help="support: the API's Service selects the pods of this release only",
    )
    parser.add_argument("--replicas", type=int, help="preview: pods of the preview")
    args = parser.parse_args(argv)
    if args.command == "support" and args.stable_track and args.service_release:
        parser.error("support takes --stable-track or --service-release, not both")
    if args.command == "preview" and args.replicas is None:
        parser.error("preview needs --replicas")
    try:
        objs = load(args.rendered)
        if args.command in TEXT_COMMANDS:
            text = "".join(f"{line}\n" for line in TEXT_COMMANDS[args.command](objs, args))
        else:
            out = COMMANDS[args.command](objs, args)
            text = yaml.dump_all(out, Dumper=DUMPER, sort_keys=False)
    except ManifestError as e:
        print(f"manifests: {e}", file=sys.stderr)
        return 1
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
