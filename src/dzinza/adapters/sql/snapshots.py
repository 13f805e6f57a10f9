"""Whole-database snapshots for backups (the ``DatabaseSnapshots`` port).

- **SQLite**: the online backup API copies the database page by page into a new file while the
  platform keeps running; the copy is a consistent state (SQLite restarts a copy that a writer
  overtakes). Restoring copies such a file into an empty database the same way.
- **PostgreSQL**: ``pg_dump`` in custom format, run inside a REPEATABLE READ transaction whose
  snapshot it imports (``pg_export_snapshot``), so the table digests computed in that
  transaction describe exactly what the dump holds. ``pg_restore`` loads it into an empty
  database. The client programs must be as new as the server (the PostgreSQL packages, or
  ``postgresql-client`` in the container image).

Digests: for each table, the row count and the sum modulo 2**64 of a 64-bit hash of each row's
text. A sum does not depend on the order of the rows, so no table needs a key to sort by;
PostgreSQL computes it in the server (``md5`` of the row's text form, in UTC), SQLite here
(BLAKE2b of the row's ``repr``). The two kinds never compare with each other: a backup is
checked by restoring it into a database of its own kind.
"""

from __future__ import annotations

import contextlib
import hashlib
import shutil
import sqlite3
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from dzinza.adapters.sql import database, pitr
from dzinza.adapters.sql.tables import metadata
from dzinza.domain.errors import N_, DzinzaError, said
from dzinza.ports import TableDigest

MASK = (1 << 64) - 1
TOOL_TIMEOUT_S = 6 * 3600
"""Longer than any dump or restore should take (the brief's RTO is 4 hours)."""


def _tables() -> list[str]:
    """The tables a digest covers: the schema's, and the migration revision."""
    return [*(t.name for t in metadata.sorted_tables), "alembic_version"]


def snapshots_for(engine: sa.Engine) -> SqliteSnapshots | PostgresSnapshots:
    if engine.dialect.name == "sqlite":
        return SqliteSnapshots(engine)
    return PostgresSnapshots(engine)


class _Common:
    engine: sa.Engine

    def revision(self) -> str | None:
        with self.engine.connect() as conn:
            if not sa.inspect(conn).has_table("alembic_version"):
                return None
            return conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()

    def close(self) -> None:
        self.engine.dispose()


class SqliteSnapshots(_Common):
    kind = "sqlite"
    file_name = "database.sqlite"

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    def snapshot(self, path: Path) -> dict[str, TableDigest]:
        raw = self.engine.raw_connection()
        try:
            source = raw.driver_connection
            assert isinstance(source, sqlite3.Connection)
            target = sqlite3.connect(path)
            try:
                source.backup(target)
            finally:
                target.close()
        finally:
            raw.close()
        with contextlib.closing(sqlite3.connect(path)) as copy:
            # The copy keeps the WAL mode of the original; a file on its own is simpler.
            copy.execute("PRAGMA journal_mode=DELETE")
            return _sqlite_digests(copy)

    def digests(self) -> dict[str, TableDigest]:
        raw = self.engine.raw_connection()
        try:
            connection = raw.driver_connection
            assert isinstance(connection, sqlite3.Connection)
            return _sqlite_digests(connection)
        finally:
            raw.close()

    def is_empty(self) -> bool:
        with self.engine.connect() as conn:
            return not [
                n for n in sa.inspect(conn).get_table_names() if not n.startswith("sqlite_")
            ]

    def restore(self, path: Path) -> None:
        if not self.is_empty():
            raise DzinzaError(N_("The database to restore into is not empty."))
        raw = self.engine.raw_connection()
        try:
            target = raw.driver_connection
            assert isinstance(target, sqlite3.Connection)
            with contextlib.closing(sqlite3.connect(path)) as source:
                source.backup(target)
        finally:
            raw.close()
        self.engine.dispose()  # connections opened before the restore saw the empty file

    @contextlib.contextmanager
    def scratch(self) -> Iterator[SqliteSnapshots]:
        folder = Path(tempfile.mkdtemp(prefix="dzinza-verify-"))
        engine = database.create_engine(f"sqlite:///{folder / 'scratch.db'}")
        try:
            yield SqliteSnapshots(engine)
        finally:
            engine.dispose()
            shutil.rmtree(folder, ignore_errors=True)


