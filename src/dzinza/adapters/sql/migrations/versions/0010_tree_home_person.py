"""Trees: a home person, the person the tree opens on (none: the tree opens on its overview).

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("trees") as batch:
        batch.add_column(sa.Column("home_person_id", sa.Uuid(), nullable=True))
        # Named: SQLite's batch mode copies the table and can only drop a named constraint.
        batch.create_foreign_key(
            batch.f("fk_trees_home_person_id_people"),
            "people",
            ["home_person_id"],
            ["id"],
            ondelete="SET NULL",
        )
        # Each deleted person looks here (ON DELETE SET NULL): an index, not a scan of trees.
        batch.create_index(batch.f("ix_trees_home_person_id"), ["home_person_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("trees") as batch:
        batch.drop_index(batch.f("ix_trees_home_person_id"))
        batch.drop_constraint(batch.f("fk_trees_home_person_id_people"), type_="foreignkey")
        batch.drop_column("home_person_id")
