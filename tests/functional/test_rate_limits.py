"""The API-wide rate limit: per account, or per address when signed out; 429 with Retry-After,
and the next window lets requests through again."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from dzinza import bootstrap
from dzinza.api.app import create_app
from dzinza.services.platform import Platform
from dzinza.settings import Settings
from tests.conftest import make_user
from tests.doubles import FakeClock


@pytest.fixture
def limited(database_url: str, tmp_path: Path) -> Iterator[tuple[Platform, TestClient, FakeClock]]:
    settings = Settings(
        database_url=database_url,
        data_dir=tmp_path,
        password_hashing="fast-for-tests-only",
        api_requests_per_minute=5,
    )
    p = bootstrap.build(settings)
    clock = FakeClock()
    p.users.limits.clock = clock
    with TestClient(create_app(p), raise_server_exceptions=False) as c:
        yield p, c, clock
    p.close()


def test_api_requests_past_the_limit_get_429_then_pass_again(
    limited: tuple[Platform, TestClient, FakeClock],
) -> None:
    platform, client, clock = limited
    headers = {"Authorization": f"Bearer {make_user(platform, 'busy@example.org')}"}
    answers = [client.get("/api/v1/trees", headers=headers).status_code for _ in range(7)]
    assert answers == [200] * 5 + [429] * 2
    refused = client.get("/api/v1/trees", headers=headers)
    assert refused.headers["content-type"] == "application/problem+json"
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    # Another account, and signed-out callers, count on their own.
    other = {"Authorization": f"Bearer {make_user(platform, 'calm@example.org')}"}
    assert client.get("/api/v1/trees", headers=other).status_code == 200
    assert client.get("/api/v1/trees").status_code == 200
    clock.advance(seconds=61)
    assert client.get("/api/v1/trees", headers=headers).status_code == 200