def _sqlite_digests(connection: sqlite3.Connection) -> dict[str, TableDigest]:
    present = {
        row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")
    }
    found: dict[str, TableDigest] = {}
    for name in _tables():
        if name not in present:
            continue
        rows, total = 0, 0
        # Names come from the schema, never from input.
        for row in connection.execute(f'SELECT * FROM "{name}"'):  # noqa: S608
            rows += 1
            total += int.from_bytes(hashlib.blake2b(repr(row).encode(), digest_size=8).digest())
        found[name] = TableDigest(rows, f"{total & MASK:016x}")
    return found


class PostgresSnapshots(_Common):
    kind = "postgresql"
    file_name = "database.pgdump"

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    def _client(self, program: str) -> tuple[list[str], dict[str, str]]:
        """The program with the connection's options and the environment with its password."""
        options, env = pitr.client_options(self.engine.url)
        database = self.engine.url.database or "postgres"
        return [pitr.program(program), *options, "--dbname", database], env

    def _run(self, args: list[str], env: dict[str, str], what: str) -> None:
        done = subprocess.run(  # noqa: S603 (a PostgreSQL program found on PATH, no shell)
            args, env=env, capture_output=True, text=True, timeout=TOOL_TIMEOUT_S, check=False
        )
        if done.returncode != 0:
            detail = (done.stderr or done.stdout).strip().splitlines()[-3:]
            raise DzinzaError(
                said("%(what)s failed: %(detail)s", what=what, detail=" ".join(detail))
            )

    def snapshot(self, path: Path) -> dict[str, TableDigest]:
        args, env = self._client("pg_dump")
        with self.engine.connect() as conn:
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():
                exported = conn.execute(sa.text("SELECT pg_export_snapshot()")).scalar()
                found = _postgres_digests(conn)
                dump = [*args, "--format=custom", "--no-owner", "--no-privileges"]
                self._run([*dump, f"--snapshot={exported}", "--file", str(path)], env, "pg_dump")
        return found

    def digests(self) -> dict[str, TableDigest]:
        with self.engine.connect() as conn, conn.begin():
            return _postgres_digests(conn)

    def is_empty(self) -> bool:
        with self.engine.connect() as conn:
            return not sa.inspect(conn).get_table_names()

    def restore(self, path: Path) -> None:
        if not self.is_empty():
            raise DzinzaError(N_("The database to restore into is not empty."))
        args, env = self._client("pg_restore")
        restore = [
            *args,
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--single-transaction",
        ]
        self._run([*restore, str(path)], env, "pg_restore")
        self.engine.dispose()

    @contextlib.contextmanager
    def scratch(self) -> Iterator[PostgresSnapshots]:
        name = f"dzinza_verify_{uuid.uuid4().hex[:12]}"
        admin = sa.create_engine(self.engine.url, isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as conn:
                conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
            engine = sa.create_engine(self.engine.url.set(database=name), poolclass=sa.NullPool)
            try:
                yield PostgresSnapshots(engine)
            finally:
                engine.dispose()
                with admin.connect() as conn:
                    conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        finally:
            admin.dispose()


def _postgres_digests(conn: sa.Connection) -> dict[str, TableDigest]:
    # The text form of a timestamp depends on the session's time zone: fixed, so that the
    # digests of a database and of its restored copy agree.
    conn.execute(sa.text("SET LOCAL TimeZone = 'UTC'"))
    present = set(sa.inspect(conn).get_table_names())
    found: dict[str, TableDigest] = {}
    for name in _tables():
        if name not in present:
            continue
        row: Any = conn.execute(
            sa.text(
                # Names come from the schema, never from input.
                "SELECT count(*), coalesce(sum(('x' || substr(md5(t::text), 1, 16))"  # noqa: S608
                f'::bit(64)::bigint::numeric), 0) FROM "{name}" t'
            )
        ).one()
        found[name] = TableDigest(int(row[0]), f"{int(row[1]) & MASK:016x}")
    return found
