"""Duplicates in the SQL store: the family links the finder must respect, the review queue of
suspected pairs, and the merge of two people into one. Mixed into ``SqlSession``.

A merge moves everything of the merged person to the kept one through the store's tracked writes,
so it is one change in the history, undone like any other.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from dzinza.adapters.sql import tables as t

Pair = tuple[uuid.UUID, uuid.UUID]


def ordered(a: uuid.UUID, b: uuid.UUID) -> Pair:
    return (a, b) if a < b else (b, a)


class DuplicateQueries:
    conn: sa.Connection

    # Provided by HistoryQueries, which files what these writes change.
    def _before_write(self, table: sa.Table, where: sa.ColumnElement[bool], **kw: Any) -> None:
        raise NotImplementedError

    def _inserted(self, table: sa.Table, rows: Sequence[dict[str, Any]]) -> None:
        raise NotImplementedError

    # -- what the finder respects ------------------------------------------------------------
    def close_relatives(self, tree_id: uuid.UUID) -> tuple[set[Pair], set[Pair]]:
        """(partners and parent-child pairs, sibling pairs) of a tree: a person is never the
        duplicate of their partner, parent or child; siblings are compared with care."""
        f, fc = t.families, t.family_children
        close: set[Pair] = set()
        partners = sa.select(f.c.id, f.c.partner1_id, f.c.partner2_id).where(f.c.tree_id == tree_id)
        parents: dict[uuid.UUID, list[uuid.UUID]] = {}
        for fid, p1, p2 in self.conn.execute(partners):
            parents[fid] = [p for p in (p1, p2) if p is not None]
            if p1 is not None and p2 is not None:
                close.add(ordered(p1, p2))
        children: dict[uuid.UUID, list[uuid.UUID]] = {}
        for fid, child in self.conn.execute(
            sa.select(fc.c.family_id, fc.c.child_id)
            .join(f, f.c.id == fc.c.family_id)
            .where(f.c.tree_id == tree_id)
        ):
            children.setdefault(fid, []).append(child)
            close.update(ordered(p, child) for p in parents.get(fid, ()))
        siblings: set[Pair] = set()
        for kids in children.values():
            siblings.update(
                ordered(a, b) for i, a in enumerate(kids) for b in kids[i + 1 :] if a != b
            )
        return close, siblings

    def people_added_between(
        self, tree_id: uuid.UUID, start: datetime, end: datetime
    ) -> set[uuid.UUID]:
        """The people of a tree added in a time window (by an import job, say)."""
        p = t.people
        return set(
            self.conn.scalars(
                sa.select(p.c.id).where(
                    p.c.tree_id == tree_id, p.c.created_at >= start, p.c.created_at <= end
                )
            )
        )

    # -- the queue ---------------------------------------------------------------------------------
    def dismissed_pairs(self, tree_id: uuid.UUID) -> set[Pair]:
        d = t.duplicate_pairs
        rows = self.conn.execute(
            sa.select(d.c.person_a, d.c.person_b).where(
                d.c.tree_id == tree_id, d.c.status == "dismissed"
            )
        )
        return {(a, b) for a, b in rows}

    def replace_open_pairs(
        self,
        tree_id: uuid.UUID,
        rows: Sequence[dict[str, Any]],
        focus: Sequence[uuid.UUID] | None = None,
    ) -> None:
        """The open pairs found by a scan replace the open pairs of the last one (of the
        people in ``focus`` only, when given); dismissed pairs stay as they are."""
        d = t.duplicate_pairs
        stale = d.delete().where(d.c.tree_id == tree_id, d.c.status == "open")
        if focus is not None:
            ids = list(focus)
            stale = stale.where(sa.or_(d.c.person_a.in_(ids), d.c.person_b.in_(ids)))
        self.conn.execute(stale)
        if rows:
            self.conn.execute(d.insert(), list(rows))

    def duplicate_queue(
        self, tree_id: uuid.UUID, status: str, limit: int, offset: int
    ) -> tuple[int, list[dict[str, Any]]]:
        d, a, b = t.duplicate_pairs, t.people.alias("pa"), t.people.alias("pb")
        where = sa.and_(d.c.tree_id == tree_id, d.c.status == status)
        total = self.conn.scalar(sa.select(sa.func.count()).select_from(d).where(where)) or 0
        stmt = (
            sa.select(
                d,
                a.c.display_name.label("a_name"),
                a.c.birth_text.label("a_birth"),
                b.c.display_name.label("b_name"),
                b.c.birth_text.label("b_birth"),
            )
            .join(a, a.c.id == d.c.person_a)
            .join(b, b.c.id == d.c.person_b)
            .where(where)
            .order_by(d.c.score.desc(), d.c.id)
            .limit(limit)
            .offset(offset)
        )
        return int(total), [dict(r._mapping) for r in self.conn.execute(stmt)]

    def duplicate_pair(self, pair_id: uuid.UUID, *, lock: bool = False) -> dict[str, Any] | None:
        d = t.duplicate_pairs
        stmt = sa.select(d).where(d.c.id == pair_id)
        if lock:
            stmt = stmt.with_for_update()
        row = self.conn.execute(stmt).first()
        return dict(row._mapping) if row else None

    def decide_pair(
        self, pair_id: uuid.UUID, status: str, user_id: uuid.UUID | None, now: datetime
    ) -> None:
        d = t.duplicate_pairs
        self.conn.execute(
            d.update()
            .where(d.c.id == pair_id)
            .values(status=status, decided_by=user_id, decided_at=now)
        )

    # -- the merge ---------------------------------------------------------------------------------
    def merge_people(self, keep: uuid.UUID, other: uuid.UUID) -> None:
        """Moves every name, event, family link, citation, note, media link and external id of
        ``other`` to ``keep``; links ``keep`` already has are not doubled. ``other`` is left
        with nothing and is for the caller to delete."""
        n, e, f, fc = t.names, t.events, t.families, t.family_children
        offset = (
            self.conn.scalar(sa.select(sa.func.max(n.c.position)).where(n.c.person_id == keep)) or 0
        ) + 1
        self._move(
            n, n.c.person_id == other, {"person_id": keep, "position": n.c.position + offset}
        )
        self._move(e, e.c.person_id == other, {"person_id": keep})
        for column in ("partner1_id", "partner2_id"):
            self._move(f, f.c[column] == other, {column: keep})
        already = sa.select(fc.c.family_id).where(fc.c.child_id == keep)
        self._drop(fc, sa.and_(fc.c.child_id == other, fc.c.family_id.in_(already)))
        self._rekey(fc, fc.c.child_id == other, {"child_id": keep})
        for links, own in ((t.note_links, "note_id"), (t.media_links, "media_id")):
            mine = sa.select(links.c[own]).where(
                links.c.target_type == "person", links.c.target_id == keep
            )
            theirs = sa.and_(links.c.target_type == "person", links.c.target_id == other)
            self._drop(links, sa.and_(theirs, links.c[own].in_(mine)))
            self._rekey(links, theirs, {"target_id": keep})
        for links in (t.citations, t.external_ids):
            theirs = sa.and_(links.c.target_type == "person", links.c.target_id == other)
            self._move(links, theirs, {"target_id": keep})
        # A member linked to the merged person is now linked to the one kept (not history:
        # membership is not a genealogy record).
        m = t.tree_members
        self.conn.execute(m.update().where(m.c.person_id == other).values(person_id=keep))

    def _move(self, table: sa.Table, where: sa.ColumnElement[bool], values: dict[str, Any]) -> None:
        self._before_write(table, where)
        self.conn.execute(table.update().where(where).values(**values))

    def _rekey(
        self, table: sa.Table, where: sa.ColumnElement[bool], values: dict[str, Any]
    ) -> None:
        """Changes a column of a row's key: the history must see the old row go and a new one
        come (their keys differ), so it is a delete and an insert."""
        rows = [dict(r._mapping) for r in self.conn.execute(sa.select(table).where(where))]
        if not rows:
            return
        self._drop(table, where)
        moved = [{**row, **values} for row in rows]
        self.conn.execute(table.insert(), moved)
        self._inserted(table, moved)

    def _drop(self, table: sa.Table, where: sa.ColumnElement[bool]) -> None:
        self._before_write(table, where, deleting=True)
        self.conn.execute(table.delete().where(where))
