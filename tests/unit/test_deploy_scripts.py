"""The release scripts of scripts/deploy/: manifests.py reshapes the rendered overlays as the
releases need (production's preview of the next release, staging's canary) without ever
touching the API's autoscaler, and blue_green.sh, run end to end against a fake kubectl that
records every call, switches production's traffic by the `dzinza-api` Service's release pin,
goes back on each kind of failure, and never patches `dzinza-api-hpa`."""

from __future__ import annotations

import argparse
import copy
import importlib.util
import json
import os
import shutil
import stat
import subprocess
import sys
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

from tests.conftest import unavailable

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "scripts" / "deploy"
API = "dzinza-api"
PREVIEW = "dzinza-api-preview"
HPA = "dzinza-api-hpa"
RELEASE = "dzinza.io/release"
OLD = "0ld0000000000000000000000000000000000000"
NEW = "9e9e9e9e9e9e9e9e9e9e9e9e9e9e9e9e9e9e9e9e"
APP = {"app.kubernetes.io/name": "dzinza", "app.kubernetes.io/component": "api"}

Obj = dict[str, Any]


@cache
def manifests() -> ModuleType:
    spec = importlib.util.spec_from_file_location("deploy_manifests", DEPLOY / "manifests.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@cache
def _rendered_text(overlay: str) -> str:
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        unavailable("kubectl is not installed (it comes with this machine's image)")
    return subprocess.run(
        [kubectl, "kustomize", str(ROOT / "deploy" / "k8s" / "overlays" / overlay)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def rendered(overlay: str, tag: str = NEW) -> list[Obj]:
    """The overlay as deploy.yml renders it for a release: every Dzinza image at ``tag``."""
    objs = [d for d in yaml.safe_load_all(_rendered_text(overlay)) if d]
    for obj in objs:
        spec = obj.get("spec", {})
        if obj["kind"] == "CronJob":
            spec = spec["jobTemplate"]["spec"]
        for container in spec.get("template", {}).get("spec", {}).get("containers", []):
            image = container["image"]
            assert image.endswith(":unreleased"), image
            container["image"] = image.rsplit(":", 1)[0] + f":{tag}"
    return objs


def one(objs: list[Obj], kind: str, name: str) -> Obj:
    found = [o for o in objs if o["kind"] == kind and o["metadata"]["name"] == name]
    assert len(found) == 1, (kind, name, len(found))
    return found[0]


def args(**given: Any) -> argparse.Namespace:
    defaults = {"weight": 10, "stable_track": False, "service_release": None, "replicas": None}
    return argparse.Namespace(**{**defaults, **given})


def selects(selector: dict[str, str], labels: dict[str, str]) -> bool:
    return all(labels.get(k) == v for k, v in selector.items())


def without(labels: dict[str, str], *keys: str) -> dict[str, str]:
    return {k: v for k, v in labels.items() if k not in keys}


# --- manifests.py -----------------------------------------------------------------------------


def test_the_release_id_is_the_api_images_tag() -> None:
    m = manifests()
    assert m.release_id(rendered("production"), args()) == [NEW]
    objs = rendered("production")
    container = one(objs, "Deployment", API)["spec"]["template"]["spec"]["containers"][0]
    # A registry's port is no tag; a digest alone names no release.
    container["image"] = "registry.example.org:5000/dzinza"
    with pytest.raises(m.ManifestError, match="no tag"):
        m.release_of(objs)
    container["image"] = "registry.example.org:5000/dzinza:abc1@sha256:" + "0" * 64
    assert m.release_of(objs) == "abc1"
    container["image"] = "dzinza:not/a-label"
    with pytest.raises(m.ManifestError):
        m.release_of(objs)


def test_the_preview_is_the_apis_pod_template_with_the_new_release() -> None:
    m = manifests()
    objs = rendered("production")
    api = one(objs, "Deployment", API)
    deployment, service = m.preview(objs, args(replicas=5))

    assert (deployment["kind"], deployment["metadata"]["name"]) == ("Deployment", PREVIEW)
    assert deployment["metadata"]["labels"]["track"] == "preview"
    template = deployment["spec"]["template"]
    assert template["metadata"]["labels"][RELEASE] == NEW
    assert template["metadata"]["labels"]["track"] == "preview"
    # Nothing else differs from the API's pod template: same containers, probes, policies.
    api_template = api["spec"]["template"]
    assert (
        without(template["metadata"]["labels"], RELEASE, "track")
        == (api_template["metadata"]["labels"])
    )
    assert template["spec"] == api_template["spec"]
    assert template["metadata"].get("annotations") == api_template["metadata"].get("annotations")
    (container,) = template["spec"]["containers"]
    assert container["image"].endswith(f"/dzinza:{NEW}")
    # It owns its own pods only, and it is full size.
    selector = deployment["spec"]["selector"]["matchLabels"]
    assert selector == {**api["spec"]["selector"]["matchLabels"], "track": "preview"}
    assert deployment["spec"]["replicas"] == 5

    # Its Service selects preview pods only, never dzinza-api's (same app labels).
    assert (service["kind"], service["metadata"]["name"]) == ("Service", PREVIEW)
    assert selects(service["spec"]["selector"], template["metadata"]["labels"])
    assert not selects(service["spec"]["selector"], api_template["metadata"]["labels"])
    assert service["spec"]["ports"] == one(objs, "Service", API)["spec"]["ports"]
    # The ServiceMonitor does not scrape it a second time once the switch sends it traffic.
    monitor = one(objs, "ServiceMonitor", API)["spec"]["selector"]["matchLabels"]
    assert selects(monitor, one(objs, "Service", API)["metadata"]["labels"])
    assert not selects(monitor, service["metadata"]["labels"])


def test_the_preview_is_never_smaller_than_the_autoscalers_minimum() -> None:
    m = manifests()
    objs = rendered("production")
    assert one(objs, "HorizontalPodAutoscaler", HPA)["spec"]["minReplicas"] == 3
    for ready, wanted in ((0, 3), (1, 3), (3, 3), (7, 7)):
        (deployment, _) = m.preview(objs, args(replicas=ready))
        assert deployment["spec"]["replicas"] == wanted, ready


def test_the_api_gets_its_release_label_on_its_pods_only() -> None:
    m = manifests()
    objs = rendered("production")
    (deployment,) = m.api(objs, args())
    original = one(objs, "Deployment", API)
    assert deployment["metadata"]["name"] == API
    assert deployment["spec"]["template"]["metadata"]["labels"][RELEASE] == NEW
    # The selector cannot change on a live Deployment; the replicas are the autoscaler's.
    assert deployment["spec"]["selector"] == original["spec"]["selector"]
    assert "replicas" not in deployment["spec"]
    stripped = copy.deepcopy(deployment)
    del stripped["spec"]["template"]["metadata"]["labels"][RELEASE]
    assert stripped == original


def test_support_pins_the_service_and_leaves_the_autoscaler_as_rendered() -> None:
    m = manifests()
    objs = rendered("production")
    hpa = one(objs, "HorizontalPodAutoscaler", HPA)
    assert hpa["spec"]["scaleTargetRef"] == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": API,
    }
    for given, pin in ((None, None), (OLD, OLD)):
        out = m.support(objs, args(service_release=given))
        assert one(out, "HorizontalPodAutoscaler", HPA) == hpa
        assert not [o for o in out if o["kind"] in m.WORKLOAD_KINDS]
        assert not [o for o in out if o["kind"] == "Job"]
        selector = one(out, "Service", API)["spec"]["selector"]
        assert selector.get(RELEASE) == pin
        assert without(selector, RELEASE) == APP
    with pytest.raises(m.ManifestError):
        m.support(objs, args(service_release="-not-a-label"))


def test_no_command_changes_the_api_autoscaler() -> None:
    m = manifests()
    for overlay in ("production", "staging"):
        objs = rendered(overlay)
        hpa = one(objs, "HorizontalPodAutoscaler", HPA)
        given = {
            "support": [args(), args(service_release=OLD), args(stable_track=True)],
            "preview": [args(replicas=4)],
        }
        for name, command in m.COMMANDS.items():
            for options in given.get(name, [args()]):
                for obj in command(objs, options):
                    if obj["kind"] == "HorizontalPodAutoscaler":
                        assert obj["metadata"]["name"] != HPA or obj == hpa, (overlay, name)
                    target = obj.get("spec", {}).get("scaleTargetRef", {})
                    assert target.get("name") in (None, API, "dzinza-worker"), (overlay, name)
        assert one(objs, "HorizontalPodAutoscaler", HPA)["spec"]["scaleTargetRef"]["name"] == API


def test_the_staging_canary_takes_ten_percent_through_its_own_service() -> None:
    m = manifests()
    objs = rendered("staging")
    deployment, service = m.canary(objs, args())
    assert deployment["metadata"]["name"] == "dzinza-api-canary"
    assert deployment["spec"]["replicas"] == 1
    canary_pods = deployment["spec"]["template"]["metadata"]["labels"]
    assert canary_pods["track"] == "canary"
    assert deployment["spec"]["selector"]["matchLabels"]["track"] == "canary"
    stable_api = one(m.stable(objs, args()), "Deployment", API)
    stable_pods = stable_api["spec"]["template"]["metadata"]["labels"]
    assert stable_pods["track"] == "stable"
    # Each Service selects its own track only.
    assert service["metadata"]["name"] == "dzinza-api-canary"
    assert selects(service["spec"]["selector"], canary_pods)
    assert not selects(service["spec"]["selector"], stable_pods)
    for release in (m.support(objs, args(stable_track=True)), m.stable(objs, args())):
        stable_service = one(release, "Service", API)
        assert selects(stable_service["spec"]["selector"], stable_pods)
        assert not selects(stable_service["spec"]["selector"], canary_pods)

    (ingress,) = m.canary_ingress(objs, args(weight=10))
    annotations = ingress["metadata"]["annotations"]
    assert annotations["nginx.ingress.kubernetes.io/canary"] == "true"
    assert annotations["nginx.ingress.kubernetes.io/canary-weight"] == "10"
    assert not [a for a in annotations if a.startswith("cert-manager.io/")]
    backends = {
        p["backend"]["service"]["name"]
        for rule in ingress["spec"]["rules"]
        for p in rule["http"]["paths"]
    }
    assert backends == {"dzinza-api-canary"}
    assert "tls" not in ingress["spec"]


# --- blue_green.sh against a fake kubectl ---------------------------------------------------

# Answers the calls scripts/deploy/*.sh make from a JSON state file (scenario included), and
# appends each call, with what it applied or patched, to a JSON-lines log.
FAKE_KUBECTL = r"""
import json, os, sys

RELEASE = "dzinza.io/release"
PREVIEW = "dzinza-api-preview"
with open(os.environ["FAKE_KUBE_STATE"]) as f:
    state = json.load(f)
scenario = state["scenario"]
deployments, services = state["deployments"], state["services"]
args = sys.argv[1:]
if args[:1] == ["--namespace"]:
    args = args[2:]
entry = {"argv": args}
out, status = "", 0


def option(name):
    for i, a in enumerate(args):
        if a == name:
            return args[i + 1]
        if a.startswith(name + "="):
            return a[len(name) + 1 :]
    return ""


def switched():
    pinned = services.get("dzinza-api", {}).get("selector", {}).get(RELEASE)
    return pinned is not None and pinned == scenario["new"]


def ready(name):
    if name == PREVIEW and switched() and "preview_ready_after_switch" in scenario:
        return scenario["preview_ready_after_switch"]
    return deployments[name]["ready"]


def restarts(name):
    if name == PREVIEW and switched() and scenario.get("preview_restarts"):
        state["restart_queries"] = state.get("restart_queries", 0) + 1
        return state["restart_queries"] - 1
    return 0


def target(words):
    # "deployment/x" or "deployment x" -> ("deployment", "x")
    if "/" in words[0]:
        return tuple(words[0].split("/", 1))
    return words[0], (words[1] if len(words) > 1 and not words[1].startswith("-") else "")


def not_found(kind, name):
    global status
    if "--ignore-not-found" not in args:
        sys.stderr.write(f'Error from server (NotFound): {kind} "{name}" not found\n')
        status = 1


def apply(path):
    import yaml

    applied = []
    with open(path) as f:
        loader = yaml.CSafeLoader if yaml.__with_libyaml__ else yaml.SafeLoader
        for obj in (d for d in yaml.load_all(f, Loader=loader) if d):
            kind, name = obj["kind"], obj["metadata"]["name"]
            seen = {"kind": kind, "name": name}
            spec = obj.get("spec", {})
            if kind == "Deployment":
                labels = spec["template"]["metadata"].get("labels", {})
                seen["release"] = labels.get(RELEASE)
                seen["image"] = spec["template"]["spec"]["containers"][0]["image"]
                seen["replicas"] = spec.get("replicas")
                old = deployments.get(name)
                replicas = spec.get("replicas") or (old or {}).get("replicas") or 3
                history = old["history"] + [[old["release"], old["image"]]] if old else []
                deployments[name] = {
                    "release": seen["release"],
                    "image": seen["image"],
                    "replicas": replicas,
                    "ready": replicas,
                    "history": history,
                }
            elif kind == "Service":
                seen["selector"] = spec.get("selector", {})
                services[name] = {"selector": seen["selector"]}
            elif kind == "HorizontalPodAutoscaler":
                seen["scaleTargetRef"] = spec["scaleTargetRef"]
            elif kind == "Ingress":
                seen["annotations"] = obj["metadata"].get("annotations", {})
            applied.append(seen)
    return applied


verb = args[0]
if verb == "get":
    kind, name = target(args[1:])
    output = option("-o")
    if kind == "deployment":
        if name not in deployments:
            not_found(kind, name)
        elif output in ("", "name"):
            out = f"deployment.apps/{name}"
        elif "dzinza\\.io/release" in output:
            out = deployments[name]["release"] or ""
        elif ".metadata.labels.track" in output:
            out = deployments[name].get("track", "")
        elif "readyReplicas" in output:
            out = str(ready(name))
        elif "matchLabels" in output:
            out = f"fake.deployment={name},"
        else:
            status = 3
    elif kind == "service":
        if name not in services:
            not_found(kind, name)
        elif "dzinza\\.io/release" in output:
            out = services[name]["selector"].get(RELEASE, "")
        else:
            status = 3
    elif kind == "pods":
        owner = option("-l").split("=", 1)[1]
        if "deletionTimestamp" in output:
            out = "".join(f"{owner}-pod-{i}\n" for i in range(deployments[owner]["replicas"]))
        elif "restartCount" in output:
            out = f"{restarts(owner)}\n"
        else:
            status = 3
    elif kind == "job":
        out = scenario.get("migration", "Complete")
    else:
        status = 3
elif verb == "apply":
    entry["applied"] = apply(option("-f"))
    for seen in entry["applied"]:
        if seen["name"] in scenario.get("apply_fails_on_new", []) and seen.get("release"):
            # Refused: nothing of that file changes.
            with open(os.environ["FAKE_KUBE_STATE"]) as f:
                state = json.load(f)
            sys.stderr.write(f"error: the server refused {seen['name']}\n")
            status = 1
elif verb == "patch":
    kind, name = target(args[1:])
    patch = json.loads(option("-p"))
    entry["patch"] = patch
    if kind == "service":
        selector = services[name]["selector"]
        for key, value in patch["spec"]["selector"].items():
            if value is None:
                selector.pop(key, None)
            else:
                selector[key] = value
    elif kind == "deployment":
        deployments[name]["track"] = patch["spec"]["template"]["metadata"]["labels"]["track"]
    else:
        status = 3
elif verb == "delete":
    words = [a for a in args[1:] if not a.startswith("-")]
    if option("-l") == "track=canary":
        for objects in (deployments, services):
            for name in [n for n in objects if n.endswith("-canary")]:
                del objects[name]
    elif "/" in words[0]:
        for word in words:
            kind, name = word.split("/", 1)
            {"deployment": deployments, "service": services}.get(kind, {}).pop(name, None)
elif verb == "rollout":
    kind, name = target(args[2:])
    if args[1] == "status":
        image = deployments.get(name, {}).get("image", "")
        if name in scenario.get("rollout_fails_on_new", []) and image.endswith(scenario["new"]):
            sys.stderr.write(f"error: deployment {name} exceeded its progress deadline\n")
            status = 1
    elif args[1] == "undo":
        history = deployments[name]["history"]
        deployments[name]["release"], deployments[name]["image"] = (
            history.pop() if history else (None, "")
        )
    else:
        status = 3
elif verb == "exec":
    if scenario.get("readyz_fails"):
        status = 1
elif verb in ("wait", "logs"):
    pass
else:
    status = 3

if status == 3:
    entry["unknown"] = True
    sys.stderr.write(f"fake kubectl: no answer for {args}\n")
entry["status"] = status
with open(os.environ["FAKE_KUBE_STATE"], "w") as f:
    json.dump(state, f)
with open(os.environ["FAKE_KUBE_LOG"], "a") as f:
    f.write(json.dumps(entry) + "\n")
sys.stdout.write(out)
sys.exit(status)
"""

# Prometheus's answer to every query: a 5xx share of FAKE_ERROR_RATIO.
FAKE_CURL = r"""
import json, os, sys
ratio = os.environ["FAKE_ERROR_RATIO"]
sys.stdout.write(json.dumps({"status": "success", "data": {"result": [{"value": [0, ratio]}]}}))
"""

LIVE = {API: {"release": OLD, "image": f"dzinza:{OLD}", "replicas": 4, "ready": 4, "history": []}}
LIVE_SERVICE = {API: {"selector": dict(APP)}}


class Release:
    """One run of a script against the fake cluster: its exit status, its output, each call."""

    def __init__(self, tmp_path: Path, script: str, overlay: str, state: Obj, **env: str) -> None:
        bin_dir = tmp_path / "bin"
        bin_dir.mkdir()
        for name, source in (("kubectl", FAKE_KUBECTL), ("curl", FAKE_CURL)):
            path = bin_dir / name
            path.write_text(f"#!{sys.executable}\n{source}")
            path.chmod(path.stat().st_mode | stat.S_IXUSR)
        (tmp_path / "work").mkdir()
        manifest = tmp_path / "rendered.yaml"
        dumper = yaml.CSafeDumper if yaml.__with_libyaml__ else yaml.SafeDumper
        manifest.write_text(yaml.dump_all(rendered(overlay), Dumper=dumper, sort_keys=False))
        self.state_path = tmp_path / "state.json"
        self.state_path.write_text(json.dumps(state))
        log = tmp_path / "calls.jsonl"
        log.touch()
        environ = {k: v for k, v in os.environ.items() if not k.startswith("PROMETHEUS_")}
        environ.update(
            PATH=f"{bin_dir}{os.pathsep}{environ.get('PATH', '')}",
            NAMESPACE=overlay,
            PYTHON=sys.executable,
            WORK=str(tmp_path / "work"),
            # Tiny watches: zero still checks once.
            VERIFY_SECONDS="1",
            CANARY_MINUTES="0",
            CHECK_EVERY_S="0.2",
            MIGRATION_POLL_S="0.1",
            ROLLOUT_TIMEOUT="5s",
            FAKE_KUBE_STATE=str(self.state_path),
            FAKE_KUBE_LOG=str(log),
        )
        environ.update(env)
        done = subprocess.run(
            ["bash", str(DEPLOY / script), str(manifest)],
            env=environ,
            capture_output=True,
            text=True,
            timeout=60,
        )
        self.status = done.returncode
        self.output = done.stdout + done.stderr
        self.calls: list[Obj] = [json.loads(line) for line in log.read_text().splitlines()]
        assert not [c for c in self.calls if c.get("unknown")], self.output

    @property
    def state(self) -> Obj:
        return dict(json.loads(self.state_path.read_text()))

    def index(self, what: str, *more: str) -> list[int]:
        """The positions of the calls whose arguments start with ``what`` and hold ``more``."""
        return [
            i
            for i, c in enumerate(self.calls)
            if " ".join(c["argv"]).startswith(what) and all(m in c["argv"] for m in more)
        ]

    def applied(self, kind: str, name: str) -> list[tuple[int, Obj]]:
        return [
            (i, seen)
            for i, c in enumerate(self.calls)
            for seen in c.get("applied", [])
            if (seen["kind"], seen["name"]) == (kind, name)
        ]

    def pins(self) -> list[tuple[int, str | None]]:
        """Each patch of the API Service's selector: (position, the release it pins or None)."""
        return [
            (i, c["patch"]["spec"]["selector"][RELEASE])
            for i, c in enumerate(self.calls)
            if c["argv"][:3] == ["patch", "service", API]
        ]


def blue_green(tmp_path: Path, state: Obj, **env: str) -> Release:
    state = {"deployments": {}, "services": {}, **copy.deepcopy(state)}
    state["scenario"] = {"new": NEW, **state.get("scenario", {})}
    return Release(tmp_path, "blue_green.sh", "production", state, **env)


def assert_autoscaler_untouched(run: Release) -> None:
    changing = {"patch", "edit", "scale", "set", "autoscale", "replace", "label", "annotate"}
    for call in run.calls:
        words = " ".join(call["argv"]).lower()
        if call["argv"][0] in changing | {"delete"}:
            assert "hpa" not in words and "horizontalpodautoscaler" not in words, call
    for _, seen in run.applied("HorizontalPodAutoscaler", HPA):
        assert seen["scaleTargetRef"]["name"] == API


def test_a_release_switches_the_service_then_promotes_dzinza_api(tmp_path: Path) -> None:
    run = blue_green(
        tmp_path,
        {"deployments": LIVE, "services": LIVE_SERVICE},
        PROMETHEUS_URL="http://prometheus.invalid",
        FAKE_ERROR_RATIO="0.001",
    )
    assert run.status == 0, run.output
    # Before anything else moved, the Service was applied pinned to the live release.
    ((support_at, service),) = run.applied("Service", API)
    assert service["selector"] == {**APP, RELEASE: OLD}
    ((preview_at, preview),) = run.applied("Deployment", PREVIEW)
    assert support_at < preview_at
    assert preview["release"] == NEW and preview["image"].endswith(f":{NEW}")
    assert preview["replicas"] == 4  # as many as the live API had ready
    ((_, preview_service),) = run.applied("Service", PREVIEW)
    assert preview_service["selector"]["track"] == "preview"
    smoke = run.index("exec", f"{PREVIEW}-pod-0")
    # The switch, after the smoke check; then the promotion of dzinza-api; then the unpinning.
    (switch_at, to_new), (unpin_at, unpinned) = run.pins()
    assert to_new == NEW and unpinned is None
    assert smoke and preview_at < smoke[-1] < switch_at
    ((promote_at, api),) = run.applied("Deployment", API)
    assert api["release"] == NEW and api["image"].endswith(f":{NEW}")
    assert switch_at < promote_at < unpin_at
    assert [i for i in run.index("rollout status", f"deployment/{API}") if i > promote_at]
    deleted = run.index("delete", f"deployment/{PREVIEW}", f"service/{PREVIEW}")
    assert deleted and deleted[-1] > unpin_at
    watched = run.index("get deployment", PREVIEW, "jsonpath={.status.readyReplicas}")
    assert [i for i in watched if switch_at < i < promote_at]
    # Prometheus was asked during the watch (and answered a healthy share).
    assert "5xx share 0.001" in run.output
    # The workers roll last.
    ((workers_at, _),) = run.applied("Deployment", "dzinza-worker")
    assert workers_at > deleted[-1]
    assert_autoscaler_untouched(run)
    final = run.state
    assert final["deployments"][API]["release"] == NEW
    assert PREVIEW not in final["deployments"] and PREVIEW not in final["services"]
    assert final["services"][API]["selector"] == APP


@pytest.mark.parametrize("failure", ["never ready", "smoke check"])
def test_a_preview_that_fails_never_gets_the_traffic(tmp_path: Path, failure: str) -> None:
    scenario = (
        {"rollout_fails_on_new": [PREVIEW]} if failure == "never ready" else {"readyz_fails": True}
    )
    run = blue_green(
        tmp_path, {"deployments": LIVE, "services": LIVE_SERVICE, "scenario": scenario}
    )
    assert run.status != 0
    assert "release failed during: preview" in run.output
    assert run.pins() == []  # the Service was never switched
    ((preview_at, _),) = run.applied("Deployment", PREVIEW)
    assert [i for i in run.index("delete", f"deployment/{PREVIEW}") if i > preview_at]
    assert run.applied("Deployment", API) == []
    assert run.applied("Deployment", "dzinza-worker") == []
    assert_autoscaler_untouched(run)
    final = run.state
    assert final["services"][API]["selector"] == {**APP, RELEASE: OLD}
    assert PREVIEW not in final["deployments"]
    assert final["deployments"][API]["release"] == OLD


@pytest.mark.parametrize("failure", ["unready", "restarts", "errors"])
def test_a_failure_while_switched_sends_the_traffic_back(tmp_path: Path, failure: str) -> None:
    env = {"VERIFY_SECONDS": "0"}  # one check, which must catch the failure
    scenario: Obj = {}
    if failure == "unready":
        scenario["preview_ready_after_switch"] = 0
    elif failure == "restarts":
        scenario["preview_restarts"] = True
    else:
        env |= {"PROMETHEUS_URL": "http://prometheus.invalid", "FAKE_ERROR_RATIO": "0.2"}
    run = blue_green(
        tmp_path, {"deployments": LIVE, "services": LIVE_SERVICE, "scenario": scenario}, **env
    )
    assert run.status != 0
    assert "release failed during: switched" in run.output
    (_, to_new), (back_at, back) = run.pins()
    assert (to_new, back) == (NEW, OLD)
    assert [i for i in run.index("delete", f"deployment/{PREVIEW}") if i > back_at]
    # dzinza-api and the workers were never touched.
    assert run.applied("Deployment", API) == []
    assert run.applied("Deployment", "dzinza-worker") == []
    assert_autoscaler_untouched(run)
    final = run.state
    assert final["services"][API]["selector"] == {**APP, RELEASE: OLD}
    assert final["deployments"][API]["release"] == OLD
    assert PREVIEW not in final["deployments"]


@pytest.mark.parametrize("failure", ["rollout", "apply"])
def test_a_promotion_that_fails_is_undone_before_the_traffic_goes_back(
    tmp_path: Path, failure: str
) -> None:
    scenario = {f"{failure}_fails_on_new": [API]}
    run = blue_green(
        tmp_path, {"deployments": LIVE, "services": LIVE_SERVICE, "scenario": scenario}
    )
    assert run.status != 0
    assert "release failed during: promotion" in run.output
    ((promote_at, _),) = run.applied("Deployment", API)
    undone = run.index("rollout undo", f"deployment/{API}")
    (_, to_new), (back_at, back) = run.pins()
    assert to_new == NEW and back == OLD
    if failure == "rollout":
        assert len(undone) == 1 and promote_at < undone[0] < back_at
    else:
        # A refused apply made no revision: undoing would go back one release too far.
        assert undone == []
    assert [i for i in run.index("delete", f"deployment/{PREVIEW}") if i > back_at]
    assert_autoscaler_untouched(run)
    final = run.state
    assert final["deployments"][API]["release"] == OLD
    assert final["services"][API]["selector"] == {**APP, RELEASE: OLD}


def test_a_first_release_is_applied_directly(tmp_path: Path) -> None:
    run = blue_green(tmp_path, {})
    assert run.status == 0, run.output
    assert "the first release is applied directly" in run.output
    assert run.applied("Deployment", PREVIEW) == []
    assert run.pins() == []
    ((_, service),) = run.applied("Service", API)
    assert service["selector"] == APP  # as rendered: nothing to pin yet
    ((api_at, api),) = run.applied("Deployment", API)
    assert api["release"] == NEW
    assert [i for i in run.index("rollout status", f"deployment/{API}") if i > api_at]
    ((workers_at, _),) = run.applied("Deployment", "dzinza-worker")
    assert workers_at > api_at
    assert_autoscaler_untouched(run)


def test_an_api_without_release_labels_is_rolled_directly(tmp_path: Path) -> None:
    unlabelled: Obj = {
        API: {"release": None, "image": "dzinza:1", "replicas": 3, "ready": 3, "history": []}
    }
    run = blue_green(tmp_path, {"deployments": unlabelled, "services": LIVE_SERVICE})
    assert run.status == 0, run.output
    assert "carry no release label" in run.output
    assert run.applied("Deployment", PREVIEW) == []
    assert run.pins() == []
    ((_, api),) = run.applied("Deployment", API)
    assert api["release"] == NEW
    assert run.state["services"][API]["selector"] == APP


def test_a_service_left_on_another_release_stops_the_run_untouched(tmp_path: Path) -> None:
    stray = {API: {"selector": {**APP, RELEASE: NEW}}}
    run = blue_green(tmp_path, {"deployments": LIVE, "services": stray})
    assert run.status != 0
    assert "stopped after its switch" in run.output
    touching = {"apply", "patch", "delete", "rollout", "exec", "scale"}
    assert [c["argv"] for c in run.calls if c["argv"][0] in touching] == []


def test_failing_workers_take_the_api_back_too(tmp_path: Path) -> None:
    worker: Obj = {"release": None, "image": "dzinza:1", "replicas": 2, "ready": 2, "history": []}
    run = blue_green(
        tmp_path,
        {
            "deployments": {**LIVE, "dzinza-worker": worker},
            "services": LIVE_SERVICE,
            "scenario": {"rollout_fails_on_new": ["dzinza-worker"]},
        },
    )
    assert run.status != 0
    assert "release failed during: workloads" in run.output
    (worker_undo,) = run.index("rollout undo", "deployment/dzinza-worker")
    (api_undo,) = run.index("rollout undo", f"deployment/{API}")
    ((promote_at, _),) = run.applied("Deployment", API)
    assert promote_at < worker_undo < api_undo
    assert_autoscaler_untouched(run)
    final = run.state
    assert final["deployments"][API]["release"] == OLD
    assert final["deployments"]["dzinza-worker"]["image"] == "dzinza:1"


def test_a_rerun_of_the_live_release_is_applied_directly(tmp_path: Path) -> None:
    live = {API: {**LIVE[API], "release": NEW, "image": f"dzinza:{NEW}"}}
    run = blue_green(tmp_path, {"deployments": live, "services": LIVE_SERVICE})
    assert run.status == 0, run.output
    assert "a re-run" in run.output
    assert run.applied("Deployment", PREVIEW) == []
    assert run.pins() == []
    ((_, api),) = run.applied("Deployment", API)
    assert api["release"] == NEW


# --- canary.sh (staging) against the same fake ----------------------------------------------


def test_the_staging_canary_never_touches_the_autoscaler(tmp_path: Path) -> None:
    stable = {API: {**LIVE[API], "release": None, "image": "dzinza:1", "track": "stable"}}
    state = {
        "deployments": stable,
        "services": {API: {"selector": {**APP, "track": "stable"}}},
        "scenario": {"new": NEW},
    }
    run = Release(tmp_path, "canary.sh", "staging", state)
    assert run.status == 0, run.output
    ((canary_at, canary),) = run.applied("Deployment", "dzinza-api-canary")
    assert canary["replicas"] == 1 and canary["image"].endswith(f":{NEW}")
    ((ingress_at, ingress),) = run.applied("Ingress", "dzinza-api-canary")
    assert ingress["annotations"]["nginx.ingress.kubernetes.io/canary-weight"] == "10"
    ((promote_at, api),) = run.applied("Deployment", API)
    assert canary_at < ingress_at < promote_at
    # The canary was watched once at least, however short the watch.
    watched = run.index("get deployment", "dzinza-api-canary", "jsonpath={.status.readyReplicas}")
    assert [i for i in watched if ingress_at < i < promote_at]
    assert api["image"].endswith(f":{NEW}")
    assert_autoscaler_untouched(run)
    assert "dzinza-api-canary" not in run.state["deployments"]
