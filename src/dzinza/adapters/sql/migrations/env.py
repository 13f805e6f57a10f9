"""Alembic environment: runs the migrations on the connection that ``dzinza.adapters.sql.database``
hands over (SQLite or PostgreSQL). Batch mode lets the same scripts alter tables on SQLite."""

from __future__ import annotations

from alembic import context

from dzinza.adapters.sql.database import managed
from dzinza.adapters.sql.tables import metadata

config = context.config
connection = config.attributes.get("connection")
if connection is None:  # pragma: no cover - migrations always run through dzinza.adapters.sql
    raise RuntimeError("Run migrations with `dzinza db upgrade`, which provides the connection.")

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=True,
    compare_type=True,
    compare_server_default=False,
    include_name=managed,
)
with context.begin_transaction():
    context.run_migrations()
