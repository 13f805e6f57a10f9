"""Media files in the SQL store: de-duplication by content, the tree's storage use, tags and
primary photos, direct uploads that expired, and the blobs waiting to be deleted. Mixed into
``SqlSession``.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from dzinza.adapters.sql import tables as t
from dzinza.ports import Row


class MediaQueries:
    conn: sa.Connection

    # Provided by HistoryQueries, which files what these writes change.
    def _before_write(self, table: sa.Table, where: sa.ColumnElement[bool], **kw: Any) -> None:
        raise NotImplementedError

    def _inserted(self, table: sa.Table, rows: Sequence[dict[str, Any]]) -> None:
        raise NotImplementedError

    # -- content and quota -------------------------------------------------------------------
    def media_with_sha(self, tree_id: uuid.UUID, sha256: str) -> Row | None:
        """The tree's media item holding this content already (uploads are de-duplicated)."""
        m = t.media
        row = self.conn.execute(
            sa.select(m)
            .where(m.c.tree_id == tree_id, m.c.sha256 == sha256)
            .order_by(m.c.created_at, m.c.id)
            .limit(1)
        ).first()
        return row._asdict() if row is not None else None

    def media_bytes_of_tree(self, tree_id: uuid.UUID) -> int:
        """Bytes the tree's stored files take (each distinct content once)."""
        m = t.media
        distinct = (
            sa.select(m.c.sha256, sa.func.max(m.c.size).label("size"))
            .where(m.c.tree_id == tree_id, m.c.sha256.is_not(None))
            .group_by(m.c.sha256)
            .subquery()
        )
        used = self.conn.scalar(sa.select(sa.func.coalesce(sa.func.sum(distinct.c.size), 0)))
        return int(used or 0)

    def media_files_of_tree(self, tree_id: uuid.UUID) -> list[Row]:
        """Every media item of the tree with what names its file (GEDZIP import)."""
        m = t.media
        rows = self.conn.execute(
            sa.select(m.c.id, m.c.tree_id, m.c.file, m.c.sha256)
            .where(m.c.tree_id == tree_id)
            .order_by(m.c.id)
        )
        return [r._asdict() for r in rows]

    def sha_in_use(self, sha256: str) -> bool:
        """Whether any media item of any tree holds this content."""
        m = t.media
        return self.conn.scalar(sa.select(m.c.id).where(m.c.sha256 == sha256).limit(1)) is not None

    def shas_of_tree(self, tree_id: uuid.UUID) -> list[str]:
        m = t.media
        return list(
            self.conn.scalars(
                sa.select(m.c.sha256)
                .where(m.c.tree_id == tree_id, m.c.sha256.is_not(None))
                .distinct()
            )
        )

    # -- contents no item holds ----------------------------------------------------------------
    def orphan_unused(self, shas: Sequence[str], now: datetime) -> None:
        """Puts on the deletion list each content no media item holds any more (a content
        already there keeps its first date)."""
        o = t.blob_orphans
        for sha in dict.fromkeys(shas):
            if self.sha_in_use(sha):
                continue
            if self.conn.scalar(sa.select(o.c.sha256).where(o.c.sha256 == sha)) is None:
                self.conn.execute(o.insert().values(sha256=sha, since=now))

    def adopt_contents(self, shas: Sequence[str]) -> None:
        """Takes contents off the deletion list (an item holds them again, or they are gone)."""
        if shas:
            o = t.blob_orphans
            self.conn.execute(o.delete().where(o.c.sha256.in_(list(shas))))

    def orphans_due(self, before: datetime, limit: int) -> list[str]:
        o = t.blob_orphans
        return list(
            self.conn.scalars(
                sa.select(o.c.sha256)
                .where(o.c.since <= before)
                .order_by(o.c.since, o.c.sha256)
                .limit(limit)
            )
        )

    # -- tags and primary photos --------------------------------------------------------------
    def tags_of(self, media_id: uuid.UUID) -> list[Row]:
        mt, p = t.media_tags, t.people
        rows = self.conn.execute(
            sa.select(mt, p.c.display_name)
            .join(p, p.c.id == mt.c.person_id)
            .where(mt.c.media_id == media_id)
            .order_by(mt.c.created_at, mt.c.id)
        )
        return [r._asdict() for r in rows]

    def tag_of(self, media_id: uuid.UUID, person_id: uuid.UUID) -> Row | None:
        mt = t.media_tags
        row = self.conn.execute(
            sa.select(mt).where(mt.c.media_id == media_id, mt.c.person_id == person_id)
        ).first()
        return row._asdict() if row is not None else None

    def set_primary_media(self, person_id: uuid.UUID, media_id: uuid.UUID | None) -> bool:
        """Makes one linked media item the person's primary photo (None: none is). False if
        ``media_id`` is not linked to the person."""
        ml = t.media_links
        of_person = sa.and_(ml.c.target_type == "person", ml.c.target_id == person_id)
        if media_id is not None:
            linked = self.conn.scalar(
                sa.select(ml.c.media_id).where(of_person, ml.c.media_id == media_id)
            )
            if linked is None:
                return False
        was = sa.and_(of_person, ml.c.is_primary.is_(True))
        if media_id is not None:
            was = sa.and_(was, ml.c.media_id != media_id)
        self._before_write(ml, was)
        self.conn.execute(ml.update().where(was).values(is_primary=False))
        if media_id is not None:
            now = sa.and_(of_person, ml.c.media_id == media_id, ml.c.is_primary.is_(False))
            self._before_write(ml, now)
            self.conn.execute(ml.update().where(now).values(is_primary=True))
        return True

    def primary_media_of(self, person_id: uuid.UUID) -> uuid.UUID | None:
        ml = t.media_links
        found: uuid.UUID | None = self.conn.scalar(
            sa.select(ml.c.media_id).where(
                ml.c.target_type == "person",
                ml.c.target_id == person_id,
                ml.c.is_primary.is_(True),
            )
        )
        return found

    # -- direct uploads ------------------------------------------------------------------------
    def uploads_expired(self, now: datetime, limit: int) -> list[Row]:
        u = t.media_uploads
        rows = self.conn.execute(
            sa.select(u)
            .where(u.c.status == "open", u.c.expires_at <= now)
            .order_by(u.c.expires_at)
            .limit(limit)
        )
        return [r._asdict() for r in rows]
