"""The dashboards and alert rules under deploy/ use only metrics the application exports; the
rules pass promtool; critical alerts page the on-call rotation, warnings go to email and chat,
and no receiver's key is written in the configuration."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from prometheus_client import REGISTRY

from dzinza import bootstrap
from dzinza.settings import Settings
from tests.conftest import unavailable

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
RULES = DEPLOY / "prometheus" / "rules.yml"
ALERTMANAGER = DEPLOY / "prometheus" / "alertmanager.yml"
DASHBOARDS = sorted((DEPLOY / "grafana").glob("*.json"))
SUFFIXES = {
    "counter": ("_total", "_created"),
    "histogram": ("_bucket", "_count", "_sum", "_created"),
    "summary": ("_count", "_sum", "_created"),
}
METRIC = re.compile(r"\b((?:dzinza|process|python)_[a-z0-9_]+)\b")


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[set[str]]:
    """Every sample name this process exports once a platform is assembled (counters with
    ``_total``, histograms with ``_bucket``, ``_count`` and ``_sum``)."""
    folder = tmp_path_factory.mktemp("monitoring")
    shutil.copy(sqlite_template, folder / "dzinza.db")
    platform = bootstrap.build(Settings(data_dir=folder))
    try:
        names: set[str] = set()
        for family in REGISTRY.collect():
            # A labelled metric has no sample until something is counted: its type says what
            # Prometheus will see.
            names |= {family.name, *(s.name for s in family.samples)}
            names |= {family.name + suffix for suffix in SUFFIXES.get(family.type, ())}
        yield names
    finally:
        platform.close()


def _rules() -> list[dict[str, Any]]:
    return [
        rule for group in yaml.safe_load(RULES.read_text())["groups"] for rule in group["rules"]
    ]


def _dashboard_exprs() -> list[str]:
    return [
        target["expr"]
        for path in DASHBOARDS
        for panel in json.loads(path.read_text())["panels"]
        for target in panel["targets"]
    ]


def _used(expressions: list[str]) -> set[str]:
    # Label values such as "process" are not metric names: only whole identifiers with a prefix.
    return {name for e in expressions for name in METRIC.findall(e)}


def test_the_four_dashboards_of_the_brief() -> None:
    titles = {json.loads(p.read_text())["title"] for p in DASHBOARDS}
    assert titles == {
        "Dzinza: infrastructure overview",
        "Dzinza: application performance",
        "Dzinza: database",
        "Dzinza: security events",
    }
    for path in DASHBOARDS:
        board = json.loads(path.read_text())
        assert board["uid"].startswith("dzinza-") and board["panels"]
        assert all(
            p["targets"] and p["datasource"]["uid"] == "${datasource}" for p in board["panels"]
        )


def test_every_metric_used_is_one_the_application_exports(exported: set[str]) -> None:
    used = _used(_dashboard_exprs() + [rule["expr"] for rule in _rules()])
    assert len(used) > 15
    assert used - exported == set()


def test_the_alerts_the_issue_names() -> None:
    rules = {rule["alert"]: rule for rule in _rules()}
    for wanted in (
        "DzinzaHighErrorRate",  # error rate
        "DzinzaSlowRequests",  # latency
        "DzinzaDatabasePoolSaturated",  # saturation
        "DzinzaJobsFailing",  # job failures
        "DzinzaBackupTooOld",  # backup age
        "DzinzaReplicationLag",  # replication lag
        "DzinzaSignInFailureSpike",  # sign-in failure spikes
    ):
        assert wanted in rules
    for rule in rules.values():
        assert rule["labels"]["severity"] in ("critical", "warning")
        assert rule["annotations"]["summary"]


def test_the_rules_pass_promtool() -> None:
    promtool = os.environ.get("DZINZA_TEST_PROMTOOL") or shutil.which("promtool")
    if not promtool:
        unavailable("promtool is not installed (scripts/services.sh promtool-ensure installs it)")
    done = subprocess.run(
        [promtool, "check", "rules", str(RULES)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"SUCCESS: {len(_rules())} rules found" in done.stdout


def test_critical_pages_warnings_write_and_keys_stay_secret() -> None:
    config = yaml.safe_load(ALERTMANAGER.read_text())
    receivers = {r["name"]: r for r in config["receivers"]}
    routes = config["route"]["routes"]
    assert config["route"]["receiver"] in receivers
    assert all(route["receiver"] in receivers for route in routes)
    critical = next(r for r in routes if 'severity="critical"' in r["matchers"])
    assert "pagerduty_configs" in receivers[critical["receiver"]]
    warning = [r for r in routes if "warning" in r["matchers"][0]]
    assert warning and all(
        "slack_configs" in receivers[r["receiver"]] or "email_configs" in receivers[r["receiver"]]
        for r in warning
    )
    text = ALERTMANAGER.read_text()
    for secret in ("routing_key:", "api_url:", "smtp_auth_password:", "service_key:"):
        assert secret not in text, f"{secret} must be a *_file from a mounted secret"
