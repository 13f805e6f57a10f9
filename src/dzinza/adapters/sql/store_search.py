"""What the search indexer reads from the SQL store: the material of people's search documents,
the people a changed record reaches, and the transactional outbox. Mixed into ``SqlSession``.

The outbox is written in the transaction of the change itself (``queue_search``, called by
``flush_history`` and by bulk loads), so a crash between a write and the index update loses
nothing: the entry is still there for the indexer's next run.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from dzinza.adapters.sql import privacy
from dzinza.adapters.sql import tables as t

OutboxEntry = tuple[uuid.UUID, str, uuid.UUID]
"""(tree id, kind, record id): see ``tables.search_outbox``."""


class SearchQueries:
    conn: sa.Connection
    is_postgres: bool
    search_queued = False
    """Set once this transaction has queued work for the search indexer."""
    trees_changed: frozenset[uuid.UUID] = frozenset()
    """The trees whose records this transaction changed (for the caches, after the commit)."""

    # -- the outbox ----------------------------------------------------------------------------
    def queue_search(self, entries: Iterable[OutboxEntry]) -> None:
        entries_set = set(entries)
        rows = [{"tree_id": a, "kind": k, "record_id": r} for a, k, r in entries_set]
        if rows:
            self.conn.execute(t.search_outbox.insert(), rows)
            self.search_queued = True
            # Whatever the indexer must look at again changed: so did the caches of its tree.
            self.trees_changed = self.trees_changed | {tree for tree, _, _ in entries_set}

    def lease_outbox(self, limit: int, now: datetime, until: datetime) -> list[dict[str, Any]]:
        """The oldest entries due now, held until ``until`` (an indexer that dies with them
        leaves them to the next one then). On PostgreSQL, entries another indexer is taking at
        the same moment are skipped, so replicas share the work."""
        o = t.search_outbox
        pick = (
            sa.select(o.c.id)
            .where(o.c.available_at <= now)
            .order_by(o.c.available_at, o.c.id)
            .limit(limit)
        )
        if self.is_postgres:
            pick = pick.with_for_update(skip_locked=True)
        ids = list(self.conn.scalars(pick))
        if not ids:
            return []
        self.conn.execute(o.update().where(o.c.id.in_(ids)).values(available_at=until))
        rows = self.conn.execute(sa.select(o).where(o.c.id.in_(ids)).order_by(o.c.id))
        return [dict(r._mapping) for r in rows]

    def drop_outbox(self, ids: Sequence[int]) -> None:
        o = t.search_outbox
        if ids:
            self.conn.execute(o.delete().where(o.c.id.in_(list(ids))))

    def delay_outbox(
        self, ids: Sequence[int], attempts: int, available_at: datetime, error: str
    ) -> None:
        o = t.search_outbox
        if ids:
            self.conn.execute(
                o.update()
                .where(o.c.id.in_(list(ids)))
                .values(attempts=attempts, available_at=available_at, last_error=error[:500])
            )

    def outbox_stats(self, tree_id: uuid.UUID | None = None) -> dict[str, Any]:
        o = t.search_outbox
        stmt = sa.select(
            sa.func.count(),
            sa.func.min(o.c.created_at),
            sa.func.count().filter(o.c.attempts > 0),
        )
        if tree_id is not None:
            stmt = stmt.where(o.c.tree_id == tree_id)
        count, oldest, failing = self.conn.execute(stmt).one()
        return {"pending": count, "oldest": oldest, "failing": failing}

    # -- who a change reaches --------------------------------------------------------------------
    def people_reached(self, kind: str, ids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
        """The people whose search documents hold something of these records."""
        ids = list(ids)
        if not ids:
            return set()
        if kind == "person":
            return set(self.conn.scalars(sa.select(t.people.c.id).where(t.people.c.id.in_(ids))))
        if kind == "family":
            return self.family_people(ids)  # type: ignore[attr-defined,no-any-return]
        if kind == "event":
            e = t.events
            rows = self.conn.execute(
                sa.select(e.c.person_id, e.c.family_id).where(e.c.id.in_(ids))
            ).all()
            families = [f for _, f in rows if f is not None]
            found = {p for p, _ in rows if p is not None}
            return found | (self.family_people(families) if families else set())  # type: ignore[attr-defined]
        if kind == "place":
            e = t.events
            inside = self._places_within(ids)
            return set(
                self.conn.scalars(
                    sa.select(e.c.person_id).where(
                        e.c.place_id.in_(inside), e.c.person_id.is_not(None)
                    )
                )
            )
        if kind == "note":
            return self._link_targets(t.note_links, t.note_links.c.note_id.in_(ids))
        if kind == "source":
            return self._link_targets(t.citations, t.citations.c.source_id.in_(ids))
        return set()

    def _places_within(self, ids: list[uuid.UUID]) -> list[uuid.UUID]:
        p = t.places
        walk = sa.select(p.c.id).where(p.c.id.in_(ids)).cte("within", recursive=True)
        walk = walk.union(sa.select(p.c.id).join(walk, p.c.parent_id == walk.c.id))
        return list(self.conn.scalars(sa.select(walk.c.id)))

    def _link_targets(self, links: sa.Table, where: sa.ColumnElement[bool]) -> set[uuid.UUID]:
        e = t.events
        people = set(
            self.conn.scalars(
                sa.select(links.c.target_id).where(where, links.c.target_type == "person")
            )
        )
        people.update(
            self.conn.scalars(
                sa.select(e.c.person_id)
                .join(links, sa.and_(links.c.target_type == "event", links.c.target_id == e.c.id))
                .where(where, e.c.person_id.is_not(None))
            )
        )
        return people

    def tree_people_page(
        self, tree_id: uuid.UUID, after: uuid.UUID | None, limit: int
    ) -> list[uuid.UUID]:
        p = t.people
        stmt = sa.select(p.c.id).where(p.c.tree_id == tree_id).order_by(p.c.id).limit(limit)
        if after is not None:
            stmt = stmt.where(p.c.id > after)
        return list(self.conn.scalars(stmt))

    def count_people(self, tree_id: uuid.UUID) -> int:
        p = t.people
        return int(self.conn.scalar(sa.select(sa.func.count()).where(p.c.tree_id == tree_id)) or 0)

    def tree_ids(self) -> list[uuid.UUID]:
        return list(self.conn.scalars(sa.select(t.trees.c.id).order_by(t.trees.c.id)))

    def branch_ids(self, root: uuid.UUID, steps: int) -> frozenset[uuid.UUID]:
        stmt = privacy.branch_people()
        return frozenset(self.conn.scalars(stmt, {"branch_root": root, "branch_steps": steps}))

    # -- what a document holds -------------------------------------------------------------------
    def search_material(self, person_ids: Sequence[uuid.UUID]) -> dict[str, Any]:
        """Everything the search documents of these people are built from, in a few queries:
        people, names, events (with their places and the places those lie within), note texts
        and the titles of cited sources, each keyed by person."""
        ids = list(person_ids)
        p, n, e = t.people, t.names, t.events
        people = [dict(r._mapping) for r in self.conn.execute(sa.select(p).where(p.c.id.in_(ids)))]
        names = [
            dict(r._mapping)
            for r in self.conn.execute(
                sa.select(n).where(n.c.person_id.in_(ids)).order_by(n.c.person_id, n.c.position)
            )
        ]
        events = [
            dict(r._mapping)
            for r in self.conn.execute(
                sa.select(
                    e.c.id,
                    e.c.person_id,
                    e.c.type,
                    e.c.label,
                    e.c.place_id,
                    e.c.description,
                    e.c.value,
                    e.c.date_earliest,
                    e.c.date_latest,
                    e.c.date_text,
                ).where(e.c.person_id.in_(ids))
            )
        ]
        event_owner = {ev["id"]: ev["person_id"] for ev in events}
        places = self._place_tree([ev["place_id"] for ev in events if ev["place_id"]])
        notes: dict[uuid.UUID, list[str]] = {}
        nl, nt = t.note_links, t.notes
        note_ids = set(
            self.conn.scalars(
                sa.select(nl.c.note_id).where(self._targets(nl, ids, list(event_owner)))
            )
        )
        # A note is searchable with a person only when it belongs to them alone (to them and
        # their events): a note shared with someone hidden from the reader is hidden from the
        # reader (privacy.linked_hidden), and the index cannot know who will read.
        owners: dict[uuid.UUID, set[uuid.UUID | None]] = {}
        for note_id, target_type, target_id in self.conn.execute(
            sa.select(nl.c.note_id, nl.c.target_type, nl.c.target_id).where(
                nl.c.note_id.in_(list(note_ids))
            )
        ):
            owner = target_id if target_type == "person" else event_owner.get(target_id)
            owners.setdefault(note_id, set()).add(owner)
        alone = {n: next(iter(o)) for n, o in owners.items() if len(o) == 1 and None not in o}
        if alone:
            for note_id, text in self.conn.execute(
                sa.select(nt.c.id, nt.c.text).where(nt.c.id.in_(list(alone)))
            ):
                owner = alone[note_id]
                assert owner is not None
                notes.setdefault(owner, []).append(text)
        sources: dict[uuid.UUID, list[str]] = {}
        c, s = t.citations, t.sources
        for target_type, target_id, title, page in self.conn.execute(
            sa.select(c.c.target_type, c.c.target_id, s.c.title, c.c.page)
            .join(s, s.c.id == c.c.source_id)
            .where(self._targets(c, ids, list(event_owner)))
        ):
            owner = target_id if target_type == "person" else event_owner.get(target_id)
            if owner is not None:
                sources.setdefault(owner, []).extend((title, page))
        return {
            "people": people,
            "names": names,
            "events": events,
            "places": places,
            "notes": notes,
            "sources": sources,
        }

    @staticmethod
    def _targets(
        links: sa.Table, people: list[uuid.UUID], events: list[uuid.UUID]
    ) -> sa.ColumnElement[bool]:
        return sa.or_(
            sa.and_(links.c.target_type == "person", links.c.target_id.in_(people)),
            sa.and_(links.c.target_type == "event", links.c.target_id.in_(events or [None])),
        )

    def _place_tree(self, ids: list[uuid.UUID]) -> dict[uuid.UUID, tuple[str, uuid.UUID | None]]:
        """These places and every place they lie within: id -> (name, parent id)."""
        found: dict[uuid.UUID, tuple[str, uuid.UUID | None]] = {}
        p = t.places
        todo = set(ids)
        while todo:
            rows = self.conn.execute(
                sa.select(p.c.id, p.c.name, p.c.parent_id).where(p.c.id.in_(list(todo)))
            ).all()
            todo = set()
            for pid, name, parent in rows:
                found[pid] = (name, parent)
                if parent is not None and parent not in found:
                    todo.add(parent)
        return found
