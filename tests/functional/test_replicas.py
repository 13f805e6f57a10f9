"""Stateless replicas, proven with real processes: two API servers (A and B) and one worker
process on the same PostgreSQL, Redis and S3 servers, as production runs them.

Signed in through A, acting through B; an edit through A invalidating the pedigree B cached in
Redis; an import submitted to A run by the worker and followed through B; a sign-out on A
refused by B; sign-in attempts through A and B counted together; SIGTERM stopping each process
cleanly. (One test: starting the three processes is most of its time.)"""

from __future__ import annotations

import os
import signal
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import parse_qs, urlsplit

import boto3
import httpx
import pytest
from botocore.config import Config

from tests.conftest import _truncate
from tests.servers import BIN, free_port, opened, wait_until_up

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.s3]

PASSWORD = "a long enough secret"
GEDCOM = b"""0 HEAD
1 GEDC
2 VERS 5.5.1
1 CHAR UTF-8
0 @I1@ INDI
1 NAME Nyasha /Chirwa/
1 BIRT
2 DATE 1901
0 @I2@ INDI
1 NAME Tariro /Chirwa/
0 @F1@ FAM
1 HUSB @I1@
1 CHIL @I2@
0 TRLR
"""


@pytest.fixture
def deployment(
    postgres_db: str, redis_url: str, s3_url: str, tmp_path: Path
) -> Iterator[dict[str, Any]]:
    endpoint = parse_qs(urlsplit(s3_url).query)["endpoint"][0]
    bucket = f"dzinza-replicas-{uuid.uuid4().hex[:10]}"
    boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id="dzinza-test",
        aws_secret_access_key="dzinza-test-secret",
        region_name="us-east-1",
        config=Config(s3={"addressing_style": "path"}),
    ).create_bucket(Bucket=bucket)
    # A Redis database of its own: the queue and the cache start empty and other tests'
    # keys (database 0) are never touched.
    redis = redis_url.rsplit("/", 1)[0] + "/5"
    env = {
        **os.environ,
        "DZINZA_DATABASE_URL": postgres_db,
        "DZINZA_CACHE_URL": redis,
        "DZINZA_QUEUE_URL": redis,
        "DZINZA_MEDIA_URL": f"s3://{bucket}?endpoint={endpoint}&region=us-east-1",
        "AWS_ACCESS_KEY_ID": "dzinza-test",
        "AWS_SECRET_ACCESS_KEY": "dzinza-test-secret",
        "DZINZA_PASSWORD_HASHING": "fast-for-tests-only",
        "DZINZA_SEARCH_INDEXER": "false",
        "DZINZA_MEDIA_SIGNING_KEYS": "shared:the-same-key-on-every-replica",
    }
    import redis as redis_py

    redis_py.Redis.from_url(redis).flushdb()
    processes: list[subprocess.Popen[bytes]] = []
    logs: list[BinaryIO] = []
    urls = {}
    try:
        # All three start at once (their imports take most of the set-up time).
        for name in ("a", "b"):
            port = free_port()
            log = tmp_path / f"{name}.log"
            proc_env = env | {"DZINZA_DATA_DIR": str(tmp_path / name)}
            processes.append(
                subprocess.Popen(
                    [
                        str(BIN / "uvicorn"),
                        "dzinza.asgi:app",
                        "--host",
                        "127.0.0.1",
                        "--port",
                        str(port),
                        "--no-access-log",
                    ],
                    env=proc_env,
                    stdout=opened(logs, log),
                    stderr=subprocess.STDOUT,
                )
            )
            urls[name] = f"http://127.0.0.1:{port}"
        worker_log = tmp_path / "worker.log"
        processes.append(
            subprocess.Popen(
                [str(BIN / "dzinza"), "worker", "--threads", "2"],
                env=env | {"DZINZA_DATA_DIR": str(tmp_path / "worker")},
                stdout=opened(logs, worker_log),
                stderr=subprocess.STDOUT,
            )
        )
        subprocess.run(
            [str(BIN / "dzinza"), "user", "create", "family@example.org", "--password-stdin"],
            input=f"{PASSWORD}\n".encode(),
            env=env | {"DZINZA_DATA_DIR": str(tmp_path / "cli")},
            check=True,
            capture_output=True,
        )
        for name, process in zip(("a", "b"), processes, strict=False):
            wait_until_up(f"{urls[name]}/healthz", process, tmp_path / f"{name}.log")
        yield {
            "a": urls["a"],
            "b": urls["b"],
            "worker_log": worker_log,
            "processes": processes,
            "folder": tmp_path,
        }
    finally:
        for p in processes:
            p.terminate()
        for p in processes:
            try:
                p.wait(timeout=40)
            except subprocess.TimeoutExpired:
                p.kill()
        for f in logs:
            f.close()
        _truncate(postgres_db)  # the next test on this database starts from nothing


