"""Logs: JSON lines carrying the request's id and the user, access lines by route template
(never a raw path, which can carry a token), secrets masked; and the scan of the test run's
logs really finds a secret when one is there."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from dzinza.logs import JsonFormatter, redact
from dzinza.services.platform import Platform
from tests import log_scan
from tests.conftest import Api, make_user


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    """Dzinza's log lines as JSON, in a buffer of this test's own."""
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("dzinza")
    logger.addHandler(handler)
    try:
        yield buffer
    finally:
        logger.removeHandler(handler)


def _lines(buffer: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in buffer.getvalue().splitlines() if line.strip()]


def test_every_line_of_a_request_carries_its_id_and_user(
    client: TestClient, platform: Platform, captured: io.StringIO
) -> None:
    owner = Api(client, make_user(platform, "logged@example.org"))
    me = owner.get("/auth/me")["id"]
    tree = owner.post("/trees", {"name": "Logged"})["id"]
    r = client.get(
        f"/api/v1/trees/{tree}", headers={**owner.headers, "X-Request-ID": "lb-req-12345678"}
    )
    assert r.status_code == 200 and r.headers["x-request-id"] == "lb-req-12345678"
    access = [line for line in _lines(captured) if line["logger"] == "dzinza.access"]
    mine = next(line for line in access if line.get("request_id") == "lb-req-12345678")
    assert mine["route"] == "/api/v1/trees/{tree_id}" and mine["status"] == 200
    assert mine["user_id"] == me and mine["tree_id"] == tree
    assert isinstance(mine["duration_ms"], float) and mine["level"] == "info"
    # A request id that is not sane is replaced, not repeated.
    odd = client.get("/healthz", headers={"X-Request-ID": "bad id\u0001"})
    assert odd.headers["x-request-id"] != "bad id\u0001" and len(odd.headers["x-request-id"]) == 32


def test_a_token_in_a_path_never_reaches_the_logs(
    client: TestClient, captured: io.StringIO
) -> None:
    token = "Zq8vT1yB6cN3mK0pL5rX2wH9jD4gF7sA1eU8iO3kM6n"
    assert client.get(f"/invitations/accept?token={token}").status_code in (200, 404, 410)
    client.get(f"/api/v1/blobs/originals/x?signature={token}&expires=1")
    client.get(f"/no/such/{token}")
    text = captured.getvalue()
    assert token not in text
    assert '"route": "/invitations/accept"' in text and '"route": "unmatched"' in text


@pytest.mark.parametrize(
    ("raw", "hidden"),
    [
        ("Authorization: Bearer abc.DEF-123_xyz", "abc.DEF-123_xyz"),
        ("made dzp_Abcdefghijklmnopqrstuvwxyz0123456789", "Abcdefghijklmnop"),
        ("GET /x?token=s3cr3tValue&page=2", "s3cr3tValue"),
        ("reset with password=hunter2 now", "hunter2"),
        ('{"password": "hunter2"}', "hunter2"),
        ("postgresql+psycopg://dzinza:pa55word@db:5432/dzinza", "pa55word"),
        ("signed ?expires=1&signature=abcdef0123", "abcdef0123"),
    ],
)
def test_what_looks_like_a_secret_is_masked(raw: str, hidden: str) -> None:
    masked = redact(raw)
    assert hidden not in masked and "[redacted]" in masked


def test_errors_are_logged_with_the_request_id(
    client: TestClient, platform: Platform, captured: io.StringIO, monkeypatch: pytest.MonkeyPatch
) -> None:
    owner = Api(client, make_user(platform, "broken@example.org"))

    def broken(*_a: object, **_k: object) -> None:
        raise RuntimeError("the disk password=hunter2 is gone")

    monkeypatch.setattr(platform.trees, "create", broken)
    r = client.post("/api/v1/trees", json={"name": "x"}, headers=owner.headers)
    assert r.status_code == 500 and "hunter2" not in r.text
    errors = [line for line in _lines(captured) if line["level"] == "error"]
    assert errors and errors[-1]["request_id"] == r.headers["x-request-id"]
    assert "RuntimeError" in str(errors[-1]["error"]) and "hunter2" not in captured.getvalue()


def test_the_scan_of_the_run_finds_a_secret(tmp_path: Path) -> None:
    (tmp_path / "gw9.jsonl").write_text(
        '{"message": "fine"}\n'
        '{"message": "user correct horse battery"}\n'
        '{"message": "token Zq8vT1yB6cN3mK0pL5rX2wH9jD4gF7sA1eU8iO3kM6n"}\n'
        '{"message": "digest 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"}\n'
        '{"message": "id 2f1c0e2a-7b0c-4c38-9d0e-3b4a5c6d7e8f"}\n'
    )
    found = log_scan.leaks(tmp_path)
    assert [f.split(":")[1] for f in found] == ["2", "3"]
