"""The command line: db upgrade, demo, user create/token, and clear errors with a non-zero exit."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from dzinza.cli import app

runner = CliRunner()


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("DZINZA_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("DZINZA_DATABASE_URL", raising=False)
    return tmp_path


def test_upgrade_demo_and_users(env: Path) -> None:
    r = runner.invoke(app, ["db", "upgrade"])
    assert r.exit_code == 0, r.output
    assert (env / "dzinza.db").exists()
    assert runner.invoke(app, ["db", "status"]).exit_code == 0
    r = runner.invoke(app, ["demo"])
    assert r.exit_code == 0 and "34 people" in r.output
    r = runner.invoke(
        app,
        ["user", "create", "gogo@example.org", "--password-stdin", "--admin"],
        input="a long enough secret\n",
    )
    assert r.exit_code == 0 and "admin" in r.output
    r = runner.invoke(app, ["user", "token", "gogo@example.org"])
    assert r.exit_code == 0 and len(r.output.strip()) > 30
    r = runner.invoke(app, ["demo", "--owner", "gogo@example.org"])
    assert r.exit_code == 0


def test_errors_are_messages_not_tracebacks(env: Path) -> None:
    runner.invoke(app, ["db", "upgrade"])
    cases = [
        (
            ["user", "create", "not-an-email", "--password-stdin"],
            "long enough secret\n",
            "not an email",
        ),
        (["user", "create", "a@example.org", "--password-stdin"], "short\n", "at least"),
        (["user", "create", "a@example.org"], "", "--password-stdin"),
        (["user", "token", "nobody@example.org"], "", "no user"),
        (["demo", "--owner", "nobody@example.org"], "", "no user"),
    ]
    for args, stdin, message in cases:
        r = runner.invoke(app, args, input=stdin)
        assert r.exit_code != 0, args
        assert message in r.output, (args, r.output)
        assert "Traceback" not in r.output
    runner.invoke(
        app, ["user", "create", "a@example.org", "--password-stdin"], input="long enough secret\n"
    )
    r = runner.invoke(
        app, ["user", "create", "a@example.org", "--password-stdin"], input="long enough secret\n"
    )
    assert r.exit_code == 1 and "already" in r.output


@pytest.mark.parametrize(
    "args",
    [
        ["serve"],
        ["demo"],
        ["import", "family.ged", "--json"],
        ["export", "0" * 32, "-o", "out.ged"],
        ["user", "token", "a@example.org"],
    ],
)
def test_commands_refuse_a_database_without_the_schema(
    env: Path, args: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(env)
    (env / "family.ged").write_text("0 HEAD\n0 @I1@ INDI\n0 TRLR\n")
    r = runner.invoke(app, args)
    assert r.exit_code == 1, r.output
    assert "dzinza db upgrade" in r.output and "no Dzinza schema" in r.output
    assert r.exception is None or isinstance(r.exception, SystemExit)


def test_unknown_database_url_is_a_message(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DZINZA_DATABASE_URL", "mysql://x")
    r = runner.invoke(app, ["db", "upgrade"])
    assert r.exit_code == 1 and "sqlite://" in r.output


def test_media_gc_and_a_bad_media_url(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    runner.invoke(app, ["db", "upgrade"])
    r = runner.invoke(app, ["media", "gc", "--grace-hours", "0", "--json"])
    assert r.exit_code == 0, r.output
    assert '"contents_deleted": 0' in r.output and '"uploads_expired": 0' in r.output
    assert (env / "media-signing.key").stat().st_mode & 0o077 == 0, "the key is private"
    monkeypatch.setenv("DZINZA_MEDIA_URL", "ftp://example.org/photos")
    r = runner.invoke(app, ["media", "gc"])
    assert r.exit_code != 0 and "DZINZA_MEDIA_URL" in r.output
    assert "Traceback" not in r.output
