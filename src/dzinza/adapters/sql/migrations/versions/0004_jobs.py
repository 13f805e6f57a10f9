"""Background jobs (GEDCOM import and export) with their progress, result or error.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03 09:12:40.518211
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "jobs",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=60), nullable=False),
        sa.Column("status", sa.String(length=16), server_default="queued", nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=True),
        sa.Column("tree_id", sa.Uuid(), nullable=True),
        sa.Column("params", sa.JSON(), nullable=True),
        sa.Column("done", sa.Integer(), server_default="0", nullable=False),
        sa.Column("total", sa.Integer(), nullable=True),
        sa.Column("message", sa.String(length=500), server_default="", nullable=False),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.Column("error", sa.JSON(), nullable=True),
        sa.Column("cancel_requested", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.func.current_timestamp(),
            nullable=False,
        ),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.func.current_timestamp(),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["tree_id"], ["trees.id"], name=op.f("fk_jobs_tree_id_trees"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jobs")),
    )
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_jobs_user_id_created_at"), ["user_id", "created_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_jobs_status_created_at"), ["status", "created_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_jobs_tree_id"), ["tree_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_jobs_tree_id"))
        batch_op.drop_index(batch_op.f("ix_jobs_status_created_at"))
        batch_op.drop_index(batch_op.f("ix_jobs_user_id_created_at"))

    op.drop_table("jobs")
