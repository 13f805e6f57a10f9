"""Point-in-time recovery for a PostgreSQL server Dzinza's operators run themselves (on Amazon
RDS, the service does the same with its automated backups: see docs/operations/pitr.md).

Three pieces, each a command of ``dzinza backup``:

- ``wal_settings``: the ``postgresql.conf`` lines that archive every finished WAL segment into a
  folder, and force a segment out at least every ``archive_timeout`` seconds (the RPO: at most
  that much of the latest writes can be lost with the server's disk);
- ``base_backup``: ``pg_basebackup`` of the running server (plain format, with the WAL it needs);
- ``recover``: a new data directory from a base backup, replaying the archived WAL up to a
  moment, then promoted and started on its own port: the database as it was at that moment,
  beside the damaged one, to check and then to switch to (or copy rows back from).

PostgreSQL's programs refuse to run as root: started as root (a container's entrypoint, the
test suite), the server runs as the ``postgres`` user, and the folders are given to it.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa

from dzinza.domain.errors import N_, DzinzaError, said

SERVER_USER = "postgres"
ARCHIVE_TIMEOUT_S = 300
"""A WAL segment is archived at least every 5 minutes: the RPO of the brief is 1 hour."""
START_TIMEOUT_S = 600


def program(name: str) -> str:
    """A PostgreSQL program: on PATH, or in the newest /usr/lib/postgresql/*/bin (Debian keeps
    the server's programs there). Client and server programs must be as new as the server."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(
        glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
        key=lambda p: int(p.split("/")[4]) if p.split("/")[4].isdigit() else 0,
    )
    if not candidates:
        raise DzinzaError(
            said(
                "%(program)s is not installed: install PostgreSQL's programs (as new as the "
                "server: the postgresql-client package for pg_dump and pg_restore).",
                program=name,
            )
        )
    return candidates[-1]


def as_server(args: list[str]) -> list[str]:
    """The command as the ``postgres`` user when we are root (the server refuses root)."""
    if os.geteuid() == 0:
        return ["runuser", "-u", SERVER_USER, "--", *args]
    return args


def give_to_server(path: Path) -> None:
    """Makes a folder (and what is in it) the server's, when we are root."""
    if os.geteuid() != 0:
        return
    user = pwd.getpwnam(SERVER_USER)
    for root, dirs, files in os.walk(path):
        for name in [*dirs, *files]:
            os.chown(os.path.join(root, name), user.pw_uid, user.pw_gid)
    os.chown(path, user.pw_uid, user.pw_gid)


def _run(args: list[str], what: str, env: dict[str, str] | None = None) -> None:
    done = subprocess.run(  # noqa: S603 (PostgreSQL's programs, no shell)
        args, capture_output=True, text=True, timeout=START_TIMEOUT_S, check=False, env=env
    )
    if done.returncode != 0:
        detail = " ".join((done.stderr or done.stdout).strip().splitlines()[-3:])
        raise DzinzaError(said("%(what)s failed: %(detail)s", what=what, detail=detail))


def wal_settings(archive: Path, timeout_s: int = ARCHIVE_TIMEOUT_S) -> dict[str, str]:
    """``postgresql.conf`` settings that archive WAL into ``archive`` (a folder the server
    writes; at scale, a mounted volume or a program that uploads to S3, such as WAL-G)."""
    folder = str(archive.resolve())
    return {
        "wal_level": "replica",
        "archive_mode": "on",
        # Never overwrite a segment already archived (a second server writing there is a bug).
        "archive_command": f"test ! -f '{folder}/%f' && cp '%p' '{folder}/%f'",
        "archive_timeout": str(timeout_s),
    }


def conf_lines(settings: dict[str, str]) -> str:
    return "".join(
        f"{key} = '{value.replace(chr(39), chr(39) * 2)}'\n" for key, value in settings.items()
    )


def client_options(url: str | sa.URL) -> tuple[list[str], dict[str, str]]:
    """A client program's connection options for ``url``, and an environment carrying the
    password (never on the command line, which other users of the machine can read)."""
    parsed = sa.make_url(url)
    args = ["--no-password"]
    if parsed.host:
        args += ["--host", parsed.host]
    if parsed.port:
        args += ["--port", str(parsed.port)]
    if parsed.username:
        args += ["--username", parsed.username]
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    return args, env


def base_backup(url: str, into: Path, now: datetime) -> Path:
    """A base backup of the server at ``url`` in ``into/base-<UTC time>`` (plain format, with
    the WAL it needs to be consistent)."""
    target = into / f"base-{now.strftime('%Y%m%dT%H%M%SZ')}"
    into.mkdir(parents=True, exist_ok=True)
    connection, env = client_options(url)
    args = [program("pg_basebackup"), *connection, "--pgdata", str(target), "--format=plain"]
    _run([*args, "--wal-method=stream", "--checkpoint=fast"], "pg_basebackup", env)
    return target


@dataclass(frozen=True)
class Recovered:
    data_dir: Path
    port: int
    url: str


def recover(
    base: Path,
    archive: Path,
    until: datetime,
    data_dir: Path,
    port: int,
    *,
    database: str = "postgres",
    user: str = "postgres",
) -> Recovered:
    """Starts a server on ``port`` whose data is the base backup with the archived WAL
    replayed up to ``until`` (inclusive), then promoted. ``data_dir`` must not exist yet."""
    if until.tzinfo is None:
        raise DzinzaError(N_("Give the moment to recover to with its time zone (e.g. +00:00)."))
    if data_dir.exists():
        raise DzinzaError(
            said("%(folder)s exists already: recover into a new folder.", folder=str(data_dir))
        )
    if not (base / "PG_VERSION").is_file():
        raise DzinzaError(said("%(folder)s is not a base backup.", folder=str(base)))
    shutil.copytree(base, data_dir, symlinks=True)
    (data_dir / "postmaster.pid").unlink(missing_ok=True)
    data_dir.chmod(0o700)
    settings = {
        "restore_command": f"cp '{archive.resolve()}/%f' '%p'",
        "recovery_target_time": until.isoformat(),
        "recovery_target_inclusive": "on",
        "recovery_target_action": "promote",
        # The recovered server archives nothing of its own: it is a copy to look at.
        "archive_mode": "off",
        "port": str(port),
        "listen_addresses": "127.0.0.1",
        "unix_socket_directories": str(data_dir.resolve()),
    }
    with (data_dir / "postgresql.auto.conf").open("a") as conf:
        conf.write(conf_lines(settings))
    (data_dir / "recovery.signal").touch()
    give_to_server(data_dir)
    log = data_dir / "recovery.log"
    start = [program("pg_ctl"), "--pgdata", str(data_dir), "--log", str(log), "--wait"]
    _run(as_server([*start, f"--timeout={START_TIMEOUT_S}", "start"]), "pg_ctl start")
    url = f"postgresql+psycopg://{user}@127.0.0.1:{port}/{database}"
    _wait_promoted(url)
    return Recovered(data_dir, port, url)


def _wait_promoted(url: str) -> None:
    engine = sa.create_engine(sa.make_url(url).set(database="postgres"), poolclass=sa.NullPool)
    deadline = time.monotonic() + START_TIMEOUT_S
    try:
        while True:
            try:
                with engine.connect() as conn:
                    if not conn.execute(sa.text("SELECT pg_is_in_recovery()")).scalar():
                        return
            except sa.exc.OperationalError:
                pass
            if time.monotonic() > deadline:
                raise DzinzaError(N_("The recovered server did not finish its recovery in time."))
            time.sleep(0.2)
    finally:
        engine.dispose()


def stop(data_dir: Path) -> None:
    """Stops a server started by ``recover`` (or any server of that data directory)."""
    args = [program("pg_ctl"), "--pgdata", str(data_dir), "--mode=fast", "--wait", "stop"]
    _run(as_server(args), "pg_ctl stop")
