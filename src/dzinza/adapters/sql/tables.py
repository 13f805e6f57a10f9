"""The relational schema, shared by SQLite and PostgreSQL. Alembic migrations must match it
(tests/contract/test_migrations.py proves they do).

Every genealogy record carries ``tree_id`` so that a tree is one indexed slice of each table, and a
``version`` counter bumped on every write. People carry a denormalised summary (display name, sort
key, birth and death ranges) refreshed by the services on each change, so that lists and filters
never join names and events.
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

UTC_NOW = sa.func.current_timestamp()


def _id() -> sa.Column[object]:
    return sa.Column("id", sa.Uuid(), primary_key=True)


def _tree_fk() -> sa.Column[object]:
    return sa.Column(
        "tree_id", sa.Uuid(), sa.ForeignKey("trees.id", ondelete="CASCADE"), nullable=False
    )


def _stamps() -> list[sa.Column[object]]:
    return [
        sa.Column("version", sa.Integer(), nullable=False, server_default="1"),
        # Who added the record: a contributor may change only what they added. No foreign key:
        # the id outlives an erased account and then points at nobody.
        sa.Column("created_by", sa.Uuid()),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=UTC_NOW),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=UTC_NOW),
    ]


def _gedcom() -> sa.Column[object]:
    # What a GEDCOM import held that the columns do not (see dzinza.gedcom.residual).
    return sa.Column("gedcom", sa.JSON(none_as_null=True))


def _text(name: str, length: int = 500) -> sa.Column[object]:
    return sa.Column(name, sa.String(length), nullable=False, server_default="")


users = sa.Table(
    "users",
    metadata,
    _id(),
    sa.Column("email", sa.String(320), nullable=False, unique=True),
    sa.Column("password_hash", sa.String(200), nullable=False),
    sa.Column("is_admin", sa.Boolean(), nullable=False, server_default=sa.false()),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=UTC_NOW),
    sa.Column("terms_version", sa.String(20)),
    sa.Column("terms_accepted_at", sa.DateTime(timezone=True)),
    sa.Column("email_verified_at", sa.DateTime(timezone=True)),
    # Base32 TOTP secret; two-factor sign-in is on once totp_enabled_at is set.
    sa.Column("totp_secret", sa.String(64)),
    sa.Column("totp_enabled_at", sa.DateTime(timezone=True)),
    # Account deletion: requested, then erased when the grace period ends.
    sa.Column("deletion_requested_at", sa.DateTime(timezone=True)),
    sa.Column("deletion_due_at", sa.DateTime(timezone=True)),
    sa.Column("deletion_plan", sa.JSON()),
    # The web app's language for this user (en, sn, nd); NULL: follow the browser.
    sa.Column("language", sa.String(8)),
)

api_tokens = sa.Table(
    "api_tokens",
    metadata,
    _id(),
    sa.Column("user_id", sa.Uuid(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=UTC_NOW),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("family_id", sa.Uuid()),
    # 'access' (short-lived, from a sign-in), 'personal' (named, scoped) or 'session' (web cookie).
    sa.Column("kind", sa.String(16), nullable=False, server_default="access"),
    sa.Column("name", sa.String(100), nullable=False, server_default=""),
    # Space-separated scopes of a personal token; empty means everything the user may do.
    sa.Column("scopes", sa.String(200), nullable=False, server_default=""),
    sa.Column("last_used_at", sa.DateTime(timezone=True)),
    sa.Index(None, "user_id"),
    sa.Index(None, "family_id"),
)
"""Bearer and cookie tokens, stored as hashes (``family_id`` ties one to the sign-in it came
from)."""

refresh_tokens = sa.Table(
    "refresh_tokens",
    metadata,
    _id(),
    sa.Column("user_id", sa.Uuid(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    sa.Column("family_id", sa.Uuid(), nullable=False),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=UTC_NOW),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("used_at", sa.DateTime(timezone=True)),
    sa.Column("revoked_at", sa.DateTime(timezone=True)),
    sa.Index(None, "user_id"),
    sa.Index(None, "family_id"),
)
"""Rotating refresh tokens: each is used once; presenting a used one revokes its whole family."""

rate_counters = sa.Table(
    "rate_counters",
    metadata,
    sa.Column("key", sa.String(300), primary_key=True),
    sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
    sa.Column("count", sa.Integer(), nullable=False),
    sa.Column("blocked_until", sa.DateTime(timezone=True)),
)
"""Counters for rate limits and sign-in back-off, shared by every replica through the database."""

trees = sa.Table(
    "trees",
    metadata,
    _id(),
    sa.Column("name", sa.String(200), nullable=False),
    _text("description", 4000),
    sa.Column("visibility", sa.String(16), nullable=False, server_default="private"),
    sa.Column("owner_id", sa.Uuid(), sa.ForeignKey("users.id", ondelete="SET NULL")),
    # The person the tree opens on (its "home person"); NULL: none chosen, or deleted since.
    # use_alter: people point at trees too, and this edge must not make the tables a cycle
    # that SQLAlchemy cannot sort.
    sa.Column(
        "home_person_id",
        sa.Uuid(),
        sa.ForeignKey("people.id", ondelete="SET NULL", use_alter=True),
    ),
    *_stamps(),
    sa.Index(None, "name", "id"),
    sa.Index(None, "owner_id"),
    sa.Index(None, "visibility"),
    sa.Index(None, "home_person_id"),
)

people = sa.Table(
    "people",
    metadata,
    _id(),
    _tree_fk(),
    sa.Column("sex", sa.String(16), nullable=False, server_default="unknown"),
    # What the user says (true, false), or null: inferred (see adapters/sql/privacy.py).
    sa.Column("living", sa.Boolean()),
    sa.Column("private", sa.Boolean(), nullable=False, server_default=sa.false()),
    # GEDCOM RESN: '', 'confidential', 'locked' or 'privacy'.
    sa.Column("restriction", sa.String(16), nullable=False, server_default=""),
    # A death, burial or cremation is recorded (with or without a date).
    sa.Column("has_death", sa.Boolean(), nullable=False, server_default=sa.false()),
    # The latest day (Julian Day Number) by which the person was surely born, from their own
    # and their relatives' births; living is inferred by comparing it with today - 110 years.
    sa.Column("evidence_day", sa.Integer()),
    sa.Column("display_name", sa.String(600), nullable=False, server_default=""),
    sa.Column("name_key", sa.String(600), nullable=False, server_default=""),
    _text("birth_text", 120),
    sa.Column("birth_earliest", sa.Integer()),
    sa.Column("birth_latest", sa.Integer()),
    sa.Column("birth_sort", sa.Integer(), nullable=False, server_default="2147483647"),
    _text("death_text", 120),
    sa.Column("death_earliest", sa.Integer()),
    sa.Column("death_latest", sa.Integer()),
    sa.Column("extra", sa.JSON()),
    _gedcom(),
    *_stamps(),
    sa.Index(None, "tree_id", "name_key", "id"),
    sa.Index(None, "tree_id", "birth_sort", "id"),
)

names = sa.Table(
    "names",
    metadata,
    _id(),
    sa.Column(
        "person_id", sa.Uuid(), sa.ForeignKey("people.id", ondelete="CASCADE"), nullable=False
    ),
    _tree_fk(),
    sa.Column("position", sa.Integer(), nullable=False, server_default="0"),
    sa.Column("type", sa.String(16), nullable=False, server_default="birth"),
    _text("given", 200),
    _text("surname", 200),
    _text("prefix", 100),
    _text("suffix", 100),
    _text("nickname", 100),
    _text("title", 100),
    _text("given_key", 200),
    _text("surname_key", 200),
    _gedcom(),
    sa.Index(None, "person_id", "position"),
)

name_search = sa.Table(
    "name_search",
    metadata,
    sa.Column(
        "person_id", sa.Uuid(), sa.ForeignKey("people.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column("key", sa.String(200), primary_key=True),
    _tree_fk(),
    sa.Column("name_key", sa.String(600), nullable=False),
    sa.Column("birth_sort", sa.Integer(), nullable=False),
    sa.Column("birth_earliest", sa.Integer()),
    sa.Column("birth_latest", sa.Integer()),
    sa.Column("sex", sa.String(16), nullable=False),
    # A name prefix is one range of this index, with the birth and sort columns inside it, so a
    # filtered page is read from the index alone whatever the tree's size.
    # (Named by hand: the conventional name is longer than PostgreSQL's 63-character limit.)
    sa.Index(
        "ix_name_search_lookup",
        "tree_id",
        "key",
        "birth_earliest",
        "birth_latest",
        "sex",
        "name_key",
        "birth_sort",
    ),
)
"""One row per person per folded name word (every given name and surname, whole and by word),
with the person's sort keys and birth range: what the list's name filter reads."""

places = sa.Table(
    "places",
    metadata,
    _id(),
    _tree_fk(),
    sa.Column("name", sa.String(300), nullable=False),
    _text("type", 50),
    sa.Column("parent_id", sa.Uuid(), sa.ForeignKey("places.id", ondelete="SET NULL")),
    sa.Column("latitude", sa.Float()),
    sa.Column("longitude", sa.Float()),
    sa.Column("alt_names", sa.JSON()),
    *_stamps(),
    sa.Index(None, "tree_id", "name", "id"),
    sa.Index(None, "parent_id"),
)

families = sa.Table(
    "families",
    metadata,
    _id(),
    _tree_fk(),
    sa.Column("partner1_id", sa.Uuid(), sa.ForeignKey("people.id", ondelete="SET NULL")),
    sa.Column("partner2_id", sa.Uuid(), sa.ForeignKey("people.id", ondelete="SET NULL")),
    sa.Column("union_type", sa.String(16), nullable=False, server_default="unknown"),
    sa.Column("extra", sa.JSON()),
    _gedcom(),
    *_stamps(),
    sa.Index(None, "tree_id", "created_at", "id"),
    sa.Index(None, "partner1_id"),
    sa.Index(None, "partner2_id"),
)

family_children = sa.Table(
    "family_children",
    metadata,
    sa.Column(
        "family_id",
        sa.Uuid(),
        sa.ForeignKey("families.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column(
        "child_id", sa.Uuid(), sa.ForeignKey("people.id", ondelete="CASCADE"), primary_key=True
    ),
    _tree_fk(),
    sa.Column("pedigree", sa.String(16), nullable=False, server_default="birth"),
    sa.Column("position", sa.Integer(), nullable=False, server_default="0"),
    _gedcom(),
    sa.Index(None, "child_id"),
)

events = sa.Table(
    "events",
    metadata,
    _id(),
    _tree_fk(),
    sa.Column("person_id", sa.Uuid(), sa.ForeignKey("people.id", ondelete="CASCADE")),
    sa.Column("family_id", sa.Uuid(), sa.ForeignKey("families.id", ondelete="CASCADE")),
    sa.Column("type", sa.String(40), nullable=False),
    _text("label", 120),
    _text("date_text", 120),
    sa.Column("date_earliest", sa.Integer()),
    sa.Column("date_latest", sa.Integer()),
    sa.Column("place_id", sa.Uuid(), sa.ForeignKey("places.id", ondelete="SET NULL")),
    _text("description", 1000),
    _text("value", 1000),
    sa.Column("position", sa.Integer(), nullable=False, server_default="0"),
    _gedcom(),
    *_stamps(),
    sa.CheckConstraint("(person_id IS NULL) <> (family_id IS NULL)", name="one_owner"),
    sa.Index(None, "person_id"),
    sa.Index(None, "family_id"),
    sa.Index(None, "place_id"),
)

repositories = sa.Table(
    "repositories",
    metadata,
    _id(),
    _tree_fk(),
    sa.Column("name", sa.String(300), nullable=False),
    _text("address", 1000),
    _text("url", 1000),
    _gedcom(),
    *_stamps(),
    sa.Index(None, "tree_id", "name", "id"),
)

sources = sa.Table(
    "sources",
    metadata,
    _id(),
    _tree_fk(),
    sa.Column("title", sa.String(500), nullable=False),
    _text("author", 300),
    _text("publication", 1000),
    _text("abbreviation", 100),
    sa.Column("repository_id", sa.Uuid(), sa.ForeignKey("repositories.id", ondelete="SET NULL")),
    _text("call_number", 100),
    _gedcom(),
    *_stamps(),
    sa.Index(None, "tree_id", "title", "id"),
    sa.Index(None, "repository_id"),
)

citations = sa.Table(
    "citations",
    metadata,
    _id(),
    _tree_fk(),
    sa.Column(
        "source_id", sa.Uuid(), sa.ForeignKey("sources.id", ondelete="CASCADE"), nullable=False
    ),
    _text("page", 500),
    sa.Column("quality", sa.SmallInteger()),
    _text("date_text", 120),
    _text("text", 4000),
    sa.Column("target_type", sa.String(16), nullable=False),
    sa.Column("target_id", sa.Uuid(), nullable=False),
    sa.Column("position", sa.Integer(), nullable=False, server_default="0"),
    _gedcom(),
    *_stamps(),
    sa.Index(None, "target_type", "target_id"),
    sa.Index(None, "source_id"),
    sa.Index(None, "tree_id", "created_at", "id"),
)

notes = sa.Table(
    "notes",
    metadata,
    _id(),
    _tree_fk(),
    sa.Column("text", sa.Text(), nullable=False),
    # False for a note written inside one record (GEDCOM NOTE), true for a shared one (SNOTE).
    sa.Column("shared", sa.Boolean(), nullable=False, server_default=sa.true()),
    _gedcom(),
    *_stamps(),
    sa.Index(None, "tree_id", "created_at", "id"),
)

note_links = sa.Table(
    "note_links",
    metadata,
    sa.Column(
        "note_id", sa.Uuid(), sa.ForeignKey("notes.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column("target_type", sa.String(16), primary_key=True),
    sa.Column("target_id", sa.Uuid(), primary_key=True),
    _tree_fk(),
    sa.Column("position", sa.Integer(), nullable=False, server_default="0"),
    sa.Index(None, "target_type", "target_id"),
)

media = sa.Table(
    "media",
    metadata,
    _id(),
    _tree_fk(),
    _text("title", 300),
    _text("file", 1000),
    _text("mime_type", 100),
    _text("date_text", 120),
    _text("description", 4000),
    _gedcom(),
    *_stamps(),
    # The stored file (services/media.py): none for a reference to a file kept elsewhere (a
    # GEDCOM FILE path or URL), else its SHA-256, which names its blob (originals/ab/<sha256>).
    sa.Column("sha256", sa.String(64)),
    sa.Column("size", sa.BigInteger()),
    _text("kind", 16),  # image, document, audio or video (from the content, not the name)
    _text("original_name", 255),
    # '' (no stored file), processing (being scanned, derivatives being made), ready, or
    # rejected (``problem`` says why); only a ready file is served.
    _text("status", 16),
    _text("problem", 500),
    sa.Column("width", sa.Integer()),
    sa.Column("height", sa.Integer()),
    sa.Column("pages", sa.Integer()),
    # Read from the file's EXIF: shown to the tree's members only, never put in a derivative.
    sa.Column("taken_at", sa.String(32)),
    sa.Column("latitude", sa.Float()),
    sa.Column("longitude", sa.Float()),
    sa.Column("camera", sa.String(200)),
    # {"small": {"key", "width", "height", "mime"}, ...}: thumbnails and a PDF's preview.
    sa.Column("derivatives", sa.JSON(none_as_null=True)),
    sa.Index(None, "tree_id", "created_at", "id"),
    sa.Index(None, "tree_id", "sha256"),
    sa.Index(None, "sha256"),
)

media_links = sa.Table(
    "media_links",
    metadata,
    sa.Column(
        "media_id", sa.Uuid(), sa.ForeignKey("media.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column("target_type", sa.String(16), primary_key=True),
    sa.Column("target_id", sa.Uuid(), primary_key=True),
    _tree_fk(),
    sa.Column("position", sa.Integer(), nullable=False, server_default="0"),
    _gedcom(),
    # The person's primary photo (at most one link per person has it).
    sa.Column("is_primary", sa.Boolean(), nullable=False, server_default=sa.false()),
    sa.Index(None, "target_type", "target_id"),
)

media_tags = sa.Table(
    "media_tags",
    metadata,
    _id(),
    _tree_fk(),
    sa.Column("media_id", sa.Uuid(), sa.ForeignKey("media.id", ondelete="CASCADE"), nullable=False),
    sa.Column(
        "person_id", sa.Uuid(), sa.ForeignKey("people.id", ondelete="CASCADE"), nullable=False
    ),
    # The region of the photo, as fractions of its displayed width and height (0..1).
    sa.Column("x", sa.Float(), nullable=False),
    sa.Column("y", sa.Float(), nullable=False),
    sa.Column("w", sa.Float(), nullable=False),
    sa.Column("h", sa.Float(), nullable=False),
    sa.Column("created_by", sa.Uuid()),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=UTC_NOW),
    sa.UniqueConstraint("media_id", "person_id"),
    sa.Index(None, "person_id"),
)
"""People shown on a photo, each on a region of it."""

media_uploads = sa.Table(
    "media_uploads",
    metadata,
    _id(),
    _tree_fk(),
    sa.Column("user_id", sa.Uuid(), nullable=False),
    sa.Column("filename", sa.String(255), nullable=False),
    sa.Column("content_type", sa.String(100), nullable=False),
    sa.Column("size", sa.BigInteger(), nullable=False),
    sa.Column("blob_key", sa.String(300), nullable=False),
    sa.Column("multipart_id", sa.String(1000)),
    sa.Column("part_bytes", sa.BigInteger(), nullable=False),
    sa.Column("details", sa.JSON(), nullable=False),  # title, description, date, targets
    sa.Column("status", sa.String(16), nullable=False, server_default="open"),
    sa.Column("media_id", sa.Uuid()),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=UTC_NOW),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    sa.Index(None, "status", "expires_at"),
)
"""Direct uploads in progress: the client sends the bytes to signed URLs (S3 itself, or the
local folder's own), in parts for large files, then asks for the upload to be completed."""

blob_orphans = sa.Table(
    "blob_orphans",
    metadata,
    sa.Column("sha256", sa.String(64), primary_key=True),
    sa.Column("since", sa.DateTime(timezone=True), nullable=False),
    sa.Index(None, "since"),
)
"""Contents (by SHA-256) no media item holds any more. Their blobs (the original and its
derivatives) are deleted after a grace period, so that an undo can bring the item back
meanwhile; an upload of the same content takes it off this list."""

external_ids = sa.Table(
    "external_ids",
    metadata,
    _id(),
    _tree_fk(),
    sa.Column("target_type", sa.String(16), nullable=False),
    sa.Column("target_id", sa.Uuid(), nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("value", sa.String(200), nullable=False),
    sa.Index(None, "tree_id", "kind", "value"),
    sa.Index(None, "target_type", "target_id"),
    # Export looks up each record's xref by its id alone.
    sa.Index(None, "target_id", "kind"),
)

gedcom_records = sa.Table(
    "gedcom_records",
    metadata,
    _id(),
    _tree_fk(),
    sa.Column("tag", sa.String(40), nullable=False),
    sa.Column("xref", sa.String(40), nullable=False, server_default=""),
    sa.Column("position", sa.Integer(), nullable=False, server_default="0"),
    sa.Column("data", sa.JSON(), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=UTC_NOW),
    sa.Index(None, "tree_id", "tag", "position"),
)
"""GEDCOM records the model has no table for (submitters, extension records, the header's
extras), kept whole so that export writes them again."""

LINK_TABLES = (citations, note_links, media_links, external_ids)
"""Tables that point at records by (target_type, target_id); cleaned up by the services on delete."""


# -- membership ---------------------------------------------------------------------------------
tree_members = sa.Table(
    "tree_members",
    metadata,
    sa.Column(
        "tree_id", sa.Uuid(), sa.ForeignKey("trees.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column(
        "user_id", sa.Uuid(), sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column("role", sa.String(16), nullable=False),
    # The member's own person in the tree, and an optional branch limit around them.
    sa.Column("person_id", sa.Uuid(), sa.ForeignKey("people.id", ondelete="SET NULL")),
    sa.Column("branch_steps", sa.Integer()),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=UTC_NOW),
    sa.Column("version", sa.Integer(), nullable=False, server_default="1"),
    sa.Index(None, "user_id"),
)
"""Who else may use a tree, and how (the owner is ``trees.owner_id``, not a row here)."""

invitations = sa.Table(
    "invitations",
    metadata,
    _id(),
    _tree_fk(),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("email", sa.String(320)),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("person_id", sa.Uuid(), sa.ForeignKey("people.id", ondelete="SET NULL")),
    sa.Column("branch_steps", sa.Integer()),
    sa.Column("invited_by", sa.Uuid(), sa.ForeignKey("users.id", ondelete="SET NULL")),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=UTC_NOW),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("status", sa.String(16), nullable=False, server_default="pending"),
    sa.Column("answered_by", sa.Uuid(), sa.ForeignKey("users.id", ondelete="SET NULL")),
    sa.Column("answered_at", sa.DateTime(timezone=True)),
    sa.Index(None, "tree_id", "created_at", "id"),
)
"""Invitations by link (no email) or to an email address: pending until accepted, declined,
revoked or expired."""

# -- account security ---------------------------------------------------------------------------
one_time_tokens = sa.Table(
    "one_time_tokens",
    metadata,
    _id(),
    sa.Column("user_id", sa.Uuid(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    # 'verify_email', 'reset_password', 'change_email' or 'mfa_challenge'.
    sa.Column("purpose", sa.String(20), nullable=False),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("new_email", sa.String(320)),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=UTC_NOW),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("used_at", sa.DateTime(timezone=True)),
    sa.Index(None, "user_id", "purpose"),
)
"""Links sent by email (verification, reset, email change) and two-factor sign-in challenges."""

recovery_codes = sa.Table(
    "recovery_codes",
    metadata,
    _id(),
    sa.Column("user_id", sa.Uuid(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    sa.Column("code_hash", sa.String(64), nullable=False),
    sa.Column("used_at", sa.DateTime(timezone=True)),
    sa.Index(None, "user_id"),
)
"""Two-factor recovery codes, each usable once."""

consents = sa.Table(
    "consents",
    metadata,
    _id(),
    sa.Column("user_id", sa.Uuid(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    # 'terms' or 'privacy'.
    sa.Column("document", sa.String(20), nullable=False),
    sa.Column("version", sa.String(20), nullable=False),
    sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=False, server_default=UTC_NOW),
    # 'registration' (agreed to when signing up) or 'consent' (agreed to later).
    sa.Column("via", sa.String(16), nullable=False, server_default="consent"),
    sa.Index(None, "user_id", "document"),
)
"""Every consent a user gave, with the version of the document they agreed to."""

# -- change history and audit -------------------------------------------------------------------
changes = sa.Table(
    "changes",
    metadata,
    _id(),
    _tree_fk(),
    sa.Column("user_id", sa.Uuid()),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=UTC_NOW),
    sa.Column("action", sa.String(60), nullable=False),
    _text("reason", 500),
    sa.Column("undo_of", sa.Uuid()),
    sa.Column("undone_by", sa.Uuid()),
    sa.Index(None, "tree_id", "created_at", "id"),
    sa.Index(None, "user_id", "created_at"),  # a user's own changes (GDPR export)
)
"""One write (one transaction) on a tree: who, when, what for."""

change_items = sa.Table(
    "change_items",
    metadata,
    _id(),
    sa.Column(
        "change_id", sa.Uuid(), sa.ForeignKey("changes.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("position", sa.Integer(), nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("record_id", sa.Uuid(), nullable=False),
    # The person the item belongs to (their names, events...), for a person's history.
    sa.Column("person_id", sa.Uuid()),
    # 'insert', 'update' or 'delete'.
    sa.Column("op", sa.String(8), nullable=False),
    sa.Column("before", sa.JSON()),
    sa.Column("after", sa.JSON()),
    sa.Index(None, "change_id", "position"),
    sa.Index(None, "record_id"),
    sa.Index(None, "person_id"),
)
"""Each record a change touched, before and after."""

audit_log = sa.Table(
    "audit_log",
    metadata,
    sa.Column("seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("actor_id", sa.Uuid()),
    sa.Column("action", sa.String(60), nullable=False),
    sa.Column("tree_id", sa.Uuid()),
    sa.Column("target_type", sa.String(16), nullable=False, server_default=""),
    sa.Column("target_id", sa.Uuid()),
    sa.Column("ip", sa.String(64), nullable=False, server_default=""),
    sa.Column("detail", sa.JSON()),
    sa.Column("prev_hash", sa.String(64), nullable=False),
    sa.Column("hash", sa.String(64), nullable=False),
    sa.Index(None, "actor_id"),
    sa.Index(None, "tree_id"),
)
"""Security events, append-only: each entry's hash covers its content and the previous hash."""

# -- background jobs ----------------------------------------------------------------------------
jobs = sa.Table(
    "jobs",
    metadata,
    _id(),
    sa.Column("kind", sa.String(60), nullable=False),
    # 'queued', 'running', 'succeeded', 'failed' or 'cancelled'.
    sa.Column("status", sa.String(16), nullable=False, server_default="queued"),
    # Who started it. No foreign key: the command line starts jobs as the system actor, which
    # has no account, and a job's record outlives an erased account (like changes.user_id).
    sa.Column("user_id", sa.Uuid()),
    sa.Column("tree_id", sa.Uuid(), sa.ForeignKey("trees.id", ondelete="CASCADE")),
    sa.Column("params", sa.JSON()),
    sa.Column("done", sa.Integer(), nullable=False, server_default="0"),
    sa.Column("total", sa.Integer()),
    _text("message", 500),
    sa.Column("result", sa.JSON()),
    # Problem-like: title, status, detail (and errors); never a traceback.
    sa.Column("error", sa.JSON()),
    sa.Column("cancel_requested", sa.Boolean(), nullable=False, server_default=sa.false()),
    # How many times a runner has started it: the fencing token of the current run (a stale
    # runner's writes name an older attempt and change nothing), and the bound on resuming a job
    # that keeps taking its process down.
    sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
    # The W3C traceparent of the request that started it: its run continues that trace.
    sa.Column("trace_parent", sa.String(64)),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=UTC_NOW),
    sa.Column("started_at", sa.DateTime(timezone=True)),
    sa.Column("finished_at", sa.DateTime(timezone=True)),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=UTC_NOW),
    sa.Index(None, "user_id", "created_at"),
    sa.Index(None, "status", "created_at"),
    sa.Index(None, "tree_id"),  # the cascade when a tree is deleted
)
"""Background work (GEDCOM import and export) with its progress, result or error."""

search_docs = sa.Table(
    "search_docs",
    metadata,
    # An integer key: SQLite's full-text table (search_fts, made by migration 0006) addresses
    # its rows by integer, and a table's implicit rowid may change on VACUUM.
    sa.Column(
        "doc_id",
        sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
        primary_key=True,
        autoincrement=True,
    ),
    sa.Column(
        "person_id",
        sa.Uuid(),
        sa.ForeignKey("people.id", ondelete="CASCADE"),
        nullable=False,
        unique=True,
    ),
    _tree_fk(),
    sa.Column("display_name", sa.String(600), nullable=False),
    sa.Column("name_key", sa.String(600), nullable=False),
    sa.Column("sex", sa.String(16), nullable=False),
    sa.Column("names", sa.Text(), nullable=False),
    sa.Column("exact", sa.Text(), nullable=False),
    sa.Column("variant", sa.Text(), nullable=False),
    sa.Column("phonetic", sa.Text(), nullable=False),
    sa.Column("fuzzy", sa.Text(), nullable=False),
    sa.Column("filters", sa.Text(), nullable=False),
    sa.Column("text", sa.Text(), nullable=False),
    _text("surname", 200),
    _text("region", 300),
    sa.Column("birth_from", sa.Integer()),
    sa.Column("birth_to", sa.Integer()),
    sa.Column("death_from", sa.Integer()),
    sa.Column("death_to", sa.Integer()),
    sa.Column("century", sa.Integer()),
    sa.Column("indexed_at", sa.DateTime(timezone=True), nullable=False, server_default=UTC_NOW),
    sa.Index(None, "tree_id", "name_key"),
)
"""The SQL search index: one row per person (ports.SearchDoc, without the privacy inputs, which
the queries read from ``people`` itself). Matching runs on SQLite's FTS5 table ``search_fts`` and
on PostgreSQL's generated ``tsv`` column, both made by migration 0006 outside this metadata."""

search_outbox = sa.Table(
    "search_outbox",
    metadata,
    sa.Column(
        "id",
        sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
        primary_key=True,
        autoincrement=True,
    ),
    # No foreign key: the entry that says "this tree is gone, drop its documents" outlives it.
    sa.Column("tree_id", sa.Uuid(), nullable=False),
    # 'person' (reindex the person and their relatives), 'tree' (every person of the tree,
    # or drop the tree's documents if it is gone), or the kind of record whose change reaches
    # people through links: 'place', 'note', 'source', 'citation', 'family', 'event'.
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("record_id", sa.Uuid(), nullable=False),
    sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=UTC_NOW),
    sa.Column("available_at", sa.DateTime(timezone=True), nullable=False, server_default=UTC_NOW),
    sa.Column("last_error", sa.String(500), nullable=False, server_default=""),
    sa.Index(None, "available_at", "id"),
)
"""The search index's transactional outbox: written in the transaction of every change that
alters what a person's search document holds, drained by the indexer (services/search.py)."""

duplicate_pairs = sa.Table(
    "duplicate_pairs",
    metadata,
    _id(),
    _tree_fk(),
    # The pair in a fixed order (person_a < person_b), so it is one row whoever found it; a
    # merge deletes one of them and the pair with it.
    sa.Column(
        "person_a", sa.Uuid(), sa.ForeignKey("people.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column(
        "person_b", sa.Uuid(), sa.ForeignKey("people.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("score", sa.Float(), nullable=False),
    # Why they look alike (names, dates, places, relatives), as the review queue shows it.
    sa.Column("reasons", sa.JSON()),
    # 'open' (in the review queue) or 'dismissed' ("not a match": never suggested again).
    sa.Column("status", sa.String(16), nullable=False, server_default="open"),
    sa.Column("found_at", sa.DateTime(timezone=True), nullable=False, server_default=UTC_NOW),
    sa.Column("decided_by", sa.Uuid()),
    sa.Column("decided_at", sa.DateTime(timezone=True)),
    sa.UniqueConstraint("person_a", "person_b"),
    sa.Index(None, "tree_id", "status", "score"),
    sa.Index(None, "person_b"),
)
"""Suspected duplicates of a tree: the review queue, and the pairs said not to match."""
