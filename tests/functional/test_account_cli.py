"""``dzinza user promote`` and ``demote``: site-admin rights from the command line, felt at once
by the user's existing tokens."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from dzinza import bootstrap
from dzinza.api.app import create_app
from dzinza.cli import app
from tests.conftest import Api

runner = CliRunner()


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("DZINZA_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("DZINZA_DATABASE_URL", raising=False)
    monkeypatch.delenv("DZINZA_SMTP_URL", raising=False)
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    return tmp_path


def test_promote_and_demote(env: Path) -> None:
    for email in ("gogo@example.org", "sekuru@example.org"):
        r = runner.invoke(
            app, ["user", "create", email, "--password-stdin"], input="a long enough secret\n"
        )
        assert r.exit_code == 0, r.output
    token = runner.invoke(app, ["user", "token", "gogo@example.org"]).output.strip()
    platform = bootstrap.build()
    try:
        with TestClient(create_app(platform), raise_server_exceptions=False) as client:
            sekuru = Api(
                client, platform.users.token_for_email("sekuru@example.org")["access_token"]
            )
            tree = sekuru.post("/trees", {"name": "Private", "visibility": "private"})
            gogo = Api(client, token)
            assert gogo.get("/auth/me")["is_admin"] is False
            r = runner.invoke(app, ["user", "promote", "gogo@example.org"])
            assert r.exit_code == 0 and "now a site admin" in r.output
            assert gogo.get("/auth/me")["is_admin"] is True
            gogo.get(f"/trees/{tree['id']}")
            r = runner.invoke(app, ["user", "demote", "GOGO@example.org"])
            assert r.exit_code == 0 and "no longer" in r.output
            assert gogo.get("/auth/me")["is_admin"] is False
            hidden = client.get(f"/api/v1/trees/{tree['id']}", headers=gogo.headers)
            assert hidden.status_code in (403, 404)
    finally:
        platform.close()
    r = runner.invoke(app, ["user", "promote", "nobody@example.org"])
    assert r.exit_code == 1 and "no user" in r.output and "Traceback" not in r.output
