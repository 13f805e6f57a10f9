"""Shared fixtures: a Dzinza platform on SQLite and on PostgreSQL, an HTTP client, users.

PostgreSQL comes from ``DZINZA_TEST_POSTGRES_URL`` (``make test`` starts a server and sets it).
Without it the PostgreSQL half is skipped with a reason, except under ``CI=true``, where a
missing server is a failure: a CI run can never pass by silently skipping PostgreSQL.
"""

from __future__ import annotations

import os
import shutil
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NoReturn

import httpx
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from dzinza import bootstrap
from dzinza.adapters.sql import database, tables
from dzinza.adapters.sql.tables import metadata
from dzinza.api.app import create_app
from dzinza.services.platform import Platform
from dzinza.settings import Settings
from tests import log_scan


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def unavailable(message: str) -> NoReturn:
    """Skips the test saying what is missing; under CI=true fails it instead."""
    if in_ci():
        pytest.fail(f"CI=true and {message}", pytrace=False)
    pytest.skip(message)


def require_server(env: str, what: str) -> str:
    """The URL of a test server, or a skip (a failure under CI=true) saying what is missing."""
    url = os.environ.get(env)
    if url:
        return url
    unavailable(f"{what} is not available: set {env} (make test starts it)")


@pytest.fixture(scope="session")
def postgres_admin_url() -> str:
    return require_server("DZINZA_TEST_POSTGRES_URL", "PostgreSQL")


@pytest.fixture(scope="session")
def opensearch_url() -> str:
    """The OpenSearch-compatible test server (``make test`` starts one)."""
    return require_server("DZINZA_TEST_OPENSEARCH_URL", "OpenSearch")


@pytest.fixture(scope="session")
def s3_url() -> str:
    """The S3-compatible test server, as ``s3://?endpoint=URL`` without a bucket (``make test``
    starts SeaweedFS; the tests make their own buckets)."""
    return require_server("DZINZA_TEST_S3_URL", "S3")


@pytest.fixture(scope="session")
def redis_url() -> str:
    """The Redis test server, as ``redis://127.0.0.1:PORT/0`` (``make test`` starts it; the
    tests keep to key prefixes of their own)."""
    return require_server("DZINZA_TEST_REDIS_URL", "Redis")


@pytest.fixture(scope="session")
def postgres_db(postgres_admin_url: str) -> Iterator[str]:
    """A database of our own on the test server, migrated once for the session."""
    name = f"dzinza_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = sa.create_engine(postgres_admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = sa.make_url(postgres_admin_url).set(database=name).render_as_string(hide_password=False)
    engine = database.create_engine(url)
    database.upgrade(engine)
    engine.dispose()
    yield url
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "dzinza.db"
    engine = database.create_engine(f"sqlite:///{path}")
    database.upgrade(engine)
    engine.dispose()
    return path


