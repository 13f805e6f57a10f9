"""Initial schema: users, tokens, trees and every genealogy record table.

Revision ID: 0001
Revises:
Create Date: 2026-11-26 06:36:18.776726
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "users",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("is_admin", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.func.current_timestamp(),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("email", name=op.f("uq_users_email")),
    )
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.func.current_timestamp(),
            nullable=False,
        ),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_api_tokens_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_tokens_token_hash")),
    )
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_tokens_user_id"), ["user_id"], unique=False)

    op.create_table(
        "trees",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.String(length=4000), server_default="", nullable=False),
        sa.Column("visibility", sa.String(length=16), server_default="private", nullable=False),
        sa.Column("owner_id", sa.Uuid(), nullable=True),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.func.current_timestamp(),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.func.current_timestamp(),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name=op.f("fk_trees_owner_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trees")),
    )
    with op.batch_alter_table("trees", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_trees_name_id"), ["name", "id"], unique=False)
        batch_op.create_index(batch_op.f("ix_trees_owner_id"), ["owner_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_trees_visibility"), ["visibility"], unique=False)

    op.create_table(
        "external_ids",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tree_id", sa.Uuid(), nullable=False),
        sa.Column("target_type", sa.String(length=16), nullable=False),
        sa.Column("target_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("value", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["tree_id"],
            ["trees.id"],
            name=op.f("fk_external_ids_tree_id_trees"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_external_ids")),
    )
    with op.batch_alter_table("external_ids", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_external_ids_target_type_target_id"),
            ["target_type", "target_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_external_ids_tree_id_kind_value"),
            ["tree_id", "kind", "value"],
            unique=False,
        )

    op.create_table(
        "media",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tree_id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.String(length=300), server_default="", nullable=False),
        sa.Column("file", sa.String(length=1000), server_default="", nullable=False),
        sa.Column("mime_type", sa.String(length=100), server_default="", nullable=False),
        sa.Column("date_text", sa.String(length=120), server_default="", nullable=False),
        sa.Column("description", sa.String(length=4000), server_default="", nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.func.current_timestamp(),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.func.current_timestamp(),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["tree_id"], ["trees.id"], name=op.f("fk_media_tree_id_trees"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_media")),
    )
    with op.batch_alter_table("media", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_media_tree_id_created_at_id"),
            ["tree_id", "created_at", "id"],
            unique=False,
        )

    op.create_table(
        "notes",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tree_id", sa.Uuid(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.func.current_timestamp(),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.func.current_timestamp(),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["tree_id"], ["trees.id"], name=op.f("fk_notes_tree_id_trees"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notes")),
    )
    with op.batch_alter_table("notes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_notes_tree_id_created_at_id"),
            ["tree_id", "created_at", "id"],
            unique=False,
        )

    op.create_table(
        "people",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tree_id", sa.Uuid(), nullable=False),
        sa.Column("sex", sa.String(length=16), server_default="unknown", nullable=False),
        sa.Column("living", sa.Boolean(), nullable=True),
        sa.Column("private", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("display_name", sa.String(length=600), server_default="", nullable=False),
        sa.Column("name_key", sa.String(length=600), server_default="", nullable=False),
        sa.Column("birth_text", sa.String(length=120), server_default="", nullable=False),
        sa.Column("birth_earliest", sa.Integer(), nullable=True),
        sa.Column("birth_latest", sa.Integer(), nullable=True),
        sa.Column("birth_sort", sa.Integer(), server_default="2147483647", nullable=False),
        sa.Column("death_text", sa.String(length=120), server_default="", nullable=False),
        sa.Column("death_earliest", sa.Integer(), nullable=True),
        sa.Column("death_latest", sa.Integer(), nullable=True),
        sa.Column("extra", sa.JSON(), nullable=True),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.func.current_timestamp(),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.func.current_timestamp(),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["tree_id"], ["trees.id"], name=op.f("fk_people_tree_id_trees"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_people")),
    )
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_people_tree_id_birth_sort_id"),
            ["tree_id", "birth_sort", "id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_people_tree_id_name_key_id"), ["tree_id", "name_key", "id"], unique=False
        )

    op.create_table(
        "places",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tree_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("type", sa.String(length=50), server_default="", nullable=False),
        sa.Column("parent_id", sa.Uuid(), nullable=True),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("alt_names", sa.JSON(), nullable=True),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.func.current_timestamp(),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.func.current_timestamp(),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["places.id"],
            name=op.f("fk_places_parent_id_places"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["tree_id"], ["trees.id"], name=op.f("fk_places_tree_id_trees"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_places")),
    )
    with op.batch_alter_table("places", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_places_parent_id"), ["parent_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_places_tree_id_name_id"), ["tree_id", "name", "id"], unique=False
        )

    op.create_table(
        "repositories",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tree_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("address", sa.String(length=1000), server_default="", nullable=False),
        sa.Column("url", sa.String(length=1000), server_default="", nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.func.current_timestamp(),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.func.current_timestamp(),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["tree_id"],
            ["trees.id"],
            name=op.f("fk_repositories_tree_id_trees"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_repositories")),
    )
    with op.batch_alter_table("repositories", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_repositories_tree_id_name_id"), ["tree_id", "name", "id"], unique=False
        )

    op.create_table(
        "families",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tree_id", sa.Uuid(), nullable=False),
        sa.Column("partner1_id", sa.Uuid(), nullable=True),
        sa.Column("partner2_id", sa.Uuid(), nullable=True),
        sa.Column("union_type", sa.String(length=16), server_default="unknown", nullable=False),
        sa.Column("extra", sa.JSON(), nullable=True),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.func.current_timestamp(),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.func.current_timestamp(),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["partner1_id"],
            ["people.id"],
            name=op.f("fk_families_partner1_id_people"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["partner2_id"],
            ["people.id"],
            name=op.f("fk_families_partner2_id_people"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["tree_id"], ["trees.id"], name=op.f("fk_families_tree_id_trees"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_families")),
    )
    with op.batch_alter_table("families", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_families_partner1_id"), ["partner1_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_families_partner2_id"), ["partner2_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_families_tree_id_created_at_id"),
            ["tree_id", "created_at", "id"],
            unique=False,
        )

    op.create_table(
        "media_links",
        sa.Column("media_id", sa.Uuid(), nullable=False),
        sa.Column("target_type", sa.String(length=16), nullable=False),
        sa.Column("target_id", sa.Uuid(), nullable=False),
        sa.Column("tree_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["media_id"],
            ["media.id"],
            name=op.f("fk_media_links_media_id_media"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tree_id"], ["trees.id"], name=op.f("fk_media_links_tree_id_trees"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint(
            "media_id", "target_type", "target_id", name=op.f("pk_media_links")
        ),
    )
    with op.batch_alter_table("media_links", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_media_links_target_type_target_id"),
            ["target_type", "target_id"],
            unique=False,
        )

    op.create_table(
        "name_search",
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("tree_id", sa.Uuid(), nullable=False),
        sa.Column("name_key", sa.String(length=600), nullable=False),
        sa.Column("birth_sort", sa.Integer(), nullable=False),
        sa.Column("birth_earliest", sa.Integer(), nullable=True),
        sa.Column("birth_latest", sa.Integer(), nullable=True),
        sa.Column("sex", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_name_search_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tree_id"], ["trees.id"], name=op.f("fk_name_search_tree_id_trees"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("person_id", "key", name=op.f("pk_name_search")),
    )
    with op.batch_alter_table("name_search", schema=None) as batch_op:
        batch_op.create_index(
            "ix_name_search_lookup",
            ["tree_id", "key", "birth_earliest", "birth_latest", "sex", "name_key", "birth_sort"],
            unique=False,
        )

    op.create_table(
        "names",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("tree_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), server_default="0", nullable=False),
        sa.Column("type", sa.String(length=16), server_default="birth", nullable=False),
        sa.Column("given", sa.String(length=200), server_default="", nullable=False),
        sa.Column("surname", sa.String(length=200), server_default="", nullable=False),
        sa.Column("prefix", sa.String(length=100), server_default="", nullable=False),
        sa.Column("suffix", sa.String(length=100), server_default="", nullable=False),
        sa.Column("nickname", sa.String(length=100), server_default="", nullable=False),
        sa.Column("title", sa.String(length=100), server_default="", nullable=False),
        sa.Column("given_key", sa.String(length=200), server_default="", nullable=False),
        sa.Column("surname_key", sa.String(length=200), server_default="", nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_names_person_id_people"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["tree_id"], ["trees.id"], name=op.f("fk_names_tree_id_trees"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_names")),
    )
    with op.batch_alter_table("names", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_names_person_id_position"), ["person_id", "position"], unique=False
        )

    op.create_table(
        "note_links",
        sa.Column("note_id", sa.Uuid(), nullable=False),
        sa.Column("target_type", sa.String(length=16), nullable=False),
        sa.Column("target_id", sa.Uuid(), nullable=False),
        sa.Column("tree_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["note_id"], ["notes.id"], name=op.f("fk_note_links_note_id_notes"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["tree_id"], ["trees.id"], name=op.f("fk_note_links_tree_id_trees"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("note_id", "target_type", "target_id", name=op.f("pk_note_links")),
    )
    with op.batch_alter_table("note_links", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_note_links_target_type_target_id"),
            ["target_type", "target_id"],
            unique=False,
        )

    op.create_table(
        "sources",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tree_id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("author", sa.String(length=300), server_default="", nullable=False),
        sa.Column("publication", sa.String(length=1000), server_default="", nullable=False),
        sa.Column("abbreviation", sa.String(length=100), server_default="", nullable=False),
        sa.Column("repository_id", sa.Uuid(), nullable=True),
        sa.Column("call_number", sa.String(length=100), server_default="", nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.func.current_timestamp(),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.func.current_timestamp(),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["repository_id"],
            ["repositories.id"],
            name=op.f("fk_sources_repository_id_repositories"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["tree_id"], ["trees.id"], name=op.f("fk_sources_tree_id_trees"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sources")),
    )
    with op.batch_alter_table("sources", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sources_repository_id"), ["repository_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_sources_tree_id_title_id"), ["tree_id", "title", "id"], unique=False
        )

    op.create_table(
        "citations",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tree_id", sa.Uuid(), nullable=False),
        sa.Column("source_id", sa.Uuid(), nullable=False),
        sa.Column("page", sa.String(length=500), server_default="", nullable=False),
        sa.Column("quality", sa.SmallInteger(), nullable=True),
        sa.Column("date_text", sa.String(length=120), server_default="", nullable=False),
        sa.Column("text", sa.String(length=4000), server_default="", nullable=False),
        sa.Column("target_type", sa.String(length=16), nullable=False),
        sa.Column("target_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.func.current_timestamp(),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.func.current_timestamp(),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["sources.id"],
            name=op.f("fk_citations_source_id_sources"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tree_id"], ["trees.id"], name=op.f("fk_citations_tree_id_trees"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_citations")),
    )
    with op.batch_alter_table("citations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_citations_source_id"), ["source_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_citations_target_type_target_id"),
            ["target_type", "target_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_citations_tree_id_created_at_id"),
            ["tree_id", "created_at", "id"],
            unique=False,
        )

    op.create_table(
        "events",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tree_id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=True),
        sa.Column("family_id", sa.Uuid(), nullable=True),
        sa.Column("type", sa.String(length=40), nullable=False),
        sa.Column("label", sa.String(length=120), server_default="", nullable=False),
        sa.Column("date_text", sa.String(length=120), server_default="", nullable=False),
        sa.Column("date_earliest", sa.Integer(), nullable=True),
        sa.Column("date_latest", sa.Integer(), nullable=True),
        sa.Column("place_id", sa.Uuid(), nullable=True),
        sa.Column("description", sa.String(length=1000), server_default="", nullable=False),
        sa.Column("value", sa.String(length=1000), server_default="", nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.func.current_timestamp(),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.func.current_timestamp(),
            nullable=False,
        ),
        sa.CheckConstraint(
            "(person_id IS NULL) <> (family_id IS NULL)", name=op.f("ck_events_one_owner")
        ),
        sa.ForeignKeyConstraint(
            ["family_id"],
            ["families.id"],
            name=op.f("fk_events_family_id_families"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_events_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["place_id"], ["places.id"], name=op.f("fk_events_place_id_places"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["tree_id"], ["trees.id"], name=op.f("fk_events_tree_id_trees"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_events")),
    )
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_events_family_id"), ["family_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_events_person_id"), ["person_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_events_place_id"), ["place_id"], unique=False)

    op.create_table(
        "family_children",
        sa.Column("family_id", sa.Uuid(), nullable=False),
        sa.Column("child_id", sa.Uuid(), nullable=False),
        sa.Column("tree_id", sa.Uuid(), nullable=False),
        sa.Column("pedigree", sa.String(length=16), server_default="birth", nullable=False),
        sa.Column("position", sa.Integer(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(
            ["child_id"],
            ["people.id"],
            name=op.f("fk_family_children_child_id_people"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["family_id"],
            ["families.id"],
            name=op.f("fk_family_children_family_id_families"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tree_id"],
            ["trees.id"],
            name=op.f("fk_family_children_tree_id_trees"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("family_id", "child_id", name=op.f("pk_family_children")),
    )
    with op.batch_alter_table("family_children", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_family_children_child_id"), ["child_id"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("family_children", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_family_children_child_id"))

    op.drop_table("family_children")
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_events_place_id"))
        batch_op.drop_index(batch_op.f("ix_events_person_id"))
        batch_op.drop_index(batch_op.f("ix_events_family_id"))

    op.drop_table("events")
    with op.batch_alter_table("citations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_citations_tree_id_created_at_id"))
        batch_op.drop_index(batch_op.f("ix_citations_target_type_target_id"))
        batch_op.drop_index(batch_op.f("ix_citations_source_id"))

    op.drop_table("citations")
    with op.batch_alter_table("sources", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sources_tree_id_title_id"))
        batch_op.drop_index(batch_op.f("ix_sources_repository_id"))

    op.drop_table("sources")
    with op.batch_alter_table("note_links", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_note_links_target_type_target_id"))

    op.drop_table("note_links")
    with op.batch_alter_table("names", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_names_person_id_position"))

    op.drop_table("names")
    with op.batch_alter_table("name_search", schema=None) as batch_op:
        batch_op.drop_index("ix_name_search_lookup")

    op.drop_table("name_search")
    with op.batch_alter_table("media_links", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_media_links_target_type_target_id"))

    op.drop_table("media_links")
    with op.batch_alter_table("families", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_families_tree_id_created_at_id"))
        batch_op.drop_index(batch_op.f("ix_families_partner2_id"))
        batch_op.drop_index(batch_op.f("ix_families_partner1_id"))

    op.drop_table("families")
    with op.batch_alter_table("repositories", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_repositories_tree_id_name_id"))

    op.drop_table("repositories")
    with op.batch_alter_table("places", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_places_tree_id_name_id"))
        batch_op.drop_index(batch_op.f("ix_places_parent_id"))

    op.drop_table("places")
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_people_tree_id_name_key_id"))
        batch_op.drop_index(batch_op.f("ix_people_tree_id_birth_sort_id"))

    op.drop_table("people")
    with op.batch_alter_table("notes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notes_tree_id_created_at_id"))

    op.drop_table("notes")
    with op.batch_alter_table("media", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_media_tree_id_created_at_id"))

    op.drop_table("media")
    with op.batch_alter_table("external_ids", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_external_ids_tree_id_kind_value"))
        batch_op.drop_index(batch_op.f("ix_external_ids_target_type_target_id"))

    op.drop_table("external_ids")
    with op.batch_alter_table("trees", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_trees_visibility"))
        batch_op.drop_index(batch_op.f("ix_trees_owner_id"))
        batch_op.drop_index(batch_op.f("ix_trees_name_id"))

    op.drop_table("trees")
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_tokens_user_id"))

    op.drop_table("api_tokens")
    op.drop_table("users")
