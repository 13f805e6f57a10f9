"""Search: the SQL search index (search_docs, with SQLite's FTS5 table search_fts or PostgreSQL's
generated tsvector column) and the transactional outbox that keeps it current. Existing trees are
queued for indexing, so an upgraded database becomes searchable once the indexer has run.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_KEY = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_NOW = sa.func.current_timestamp()

FTS_COLUMNS = ("exact", "variant", "phonetic", "fuzzy", "filters", "text", "names")
"""Also in adapters/sql/search.py, which queries them by position."""

# PostgreSQL: one weighted tsvector over the match fields (exact A, variant B, phonetic C, fuzzy
# and filters D) and one over the free text. 'simple' keeps tokens as they are: they are folded,
# letters and digits only, made in Python.
_TSV = (
    "setweight(to_tsvector('simple'::regconfig, exact), 'A') || "
    "setweight(to_tsvector('simple'::regconfig, variant), 'B') || "
    "setweight(to_tsvector('simple'::regconfig, phonetic), 'C') || "
    "setweight(to_tsvector('simple'::regconfig, fuzzy || ' ' || filters), 'D')"
)
_TEXT_TSV = "to_tsvector('simple'::regconfig, text)"
_NAMES_TSV = "to_tsvector('simple'::regconfig, names)"


def upgrade() -> None:
    op.create_table(
        "search_docs",
        sa.Column("doc_id", _KEY, primary_key=True, autoincrement=True),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("tree_id", sa.Uuid(), nullable=False),
        sa.Column("display_name", sa.String(600), nullable=False),
        sa.Column("name_key", sa.String(600), nullable=False),
        sa.Column("sex", sa.String(16), nullable=False),
        *(sa.Column(c, sa.Text(), nullable=False) for c in FTS_COLUMNS),
        sa.Column("surname", sa.String(200), server_default="", nullable=False),
        sa.Column("region", sa.String(300), server_default="", nullable=False),
        *(
            sa.Column(c, sa.Integer())
            for c in ("birth_from", "birth_to", "death_from", "death_to", "century")
        ),
        sa.Column("indexed_at", sa.DateTime(timezone=True), server_default=_NOW, nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["tree_id"], ["trees.id"], ondelete="CASCADE"),
        sa.UniqueConstraint("person_id"),
    )
    op.create_index(op.f("ix_search_docs_tree_id_name_key"), "search_docs", ["tree_id", "name_key"])
    op.create_table(
        "search_outbox",
        sa.Column("id", _KEY, primary_key=True, autoincrement=True),
        sa.Column("tree_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("record_id", sa.Uuid(), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=_NOW, nullable=False),
        sa.Column("available_at", sa.DateTime(timezone=True), server_default=_NOW, nullable=False),
        sa.Column("last_error", sa.String(500), server_default="", nullable=False),
    )
    op.create_index(
        op.f("ix_search_outbox_available_at_id"), "search_outbox", ["available_at", "id"]
    )
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        cols = ", ".join(FTS_COLUMNS)
        new = ", ".join(f"new.{c}" for c in FTS_COLUMNS)
        old = ", ".join(f"old.{c}" for c in FTS_COLUMNS)
        # Tokens are ASCII letters and digits; the prefix indexes serve suggestions (two letters
        # of kind tag, then two to four typed letters).
        op.execute(
            f"CREATE VIRTUAL TABLE search_fts USING fts5({cols}, content='search_docs', "
            "content_rowid='doc_id', tokenize='ascii', prefix='4 5 6')"
        )
        op.execute(
            "CREATE TRIGGER search_docs_ai AFTER INSERT ON search_docs BEGIN "  # noqa: S608 (constant names)
            f"INSERT INTO search_fts(rowid, {cols}) VALUES (new.doc_id, {new}); END"
        )
        op.execute(
            "CREATE TRIGGER search_docs_ad AFTER DELETE ON search_docs BEGIN "  # noqa: S608 (constant names)
            f"INSERT INTO search_fts(search_fts, rowid, {cols}) "
            f"VALUES ('delete', old.doc_id, {old}); END"
        )
        op.execute(
            "CREATE TRIGGER search_docs_au AFTER UPDATE ON search_docs BEGIN "  # noqa: S608 (constant names)
            f"INSERT INTO search_fts(search_fts, rowid, {cols}) "
            f"VALUES ('delete', old.doc_id, {old}); "
            f"INSERT INTO search_fts(rowid, {cols}) VALUES (new.doc_id, {new}); END"
        )
    else:
        op.execute(
            f"ALTER TABLE search_docs ADD COLUMN tsv tsvector GENERATED ALWAYS AS ({_TSV}) STORED"
        )
        op.execute(
            f"ALTER TABLE search_docs ADD COLUMN text_tsv tsvector GENERATED ALWAYS AS ({_TEXT_TSV}) STORED"
        )
        op.execute(
            f"ALTER TABLE search_docs ADD COLUMN names_tsv tsvector GENERATED ALWAYS AS ({_NAMES_TSV}) STORED"
        )
        op.execute("CREATE INDEX ix_search_docs_tsv ON search_docs USING gin (tsv)")
        op.execute("CREATE INDEX ix_search_docs_names_tsv ON search_docs USING gin (names_tsv)")
        op.execute("CREATE INDEX ix_search_docs_text_tsv ON search_docs USING gin (text_tsv)")
    # Every tree that exists is indexed by the indexer's first run.
    op.execute(
        "INSERT INTO search_outbox (tree_id, kind, record_id) SELECT id, 'tree', id FROM trees"
    )


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for trigger in ("search_docs_ai", "search_docs_ad", "search_docs_au"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS search_fts")
    op.drop_index(op.f("ix_search_outbox_available_at_id"), table_name="search_outbox")
    op.drop_table("search_outbox")
    op.drop_index(op.f("ix_search_docs_tree_id_name_key"), table_name="search_docs")
    op.drop_table("search_docs")
