"""GEDCOM round trips: what an import held that the columns do not (``gedcom`` on each record),
the order of events, citations and links as the file gave it, inline versus shared notes, and the
records the model has no table for.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_RESIDUAL = (
    "people",
    "names",
    "families",
    "family_children",
    "events",
    "repositories",
    "sources",
    "citations",
    "notes",
    "media",
    "media_links",
)
_POSITION = ("events", "citations", "note_links", "media_links")


def upgrade() -> None:
    for table in _RESIDUAL:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("gedcom", sa.JSON(none_as_null=True), nullable=True))
    for table in _POSITION:
        with op.batch_alter_table(table) as batch:
            batch.add_column(
                sa.Column("position", sa.Integer(), nullable=False, server_default="0")
            )
    with op.batch_alter_table("notes") as batch:
        batch.add_column(
            sa.Column("shared", sa.Boolean(), nullable=False, server_default=sa.true())
        )
    op.create_table(
        "gedcom_records",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tree_id", sa.Uuid(), nullable=False),
        sa.Column("tag", sa.String(40), nullable=False),
        sa.Column("xref", sa.String(40), nullable=False, server_default=""),
        sa.Column("position", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            nullable=False,
            server_default=sa.func.current_timestamp(),
        ),
        sa.ForeignKeyConstraint(
            ["tree_id"],
            ["trees.id"],
            name="fk_gedcom_records_tree_id_trees",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_gedcom_records"),
    )
    op.create_index(
        "ix_gedcom_records_tree_id_tag_position",
        "gedcom_records",
        ["tree_id", "tag", "position"],
    )

    op.create_index("ix_external_ids_target_id_kind", "external_ids", ["target_id", "kind"])


def downgrade() -> None:
    op.drop_index("ix_external_ids_target_id_kind", table_name="external_ids")
    op.drop_index("ix_gedcom_records_tree_id_tag_position", table_name="gedcom_records")
    op.drop_table("gedcom_records")
    with op.batch_alter_table("notes") as batch:
        batch.drop_column("shared")
    for table in _POSITION:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("position")
    for table in _RESIDUAL:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("gedcom")
