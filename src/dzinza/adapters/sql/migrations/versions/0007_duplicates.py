"""Duplicates: the pairs of people the finder suspects, the review queue, and the pairs a person
has said are not a match.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "duplicate_pairs",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tree_id", sa.Uuid(), nullable=False),
        sa.Column("person_a", sa.Uuid(), nullable=False),
        sa.Column("person_b", sa.Uuid(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=True),
        sa.Column("status", sa.String(length=16), server_default="open", nullable=False),
        sa.Column(
            "found_at",
            sa.DateTime(timezone=True),
            server_default=sa.func.current_timestamp(),
            nullable=False,
        ),
        sa.Column("decided_by", sa.Uuid(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["person_a"], ["people.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["person_b"], ["people.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["tree_id"], ["trees.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("person_a", "person_b"),
    )
    op.create_index(
        op.f("ix_duplicate_pairs_tree_id_status_score"),
        "duplicate_pairs",
        ["tree_id", "status", "score"],
    )
    op.create_index(op.f("ix_duplicate_pairs_person_b"), "duplicate_pairs", ["person_b"])


def downgrade() -> None:
    op.drop_index(op.f("ix_duplicate_pairs_person_b"), table_name="duplicate_pairs")
    op.drop_index(op.f("ix_duplicate_pairs_tree_id_status_score"), table_name="duplicate_pairs")
    op.drop_table("duplicate_pairs")
