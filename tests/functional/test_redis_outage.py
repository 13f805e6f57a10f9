"""Redis stopped in the middle of service and started again: requests that only use the cache go
on (as misses), sign-in limits fall back to the database, what needs Redis (the job queue)
answers 503 with a clear message, and everything is back once Redis is."""

from __future__ import annotations

import io
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from dzinza import bootstrap
from dzinza.api.app import create_app
from dzinza.services.platform import Platform
from dzinza.settings import Settings
from tests.conftest import Api, in_ci, make_user
from tests.functional.test_people import person

pytestmark = pytest.mark.redis


class OwnRedis:
    """A redis-server of this test's own, which it may stop and start."""

    def __init__(self, folder: Path) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            if in_ci():
                pytest.fail("CI=true and redis-server is not installed", pytrace=False)
            pytest.skip(
                "redis-server is not installed (scripts/services.sh redis-start installs it)"
            )
        self.binary = binary
        self.folder = folder
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = int(s.getsockname()[1])
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.folder),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as c:
                    c.sendall(b"PING\r\n")
                    if c.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                time.sleep(0.05)
        raise AssertionError("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=10)
            self.process = None


@pytest.fixture
def redis_backed(database_url: str, tmp_path: Path) -> Iterator[tuple[Platform, Api, OwnRedis]]:
    redis = OwnRedis(tmp_path)
    redis.start()
    settings = Settings(
        database_url=database_url,
        data_dir=tmp_path / "data",
        password_hashing="fast-for-tests-only",
        cache_url=redis.url,
        queue_url=redis.url,
    )
    p = bootstrap.build(settings)
    try:
        with TestClient(create_app(p), raise_server_exceptions=False) as c:
            yield p, Api(c, make_user(p, "steady@example.org")), redis
    finally:
        p.close()
        redis.stop()


GEDCOM = b"0 HEAD\n1 GEDC\n2 VERS 5.5.1\n0 @I1@ INDI\n1 NAME Nyasha /Chirwa/\n0 TRLR\n"


def _import(api: Api, tree_id: str) -> Any:
    return api.client.post(
        f"/api/v1/trees/{tree_id}/imports",
        content=io.BytesIO(GEDCOM).getvalue(),
        headers={**api.headers, "Content-Type": "application/octet-stream"},
    )


def test_no_500s_while_redis_is_away_and_full_service_after(
    redis_backed: tuple[Platform, Api, OwnRedis],
) -> None:
    platform, api, redis = redis_backed
    t = api.post("/trees", {"name": "Steady"})["id"]
    father = person(api, t, "Tendai", living=False)
    child = person(api, t, "Farai", living=False)
    api.post(
        f"/trees/{t}/families",
        {"partner1_id": father["id"], "children": [{"child_id": child["id"]}]},
    )
    chart = f"/people/{child['id']}/pedigree?generations=2"
    assert platform.tree_cache is not None
    stats = platform.tree_cache.stats
    api.get(chart)
    api.get(chart)
    assert stats.view()["hits"] >= 1
    assert _import(api, t).status_code == 202
    admin = Api(api.client, make_user(platform, "admin@example.org", admin=True))
    assert admin.get("/admin/status")["queue"]["pending"] >= 1

    redis.stop()
    errors_before = stats.view()["errors"]
    for _ in range(3):
        assert api.get(chart)["root_id"] == child["id"]  # computed: a miss, not a failure
        api.get(f"/trees/{t}/people")
    api.patch(f"/people/{father['id']}", {"names": [{"given": "Tinashe"}]})
    assert "Tinashe" in {p["display_name"] for p in api.get(chart)["people"]}
    assert stats.view()["errors"] > errors_before
    # Sign-in still works (its limits count in the database meanwhile).
    signed_in = api.client.post(
        "/api/v1/auth/login",
        json={"email": "steady@example.org", "password": "correct horse battery"},
    )
    assert signed_in.status_code == 200, signed_in.text
    # What needs Redis says so: 503, problem+json, and no job left waiting for nothing.
    refused = _import(api, t)
    assert refused.status_code == 503, refused.text
    assert refused.headers["content-type"] == "application/problem+json"
    assert "queue" in refused.json()["detail"].lower()
    ready = api.client.get("/readyz")
    assert ready.status_code == 503 and set(ready.json()["failed"]) == {"cache", "queue"}

    redis.start()
    deadline = time.monotonic() + 10
    while api.client.get("/readyz").status_code != 200:
        assert time.monotonic() < deadline, api.client.get("/readyz").json()
        time.sleep(0.1)
    hits = stats.view()["hits"]
    api.get(chart)
    fresh = api.get(chart)
    assert "Tinashe" in {p["display_name"] for p in fresh["people"]}
    assert stats.view()["hits"] > hits
    assert _import(api, t).status_code == 202
