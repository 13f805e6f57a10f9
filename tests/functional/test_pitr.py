"""The point-in-time recovery drill, on a real PostgreSQL server of its own (WAL archiving needs
a server configured for it): people are added, the time noted, they are deleted, and the
server recovered from a base backup and the archived WAL to that time has them back."""

from __future__ import annotations

import contextlib
import json
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from dzinza import bootstrap
from dzinza.adapters.sql import database, pitr
from dzinza.api.app import create_app
from dzinza.cli import app as cli
from dzinza.domain.errors import DzinzaError
from dzinza.settings import Settings
from tests.conftest import Api, in_ci, make_user, unavailable

pytestmark = pytest.mark.postgres


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _server_programs() -> None:
    try:
        pitr.program("initdb")
        pitr.program("pg_ctl")
    except DzinzaError:
        message = "PostgreSQL's server programs are not installed (make test installs them)"
        if in_ci():
            pytest.fail(message)
        unavailable(message)


@pytest.fixture
def archived_server() -> Iterator[dict[str, object]]:
    """A PostgreSQL server that archives its WAL, in a folder of its own."""
    _server_programs()
    folder = Path(tempfile.mkdtemp(prefix="dzinza-pitr-"))
    folder.chmod(0o755)  # the server runs as postgres: it must reach its folders
    data, archive = folder / "data", folder / "archive"
    archive.mkdir()
    pitr.give_to_server(archive)
    data.mkdir()
    pitr.give_to_server(data)
    logs = folder / "logs"
    logs.mkdir()
    pitr.give_to_server(logs)
    initdb = [pitr.program("initdb"), "-D", str(data), "-U", "postgres", "-A", "trust"]
    subprocess.run(
        pitr.as_server([*initdb, "-E", "UTF8", "--locale=C.UTF-8"]),
        check=True,
        capture_output=True,
    )
    port = _free_port()
    settings = pitr.wal_settings(archive, timeout_s=60) | {
        "port": str(port),
        "listen_addresses": "127.0.0.1",
        "unix_socket_directories": str(logs),
        "fsync": "off",
    }
    with (data / "postgresql.auto.conf").open("a") as conf:
        conf.write(pitr.conf_lines(settings))
    start = [pitr.program("pg_ctl"), "-D", str(data), "-l", str(logs / "pg.log"), "-w", "start"]
    subprocess.run(pitr.as_server(start), check=True, capture_output=True)
    admin = sa.create_engine(
        f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres", isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as conn:
        conn.exec_driver_sql("CREATE DATABASE dzinza")
    admin.dispose()
    try:
        yield {"folder": folder, "data": data, "archive": archive, "port": port}
    finally:
        for stopped in (data, folder / "recovered"):
            if (stopped / "postmaster.pid").exists():
                with contextlib.suppress(DzinzaError):
                    pitr.stop(stopped)
        shutil.rmtree(folder, ignore_errors=True)


def _archived_up_to_now(engine: sa.Engine) -> None:
    """Closes the current WAL segment and waits until the archive has it."""
    with engine.connect() as conn:
        segment = conn.execute(sa.text("SELECT pg_walfile_name(pg_switch_wal())")).scalar()
    deadline = time.monotonic() + 60
    while True:
        with engine.connect() as conn:
            last = conn.execute(sa.text("SELECT last_archived_wal FROM pg_stat_archiver")).scalar()
        if last is not None and str(last) >= str(segment):
            return
        assert time.monotonic() < deadline, f"WAL segment {segment} was not archived"
        time.sleep(0.2)


def test_a_deletion_is_undone_by_recovering_to_the_moment_before_it(
    archived_server: dict[str, object], tmp_path: Path
) -> None:
    port = archived_server["port"]
    folder = archived_server["folder"]
    assert isinstance(folder, Path)
    url = f"postgresql+psycopg://postgres@127.0.0.1:{port}/dzinza"
    engine = database.create_engine(url)
    database.upgrade(engine)
    settings = Settings(
        database_url=url, data_dir=tmp_path / "live", password_hashing="fast-for-tests-only"
    )
    platform = bootstrap.build(settings)
    try:
        with TestClient(create_app(platform), raise_server_exceptions=False) as client:
            owner = Api(client, make_user(platform, "drill@example.org"))
            tree = owner.post("/trees", {"name": "Drill"})["id"]
            names = ["Rudo", "Tendai"]
            ids = [
                owner.post(f"/trees/{tree}/people", {"names": [{"given": n, "surname": "Moyo"}]})[
                    "id"
                ]
                for n in names
            ]
            made = CliRunner().invoke(
                cli,
                ["backup", "base", "--to", str(folder / "bases"), "--json"],
                env={"DZINZA_DATABASE_URL": url, "DZINZA_DATA_DIR": str(tmp_path / "live")},
            )
            assert made.exit_code == 0, made.output
            base = json.loads(made.stdout)["base"]
            # Written after the base backup: only the archived WAL holds it.
            ids.append(
                owner.post(
                    f"/trees/{tree}/people", {"names": [{"given": "Farai", "surname": "Moyo"}]}
                )["id"]
            )
            with engine.connect() as conn:
                moment = conn.execute(sa.text("SELECT clock_timestamp()")).scalar()
            assert isinstance(moment, datetime)
            time.sleep(1.1)
            for person in ids:
                owner.delete(f"/people/{person}")
            assert owner.get(f"/trees/{tree}/people")["items"] == []
    finally:
        platform.close()
    _archived_up_to_now(engine)
    assert _given_names(engine, ids) == []  # gone from the server itself
    engine.dispose()

    port = _free_port()
    args = ["backup", "recover", base, "--wal", str(archived_server["archive"])]
    args += ["--to", moment.isoformat(), "--data-dir", str(folder / "recovered")]
    done = CliRunner().invoke(cli, [*args, "--port", str(port), "--json"])
    assert done.exit_code == 0, done.output
    recovered = json.loads(done.stdout)
    assert recovered["port"] == port
    back = sa.create_engine(recovered["url"], poolclass=sa.NullPool)
    try:
        assert _given_names(back, ids) == ["Farai", "Rudo", "Tendai"]
        with back.connect() as conn:
            # A promoted server: it takes writes again.
            assert conn.execute(sa.text("SELECT pg_is_in_recovery()")).scalar() is False
    finally:
        back.dispose()


def _given_names(engine: sa.Engine, ids: list[str]) -> list[str]:
    query = sa.text("SELECT given FROM names WHERE person_id IN :ids ORDER BY given").bindparams(
        sa.bindparam("ids", expanding=True)
    )
    with engine.connect() as conn:
        return list(conn.execute(query, {"ids": [uuid.UUID(i) for i in ids]}).scalars())


def test_recovery_refuses_what_it_cannot_do(tmp_path: Path) -> None:
    _server_programs()
    with pytest.raises(DzinzaError, match="time zone"):
        pitr.recover(tmp_path, tmp_path, datetime(2026, 1, 1), tmp_path / "new", 1)
    with pytest.raises(DzinzaError, match="exists already"):
        pitr.recover(tmp_path, tmp_path, datetime.now(UTC), tmp_path, 1)
    with pytest.raises(DzinzaError, match="not a base backup"):
        pitr.recover(tmp_path, tmp_path, datetime.now(UTC), tmp_path / "new", 1)
    printed = CliRunner().invoke(cli, ["backup", "wal-settings", "--archive", "/var/lib/wal"])
    assert printed.exit_code == 0
    assert "archive_mode = 'on'" in printed.stdout
    assert "cp ''%p'' ''/var/lib/wal/%f''" in printed.stdout
    args = ["backup", "recover", str(tmp_path), "--wal", str(tmp_path), "--to", "yesterday"]
    wrong = CliRunner().invoke(cli, [*args, "--data-dir", str(tmp_path / "x"), "--port", "1"])
    assert wrong.exit_code == 1 and "not a moment" in wrong.stderr