def _login(base: str) -> httpx.Response:
    return _login_as(base, "family@example.org", PASSWORD)


def _login_as(base: str, email: str, password: str = "not the password") -> httpx.Response:
    return httpx.post(
        f"{base}/api/v1/auth/login", json={"email": email, "password": password}, timeout=10
    )


def test_replicas_share_sessions_caches_jobs_and_limits(deployment: dict[str, Any]) -> None:
    a, b = deployment["a"], deployment["b"]
    signed_in = _login(a)
    assert signed_in.status_code == 200, signed_in.text
    token = signed_in.json()["access_token"]
    auth = {"Authorization": f"Bearer {token}"}

    # Signed in through A, acting through B.
    with (
        httpx.Client(base_url=f"{b}/api/v1", headers=auth, timeout=20) as on_b,
        httpx.Client(base_url=f"{a}/api/v1", headers=auth, timeout=20) as on_a,
    ):
        tree = on_b.post("/trees", json={"name": "Chirwa"}).json()["id"]
        father = on_b.post(
            f"/trees/{tree}/people", json={"names": [{"given": "Tendai"}], "living": False}
        ).json()
        child = on_b.post(
            f"/trees/{tree}/people", json={"names": [{"given": "Farai"}], "living": False}
        ).json()
        on_b.post(
            f"/trees/{tree}/families",
            json={"partner1_id": father["id"], "children": [{"child_id": child["id"]}]},
        ).raise_for_status()

        # B caches the pedigree in Redis; an edit through A invalidates it for B.
        first = on_b.get(f"/people/{child['id']}/pedigree?generations=2").json()
        assert "Tendai" in {p["display_name"] for p in first["people"]}
        assert on_b.get(f"/people/{child['id']}/pedigree?generations=2").json() == first
        on_a.patch(
            f"/people/{father['id']}", json={"names": [{"given": "Tinashe"}]}
        ).raise_for_status()
        fresh = on_b.get(f"/people/{child['id']}/pedigree?generations=2").json()
        names = {p["display_name"] for p in fresh["people"]}
        assert "Tinashe" in names and "Tendai" not in names

        # An import submitted to A runs on the worker; B shows how it went.
        submitted = on_a.post(
            f"/trees/{tree}/imports?filename=chirwa.ged",
            content=GEDCOM,
            headers={"Content-Type": "application/octet-stream"},
        )
        assert submitted.status_code == 202, submitted.text
        job_id = submitted.json()["id"]
        deadline = time.monotonic() + 90
        while True:
            job = on_b.get(f"/jobs/{job_id}").json()
            if job["status"] in ("succeeded", "failed", "cancelled"):
                break
            assert time.monotonic() < deadline, f"job still {job['status']}"
            time.sleep(0.2)
        assert job["status"] == "succeeded", job
        assert job["result"]["counts"]["individuals"] == 2
        assert "Nyasha Chirwa" in {
            p["display_name"] for p in on_b.get(f"/trees/{tree}/people").json()["items"]
        }
        assert deployment["processes"][2].poll() is None, "the worker runs on"

        # Signing out on A ends the session on B too: 401, not anonymous.
        assert on_a.post("/auth/logout").status_code == 204
        refused = on_b.get("/trees")
        assert refused.status_code == 401, refused.text

    # Sign-in attempts from one address, through A and B alike, add up to the limit (20 a
    # minute). Other accounts each time: no account locks. The limiter counts in windows of
    # whole minutes: start well inside one, so that the attempts all fall in it (the first
    # sign-in above may or may not be in the same window: the 21st or the 20th is refused).
    left = 60 - time.time() % 60
    if left < 20:
        time.sleep(left + 0.5)
    answers: list[int] = []
    for n in range(22):
        answers.append(_login_as(a if n % 2 else b, f"nobody{n}@example.org").status_code)
        if answers[-1] == 429:
            break
    # Each replica alone saw at most 11: only the shared counter can reach the limit.
    assert answers[-1] == 429 and set(answers[:-1]) == {401}, answers
    assert len(answers) in (20, 21), answers

    # SIGTERM, as Kubernetes sends it: every process drains and stops cleanly.
    for process in deployment["processes"]:
        process.terminate()
    api_a, api_b, worker = deployment["processes"]
    # uvicorn shuts down gracefully, then raises the signal again on itself (its exit status
    # tells a supervisor why it stopped).
    for api in (api_a, api_b):
        assert api.wait(timeout=40) in (0, -signal.SIGTERM)
    assert worker.wait(timeout=40) == 0
    for log in ("a.log", "b.log"):
        text = (deployment["folder"] / log).read_text()
        assert "Application shutdown complete" in text, text[-2000:]
    assert "Dzinza worker stopped." in deployment["worker_log"].read_text()
