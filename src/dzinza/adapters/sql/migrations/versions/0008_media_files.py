"""Media files: what is known of a stored photo or document (its hash, size, type, EXIF and
derivatives), people tagged on photos, a primary photo per person, direct uploads in progress,
and the contents whose blobs wait to be deleted.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def _text(name: str, length: int) -> sa.Column[str]:
    return sa.Column(name, sa.String(length), server_default="", nullable=False)


def upgrade() -> None:
    with op.batch_alter_table("media") as batch:
        batch.add_column(sa.Column("sha256", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("size", sa.BigInteger(), nullable=True))
        batch.add_column(_text("kind", 16))
        batch.add_column(_text("original_name", 255))
        batch.add_column(_text("status", 16))
        batch.add_column(_text("problem", 500))
        batch.add_column(sa.Column("width", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("height", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("pages", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("taken_at", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("latitude", sa.Float(), nullable=True))
        batch.add_column(sa.Column("longitude", sa.Float(), nullable=True))
        batch.add_column(sa.Column("camera", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("derivatives", sa.JSON(none_as_null=True), nullable=True))
    op.create_index(op.f("ix_media_tree_id_sha256"), "media", ["tree_id", "sha256"])
    op.create_index(op.f("ix_media_sha256"), "media", ["sha256"])
    with op.batch_alter_table("media_links") as batch:
        batch.add_column(
            sa.Column("is_primary", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    op.create_table(
        "media_tags",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tree_id", sa.Uuid(), nullable=False),
        sa.Column("media_id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("x", sa.Float(), nullable=False),
        sa.Column("y", sa.Float(), nullable=False),
        sa.Column("w", sa.Float(), nullable=False),
        sa.Column("h", sa.Float(), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.func.current_timestamp(),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(["media_id"], ["media.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["tree_id"], ["trees.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("media_id", "person_id"),
    )
    op.create_index(op.f("ix_media_tags_person_id"), "media_tags", ["person_id"])
    op.create_table(
        "media_uploads",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tree_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("blob_key", sa.String(length=300), nullable=False),
        sa.Column("multipart_id", sa.String(length=1000), nullable=True),
        sa.Column("part_bytes", sa.BigInteger(), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), server_default="open", nullable=False),
        sa.Column("media_id", sa.Uuid(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.func.current_timestamp(),
            nullable=False,
        ),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["tree_id"], ["trees.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_media_uploads_status_expires_at"), "media_uploads", ["status", "expires_at"]
    )
    op.create_table(
        "blob_orphans",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("sha256"),
    )
    op.create_index(op.f("ix_blob_orphans_since"), "blob_orphans", ["since"])


def downgrade() -> None:
    op.drop_index(op.f("ix_blob_orphans_since"), table_name="blob_orphans")
    op.drop_table("blob_orphans")
    op.drop_index(op.f("ix_media_uploads_status_expires_at"), table_name="media_uploads")
    op.drop_table("media_uploads")
    op.drop_index(op.f("ix_media_tags_person_id"), table_name="media_tags")
    op.drop_table("media_tags")
    with op.batch_alter_table("media_links") as batch:
        batch.drop_column("is_primary")
    op.drop_index(op.f("ix_media_sha256"), table_name="media")
    op.drop_index(op.f("ix_media_tree_id_sha256"), table_name="media")
    with op.batch_alter_table("media") as batch:
        for name in (
            "derivatives", "camera", "longitude", "latitude", "taken_at", "pages", "height",
            "width", "problem", "status", "original_name", "kind", "size", "sha256",
        ):  # fmt: skip
            batch.drop_column(name)
