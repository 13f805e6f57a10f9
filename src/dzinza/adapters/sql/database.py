"""Engines and migrations for SQLite (the embedded default) and PostgreSQL.

SQLite is tuned for one process with a few threads: WAL journal, foreign keys on, a busy timeout, and
``BEGIN IMMEDIATE`` on every write transaction so that concurrent writers queue instead of failing
half-way with "database is locked".
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

MIGRATIONS = Path(__file__).with_name("migrations")


def create_engine(url: str, *, echo: bool = False) -> sa.Engine:
    if url.startswith("sqlite"):
        return _sqlite_engine(url, echo)
    # No pre-ping: it costs a round trip per request; connections are recycled instead, and a
    # dropped one fails one request rather than every request paying for the check.
    return sa.create_engine(url, echo=echo, pool_recycle=1800, pool_size=10, max_overflow=10)


def _sqlite_engine(url: str, echo: bool) -> sa.Engine:
    db_path = sa.make_url(url).database
    if db_path and db_path != ":memory:":
        Path(db_path).parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(
        url, echo=echo, connect_args={"check_same_thread": False, "timeout": 30}
    )

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, open transactions, so we can say BEGIN IMMEDIATE.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.execute("PRAGMA cache_size=-65536")
        cur.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(conn: sa.Connection) -> None:
        mode = conn.get_execution_options().get("sqlite_begin", "BEGIN")
        conn.exec_driver_sql(mode)

    return engine


OUTSIDE_METADATA = frozenset(
    {
        "search_fts",
        "tsv",
        "text_tsv",
        "names_tsv",
        "ix_search_docs_tsv",
        "ix_search_docs_text_tsv",
        "ix_search_docs_names_tsv",
    }
)
"""What migration 0006 makes by hand for one dialect (SQLite's FTS5 table and its shadow tables,
PostgreSQL's generated tsvector columns and their indexes): not in ``tables.metadata``."""


def managed(name: str | None, type_: str, parent_names: Any) -> bool:
    """Alembic's ``include_name`` hook: leaves out of comparisons what ``tables`` does not
    describe."""
    if name is None:
        return True
    return name not in OUTSIDE_METADATA and not name.startswith("search_fts_")


def _alembic_config(connection: sa.Connection) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


@contextmanager
def _migrating(engine: sa.Engine) -> Iterator[sa.Connection]:
    """A transaction for migrations. On SQLite, foreign keys are off while it runs: batch mode
    alters a table by copying it and dropping the old one, and with foreign keys on, that drop
    would cascade to every row that points at it (a person's names, events and family links).
    They are checked before the transaction commits, and a violation rolls it back."""
    with engine.connect() as conn:
        sqlite = conn.dialect.name == "sqlite"
        raw: Any = conn.connection.dbapi_connection
        if sqlite:  # a pragma that only takes effect outside a transaction: say it to the driver
            raw.execute("PRAGMA foreign_keys=OFF")
        try:
            with conn.begin():
                yield conn
                if sqlite and (bad := conn.exec_driver_sql("PRAGMA foreign_key_check").first()):
                    raise RuntimeError(f"The migration broke a foreign key: {tuple(bad)}")
        finally:
            if sqlite:
                raw.execute("PRAGMA foreign_keys=ON")


def upgrade(engine: sa.Engine, revision: str = "head") -> None:
    with _migrating(engine) as conn:
        command.upgrade(_alembic_config(conn), revision)


def downgrade(engine: sa.Engine, revision: str) -> None:
    with _migrating(engine) as conn:
        command.downgrade(_alembic_config(conn), revision)


def current_revision(engine: sa.Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision() -> str | None:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(cfg).get_current_head()


def autogenerate(engine: sa.Engine, message: str) -> None:
    """Developer tool: write a new migration from the difference between tables.py and the DB."""
    with engine.begin() as conn:
        command.revision(_alembic_config(conn), message=message, autogenerate=True)
