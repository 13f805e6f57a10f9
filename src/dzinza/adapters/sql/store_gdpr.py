"""Data-protection queries of the SQL store: what an export reads (a tree page by page, a
user's own change history), consents, account deletion and purge, and the clean-up that erasing
or redacting a person needs (their notes and media, their traces in the change history).
Mixed into ``SqlSession``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from dzinza.adapters.sql import tables as t
from dzinza.ports import Row

EXPORT_TABLES: dict[str, sa.Table] = {
    table.name: table
    for table in (
        t.people,
        t.families,
        t.events,
        t.places,
        t.repositories,
        t.sources,
        t.citations,
        t.notes,
        t.note_links,
        t.media,
        t.media_links,
        t.external_ids,
    )
}
"""The tables of a tree an export reads page by page (names and children are read with their
people and families; ``name_search`` is derived from names and left out)."""


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class DataProtectionQueries:
    conn: sa.Connection
    is_postgres: bool
    # From HistoryQueries (store_history.py), mixed into the same session: declared, not
    # defined, so that the real ones are found. Deletes here go through _before_write like
    # every other write, so that the history files them.
    _forget_pending: Callable[[uuid.UUID, Sequence[uuid.UUID]], None]
    _before_write: Callable[..., None]

    # -- export --------------------------------------------------------------------------------
    def begin_snapshot(self) -> None:
        """Makes every read of this transaction see one moment, so an export is consistent
        while others write. Must come first in the transaction. SQLite's read transactions are
        already snapshots (WAL); PostgreSQL's default, READ COMMITTED, is not."""
        if self.is_postgres:
            self.conn.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")

    def export_page(
        self, table: str, tree_id: uuid.UUID, after: tuple[Any, ...] | None, limit: int
    ) -> list[Row]:
        """One page of a tree's rows of ``table``, in primary-key order after ``after`` (the
        key of the last row of the previous page): keyset paging keeps every page one index
        range however large the tree."""
        tbl = EXPORT_TABLES[table]
        key = list(tbl.primary_key.columns)
        stmt = sa.select(tbl).where(tbl.c.tree_id == tree_id)
        if after is not None:
            bound = [sa.literal(v, c.type) for c, v in zip(key, after, strict=True)]
            stmt = stmt.where(sa.tuple_(*key) > sa.tuple_(*bound))
        stmt = stmt.order_by(*key).limit(limit)
        return [r._asdict() for r in self.conn.execute(stmt)]

    def export_key(self, table: str) -> tuple[str, ...]:
        """The primary-key columns ``export_page`` pages by."""
        return tuple(c.name for c in EXPORT_TABLES[table].primary_key.columns)

    def history_of(self, user_id: uuid.UUID) -> Iterator[Row]:
        """The changes a user made, each row one item of a change (or the change alone, items
        null, if it has none), in time order; streamed, so a long history is not held in memory.
        Nothing else may run on this session until the iteration ends."""
        c, i = t.changes, t.change_items
        stmt = (
            sa.select(
                c.c.id,
                c.c.tree_id,
                c.c.created_at,
                c.c.action,
                c.c.reason,
                c.c.undo_of,
                c.c.undone_by,
                i.c.position.label("item_position"),
                i.c.kind.label("item_kind"),
                i.c.record_id.label("item_record_id"),
                i.c.person_id.label("item_person_id"),
                i.c.op.label("item_op"),
                i.c.before.label("item_before"),
                i.c.after.label("item_after"),
            )
            .select_from(c.outerjoin(i, i.c.change_id == c.c.id))
            .where(c.c.user_id == user_id)
            .order_by(c.c.created_at, c.c.id, i.c.position)
            .execution_options(yield_per=500)
        )
        for r in self.conn.execute(stmt):
            yield r._asdict()

    def tokens_overview(self, user_id: uuid.UUID) -> list[Row]:
        """The user's tokens without their hashes: what an export may show of them."""
        a = t.api_tokens
        stmt = (
            sa.select(
                a.c.id,
                a.c.kind,
                a.c.name,
                a.c.scopes,
                a.c.created_at,
                a.c.expires_at,
                a.c.last_used_at,
            )
            .where(a.c.user_id == user_id)
            .order_by(a.c.created_at, a.c.id)
        )
        return [r._asdict() for r in self.conn.execute(stmt)]

    # -- trees and memberships -------------------------------------------------------------------
    def memberships_of(self, user_id: uuid.UUID) -> list[Row]:
        """The trees a user is a member of (not those they own), with the tree's name."""
        m, tr = t.tree_members, t.trees
        stmt = (
            sa.select(
                m.c.tree_id,
                m.c.role,
                m.c.person_id,
                m.c.branch_steps,
                m.c.created_at,
                tr.c.name.label("tree_name"),
            )
            .join(tr, tr.c.id == m.c.tree_id)
            .where(m.c.user_id == user_id)
            .order_by(tr.c.name, tr.c.id)
        )
        return [r._asdict() for r in self.conn.execute(stmt)]

    def trees_owned_by(self, user_id: uuid.UUID) -> list[Row]:
        tr = t.trees
        stmt = sa.select(tr).where(tr.c.owner_id == user_id).order_by(tr.c.name, tr.c.id)
        return [r._asdict() for r in self.conn.execute(stmt)]

    def remove_membership(self, tree_id: uuid.UUID, user_id: uuid.UUID) -> bool:
        m = t.tree_members
        res = self.conn.execute(m.delete().where(m.c.tree_id == tree_id, m.c.user_id == user_id))
        return res.rowcount > 0

    # -- consents --------------------------------------------------------------------------------
    def consents_of(self, user_id: uuid.UUID) -> list[Row]:
        c = t.consents
        stmt = sa.select(c).where(c.c.user_id == user_id).order_by(c.c.accepted_at, c.c.id)
        return [r._asdict() for r in self.conn.execute(stmt)]

    def add_consent(
        self, user_id: uuid.UUID, document: str, version: str, now: datetime, via: str = "consent"
    ) -> Row:
        row: Row = {
            "id": uuid.uuid4(),
            "user_id": user_id,
            "document": document,
            "version": version,
            "accepted_at": now,
            "via": via,
        }
        self.conn.execute(t.consents.insert().values(row))
        return row

    # -- account deletion ------------------------------------------------------------------------
    def deletions_due(self, now: datetime) -> list[uuid.UUID]:
        u = t.users
        stmt = (
            sa.select(u.c.id)
            .where(u.c.deletion_due_at.is_not(None), u.c.deletion_due_at <= now)
            .order_by(u.c.deletion_due_at, u.c.id)
        )
        return list(self.conn.scalars(stmt))

    def erase_user(self, user_id: uuid.UUID, email: str) -> None:
        """Deletes the user row and what holds their email; tokens, consents, memberships,
        one-time links and recovery codes go with the row (ON DELETE CASCADE). Ids of the user
        kept elsewhere (``created_by``, ``changes.user_id``, the audit log) have no foreign key
        and stay as opaque ids."""
        inv, rc = t.invitations, t.rate_counters
        self.conn.execute(inv.delete().where(inv.c.email == email))
        # Sign-in back-off counters are keyed by email ("login-fail:acct:<email>").
        pattern = "%:" + _like_escape(email)
        self.conn.execute(rc.delete().where(rc.c.key.like(pattern, escape="\\")))
        self.conn.execute(t.tree_members.delete().where(t.tree_members.c.user_id == user_id))
        self.conn.execute(t.users.delete().where(t.users.c.id == user_id))

    # -- erasing a person ------------------------------------------------------------------------
    def attached_to(self, targets: Sequence[tuple[str, uuid.UUID]]) -> dict[str, set[uuid.UUID]]:
        """Ids of the notes, media, citations and external ids attached to these records."""
        found: dict[str, set[uuid.UUID]] = {
            "note": set(),
            "media": set(),
            "citation": set(),
            "external_id": set(),
        }
        by_type: dict[str, list[uuid.UUID]] = {}
        for kind, rid in targets:
            by_type.setdefault(kind, []).append(rid)
        sources = (
            ("note", t.note_links, t.note_links.c.note_id),
            ("media", t.media_links, t.media_links.c.media_id),
            ("citation", t.citations, t.citations.c.id),
            ("external_id", t.external_ids, t.external_ids.c.id),
        )
        for kind, ids in by_type.items():
            for name, table, col in sources:
                stmt = sa.select(col).where(table.c.target_type == kind, table.c.target_id.in_(ids))
                found[name].update(self.conn.scalars(stmt))
        return found

    def delete_unattached(self, kind: str, ids: Sequence[uuid.UUID]) -> list[uuid.UUID]:
        """Deletes those of these notes (``kind`` 'note') or media ('media') that are no longer
        attached to any record; returns their ids. Ones still attached elsewhere stay."""
        if not ids:
            return []
        table, col = (
            (t.notes, t.note_links.c.note_id)
            if kind == "note"
            else (t.media, t.media_links.c.media_id)
        )
        stmt = sa.select(table.c.id).where(
            table.c.id.in_(list(ids)), ~sa.exists().where(col == table.c.id)
        )
        gone = list(self.conn.scalars(stmt))
        if gone:
            # Its own citations and external ids point at it by (target_type, target_id), with
            # no foreign key to cascade: they go by hand.
            for tbl in (t.citations, t.external_ids):
                where = sa.and_(tbl.c.target_type == kind, tbl.c.target_id.in_(gone))
                self._before_write(tbl, where, deleting=True)
                self.conn.execute(tbl.delete().where(where))
            self._before_write(table, table.c.id.in_(gone), deleting=True)
            self.conn.execute(table.delete().where(table.c.id.in_(gone)))
        return gone

    def delete_citations(self, ids: Sequence[uuid.UUID]) -> None:
        """Deletes these citations and the notes' and media's links and external ids that point
        at them."""
        if ids:
            c = t.citations
            for tbl in (t.note_links, t.media_links, t.external_ids):
                where = sa.and_(tbl.c.target_type == "citation", tbl.c.target_id.in_(list(ids)))
                self._before_write(tbl, where, deleting=True)
                self.conn.execute(tbl.delete().where(where))
            self._before_write(c, c.c.id.in_(list(ids)), deleting=True)
            self.conn.execute(c.delete().where(c.c.id.in_(list(ids))))

    def scrub_history(self, person_id: uuid.UUID, record_ids: Sequence[uuid.UUID]) -> int:
        """Empties the before/after snapshots of every change item about this person or these
        records, keeping the item (what was done, when, by whom) without its content; the items
        this transaction itself files about them (at commit) are filed the same way. Returns
        how many earlier items were scrubbed."""
        self._forget_pending(person_id, record_ids)
        i = t.change_items
        cond = i.c.person_id == person_id
        if record_ids:
            cond = sa.or_(cond, i.c.record_id.in_(list(record_ids)))
        res = self.conn.execute(i.update().where(cond).values(before=sa.null(), after=sa.null()))
        return int(res.rowcount)
