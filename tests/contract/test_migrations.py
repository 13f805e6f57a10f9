"""The Alembic migrations and the tables in code agree, on SQLite and on PostgreSQL, and the
migrations go down and up again cleanly."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from dzinza.adapters.sql import database
from dzinza.adapters.sql.tables import metadata


def _diff(url: str) -> list[object]:
    engine = database.create_engine(url)
    with engine.connect() as conn:
        ctx = MigrationContext.configure(
            conn, opts={"compare_type": True, "include_name": database.managed}
        )
        diff = compare_metadata(ctx, metadata)
    engine.dispose()
    return list(diff)


def test_models_and_migrations_agree(database_url: str) -> None:
    assert _diff(database_url) == []


def test_downgrade_to_nothing_and_up_again(database_url: str) -> None:
    engine = database.create_engine(database_url)
    database.downgrade(engine, "base")
    assert database.current_revision(engine) is None
    assert set(sa.inspect(engine).get_table_names()) <= {"alembic_version"}
    database.upgrade(engine)
    assert database.current_revision(engine) == database.head_revision()
    engine.dispose()
    assert _diff(database_url) == []


def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path: object) -> None:
    engine = database.create_engine(f"sqlite:///{tmp_path}/x.db")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    engine.dispose()
