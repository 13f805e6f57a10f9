"""Prometheus metrics, scraped as Prometheus would: behind a token on the app or on a port of
their own, never to the public; each counter moving when what it counts happens (requests by
route template, SQL, sign-in failures and lockouts, searches, jobs and imported records, media
store operations) and the gauges read at scrape time (pool, queue, index lag, backup age)."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from dzinza import bootstrap
from dzinza.api.app import create_app
from dzinza.services.platform import Platform
from tests.conftest import Api, make_user
from tests.functional.test_media import jpeg, ready, upload
from tests.servers import BIN, free_port, opened, wait_until_up

TOKEN = "metrics-secret-for-tests"
GEDCOM = b"""0 HEAD
1 GEDC
2 VERS 5.5.1
1 CHAR UTF-8
0 @I1@ INDI
1 NAME Rudo /Moyo/
0 @I2@ INDI
1 NAME Tendai /Moyo/
0 TRLR
"""


@pytest.fixture
def scraped(platform: Platform) -> Iterator[TestClient]:
    with TestClient(
        create_app(platform, metrics_token=TOKEN), raise_server_exceptions=False
    ) as client:
        yield client


def _scrape(
    client: TestClient | httpx.Client, url: str = "/metrics"
) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    r = client.get(url, headers={"Authorization": f"Bearer {TOKEN}"})
    assert r.status_code == 200, r.text[:500]
    assert r.headers["content-type"].startswith("text/plain")
    found = {}
    for family in text_string_to_metric_families(r.text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def _value(
    found: dict[tuple[str, tuple[tuple[str, str], ...]], float], name: str, **labels: str
) -> float:
    return sum(v for (n, ls), v in found.items() if n == name and set(labels.items()) <= set(ls))


def test_metrics_are_for_prometheus_only(client: TestClient, scraped: TestClient) -> None:
    assert client.get("/metrics").status_code == 404  # no token configured: no route
    assert scraped.get("/metrics").status_code == 404
    wrong = scraped.get("/metrics", headers={"Authorization": "Bearer guess"})
    assert wrong.status_code == 404 and "dzinza_" not in wrong.text
    assert "/metrics" not in scraped.get("/api/v1/openapi.json").text


def test_requests_are_counted_by_route_template(scraped: TestClient, platform: Platform) -> None:
    owner = Api(scraped, make_user(platform, "counted@example.org"))
    tree = owner.post("/trees", {"name": "Counted"})["id"]
    person = owner.post(f"/trees/{tree}/people", {"names": [{"given": "Rudo", "surname": "Moyo"}]})[
        "id"
    ]
    before = _scrape(scraped)
    for _ in range(3):
        owner.get(f"/people/{person}")
    owner.get("/people/00000000-0000-0000-0000-000000000000", expect=404)
    scraped.get("/no/such/page")
    after = _scrape(scraped)
    route = "/api/v1/people/{person_id}"
    assert (
        _value(after, "dzinza_http_requests_total", route=route, status="200")
        - _value(before, "dzinza_http_requests_total", route=route, status="200")
        == 3
    )
    assert _value(after, "dzinza_http_requests_total", route=route, status="404") >= 1
    assert _value(after, "dzinza_http_requests_total", route="unmatched") >= 1
    assert _value(after, "dzinza_http_request_duration_seconds_count", route=route) >= 4
    # Ids never become labels: one series per route, not per record.
    assert not any(person in str(labels) for (_n, labels) in after)
    assert _value(after, "dzinza_db_query_duration_seconds_count") > _value(
        before, "dzinza_db_query_duration_seconds_count"
    )
    assert ("dzinza_db_pool_connections", (("state", "idle"),)) in after
    assert ("dzinza_jobs_waiting", ()) in after
    assert ("dzinza_search_index_pending", ()) in after
    assert _value(after, "process_resident_memory_bytes") > 0


def test_sign_in_failures_lockouts_searches_jobs_imports_and_storage(
    scraped: TestClient, platform: Platform
) -> None:
    make_user(platform, "tried@example.org")
    before = _scrape(scraped)
    for _ in range(6):  # five are free; the sixth locks the account for a while
        r = scraped.post(
            "/api/v1/auth/login", json={"email": "tried@example.org", "password": "wrong password"}
        )
        assert r.status_code in (401, 429)
    owner = Api(scraped, make_user(platform, "worker@example.org"))
    tree = owner.post("/trees", {"name": "Imported"})["id"]
    made = scraped.post(
        f"/api/v1/trees/{tree}/imports?filename=small.ged",
        content=GEDCOM,
        headers={**owner.headers, "Content-Type": "application/octet-stream"},
    )
    assert made.status_code == 202, made.text
    job = made.json()["id"]
    for _ in range(200):
        if owner.get(f"/jobs/{job}")["status"] in ("succeeded", "failed"):
            break
        time.sleep(0.05)
    assert owner.get(f"/jobs/{job}")["status"] == "succeeded"
    owner.get(f"/search?q=Rudo&tree={tree}")
    photo = ready(owner, upload(owner, tree, jpeg(640, 480))["id"])
    assert photo["status"] == "ready"
    after = _scrape(scraped)

    def grew(name: str, **labels: str) -> float:
        return _value(after, name, **labels) - _value(before, name, **labels)

    assert grew("dzinza_sign_in_failures_total") == 6
    assert grew("dzinza_sign_in_lockouts_total") >= 1
    assert grew("dzinza_jobs_total", kind="gedcom.import", outcome="succeeded") == 1
    assert grew("dzinza_import_records_total") >= 2
    assert grew("dzinza_import_duration_seconds_count") == 1
    assert grew("dzinza_search_duration_seconds_count") >= 1
    assert grew("dzinza_storage_operations_total", operation="put", outcome="ok") >= 2
    assert (
        grew("dzinza_jobs_total", kind="media.process", outcome="succeeded") >= 1
        or grew("dzinza_jobs_total", outcome="succeeded") >= 2
    )


def test_the_age_of_the_latest_backup(
    scraped: TestClient, platform: Platform, database_url: str, tmp_path: Path
) -> None:
    from dzinza.settings import Settings

    settings = Settings(database_url=database_url, data_dir=tmp_path)
    service = bootstrap.backups(settings)
    try:
        service.create(bootstrap.backup_store(settings))
    finally:
        service.database.close()
    # The collector reads the age at most every few minutes: a new platform starts afresh.
    again = bootstrap.build(settings)
    try:
        with TestClient(create_app(again, metrics_token=TOKEN)) as client:
            age = _value(_scrape(client), "dzinza_backup_age_seconds")
            assert 0 <= age < 600
    finally:
        again.close()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_port_of_their_own(tmp_path: Path, database_url: str) -> None:
    """``dzinza serve`` with DZINZA_METRICS_PORT: the metrics on that port, not on the public one."""
    data = tmp_path / "data"
    data.mkdir()
    shutil.copy(database_url.removeprefix("sqlite:///"), data / "dzinza.db")
    port, metrics = free_port(), free_port()
    env = {**os.environ, "DZINZA_DATA_DIR": str(data), "DZINZA_METRICS_PORT": str(metrics)}
    env.pop("DZINZA_METRICS_TOKEN", None)
    logs: list = []
    log = tmp_path / "serve.log"
    process = subprocess.Popen(
        [str(BIN / "dzinza"), "serve", "--port", str(port)],
        env=env,
        stdout=opened(logs, log),
        stderr=subprocess.STDOUT,
    )
    try:
        wait_until_up(f"http://127.0.0.1:{port}/healthz", process, log)
        httpx.get(f"http://127.0.0.1:{port}/healthz")
        with httpx.Client() as c:
            found = _scrape(c, f"http://127.0.0.1:{metrics}/metrics")
        assert _value(found, "dzinza_http_requests_total", route="/healthz") >= 1
        assert httpx.get(f"http://127.0.0.1:{port}/metrics").status_code == 404
    finally:
        process.terminate()
        process.wait(timeout=30)
        for f in logs:
            f.close()