def _truncate(url: str) -> None:
    engine = sa.create_engine(url)
    names = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
    with engine.begin() as conn:
        conn.exec_driver_sql(f"TRUNCATE {names} CASCADE")
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty, migrated database: once on SQLite, once on PostgreSQL."""
    if request.param == "sqlite":
        path = tmp_path / "dzinza.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    url = request.getfixturevalue("postgres_db")
    yield url
    _truncate(url)


@pytest.fixture
def platform(database_url: str, tmp_path: Path) -> Iterator[Platform]:
    # Cheap password hashing: the suite makes hundreds of accounts (production keeps RFC 9106's).
    # No API-wide limit: some tests make thousands of requests a minute as one account
    # (test_rate_limits sets one).
    settings = Settings(
        database_url=database_url,
        data_dir=tmp_path,
        password_hashing="fast-for-tests-only",
        api_requests_per_minute=0,
    )
    p = bootstrap.build(settings)
    yield p
    p.close()


@pytest.fixture
def client(platform: Platform) -> Iterator[TestClient]:
    with TestClient(create_app(platform), raise_server_exceptions=False) as c:
        yield c


class Api:
    """A test client that knows a user's token and checks status codes as it goes: a
    ``TestClient`` on the app, or an ``httpx.Client`` on a live server (its base URL the site's
    root)."""

    def __init__(self, client: httpx.Client, token: str | None = None) -> None:
        self.client = client
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def call(self, method: str, path: str, expect: int, **kw: Any) -> Any:
        headers = {**self.headers, **kw.pop("headers", {})}
        r = self.client.request(method, f"/api/v1{path}", headers=headers, **kw)
        assert r.status_code == expect, f"{method} {path}: {r.status_code} {r.text}"
        if r.status_code >= 400:
            assert r.headers["content-type"] == "application/problem+json", r.headers
        return r.json() if r.content else None

    def get(self, path: str, expect: int = 200, **kw: Any) -> Any:
        return self.call("GET", path, expect, **kw)

    def post(self, path: str, json: Any, expect: int = 201, **kw: Any) -> Any:
        return self.call("POST", path, expect, json=json, **kw)

    def patch(self, path: str, json: Any, expect: int = 200, **kw: Any) -> Any:
        return self.call("PATCH", path, expect, json=json, **kw)

    def delete(self, path: str, expect: int = 204, **kw: Any) -> Any:
        return self.call("DELETE", path, expect, **kw)

    def walk(self, path: str) -> list[dict[str, Any]]:
        """Every item of a list, page after page by next_cursor (path already has a query)."""
        items: list[dict[str, Any]] = []
        cursor = ""
        while True:
            page = self.get(f"{path}{cursor}")
            items += page["items"]
            if not page["next_cursor"]:
                return items
            cursor = f"&cursor={page['next_cursor']}"


def make_user(platform: Platform, email: str, *, admin: bool = False) -> str:
    platform.users.create(email, "correct horse battery", is_admin=admin)
    return str(platform.users.token_for_email(email)["access_token"])


def add_member(platform: Platform, tree_id: str, email: str, role: str, **branch: Any) -> str:
    """A new account made a member of a tree straight in the store (the members API has its
    own tests); returns the account's token."""
    token = make_user(platform, email)
    user = platform.users.actor_for_token(token)
    with platform.store.write() as tx:
        tx.conn.execute(  # type: ignore[attr-defined]
            tables.tree_members.insert().values(
                tree_id=uuid.UUID(tree_id), user_id=user.user_id, role=role, **branch
            )
        )
    return token


@pytest.fixture
def owner(client: TestClient, platform: Platform) -> Api:
    return Api(client, make_user(platform, "owner@example.org"))


@pytest.fixture
def stranger(client: TestClient, platform: Platform) -> Api:
    return Api(client, make_user(platform, "stranger@example.org"))


@pytest.fixture
def anonymous(client: TestClient) -> Api:
    return Api(client)


@pytest.fixture
def tree(owner: Api) -> dict[str, Any]:
    return dict(owner.post("/trees", {"name": "Test family", "visibility": "private"}))


# -- the logs of the whole run, scanned for secrets (tests/log_scan.py) -----------------------------
def pytest_configure(config: pytest.Config) -> None:
    log_scan.start(log_scan.worker_name())


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if hasattr(session.config, "workerinput"):
        return  # a worker: the controlling process scans everyone's logs once they are done
    found = log_scan.leaks()
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if found:
        if reporter is not None:
            reporter.write_line(f"SECRETS IN THE LOGS ({len(found)} lines):", red=True)
            for line in found[:50]:
                reporter.write_line(f"  {line}")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
    elif reporter is not None:
        reporter.write_line(
            f"logs scanned for secrets: {log_scan.lines_written()} lines, none found"
        )


@pytest.fixture(autouse=True)
def _fresh_aws_credentials() -> None:
    """The S3 adapter keeps one boto3 session per process, and a session keeps the credentials
    it first found: tests set different ones in the environment (a store's URL test, the test
    S3 server's), so each test starts with a session of its own."""
    s3 = sys.modules.get("dzinza.adapters.blobs_s3")
    if s3 is not None:
        s3._SESSIONS.clear()
