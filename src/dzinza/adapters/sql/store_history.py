"""Change history and the audit log in the SQL store. Mixed into ``SqlSession``.

Every write method of the session calls ``_before_write`` (rows about to change or go, read
first) or ``_inserted`` (rows just added). The session keeps, per touched row, its state when
the transaction first touched it; ``flush_history``, run by ``SqlTreeStore.write()`` just before
the commit, reads each row's final state and files one change per tree with one item per row
that really changed. Recording in the store, not in the services, means no write path can
forget it.

Only genealogy records and the rows that link them are recorded (``TRACKED``). The name index
(``name_search``) and the derived columns of a person (summary, living evidence) are not: they
are recomputed from the rest, and a change that only moved them is no change.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa

from dzinza.adapters.sql import tables as t
from dzinza.domain.errors import Conflict, DzinzaError, ValidationFailed
from dzinza.ports import REQUEST_NOTE, Row, SortSpec

TRACKED: dict[str, sa.Table] = {
    "person": t.people,
    "name": t.names,
    "family": t.families,
    "event": t.events,
    "place": t.places,
    "repository": t.repositories,
    "source": t.sources,
    "citation": t.citations,
    "note": t.notes,
    "media": t.media,
    "family_child": t.family_children,
    "note_link": t.note_links,
    "media_link": t.media_links,
    "media_tag": t.media_tags,
    "external_id": t.external_ids,
}
"""What the history records: change_items.kind -> table."""

KIND_OF = {table.name: kind for kind, table in TRACKED.items()}
KEYS = {kind: tuple(c.name for c in table.primary_key.columns) for kind, table in TRACKED.items()}

BOOKKEEPING = frozenset({"version", "created_at", "updated_at"})
DERIVED: dict[str, frozenset[str]] = {
    "person": frozenset(
        {
            "display_name",
            "name_key",
            "birth_text",
            "birth_earliest",
            "birth_latest",
            "birth_sort",
            "death_text",
            "death_earliest",
            "death_latest",
            "has_death",
            "evidence_day",
        }
    ),
    # What processing a stored file finds out (services/media.py): not an edit by anyone.
    "media": frozenset(
        {
            "status",
            "problem",
            "width",
            "height",
            "pages",
            "taken_at",
            "latitude",
            "longitude",
            "camera",
            "derivatives",
        }
    ),
}
"""Columns recomputed from other rows (services/summaries.py, adapters/sql/privacy.py)."""

RANK = {
    "place": 0,
    "repository": 0,
    "note": 0,
    "media": 0,
    "person": 1,
    "source": 1,
    "family": 2,
    "name": 2,
    "citation": 2,
    "note_link": 2,
    "media_link": 2,
    "media_tag": 2,
    "external_id": 2,
    "event": 3,
    "family_child": 3,
}
"""Foreign-key depth: a row may only point at rows of a lower rank (places also at places)."""

LINKS_BY_TARGET = (t.citations, t.note_links, t.media_links, t.external_ids)
"""Tables pointing at records by (target_type, target_id), without a foreign key."""

_ITEM_NAMESPACE = uuid.UUID("5b0c7d1e-8a57-4c1f-9c55-4f3a52d0e7a1")
_AUDIT_LOCK = int.from_bytes(hashlib.sha256(b"dzinza.audit_log").digest()[:8], "big", signed=True)
"""The PostgreSQL advisory lock key that serialises appends to the audit log."""


@dataclass(frozen=True)
class _Ref:
    """A foreign key from ``table.column`` to ``parent.referred`` and what a delete does."""

    table: sa.Table
    column: str
    referred: str
    cascade: bool
    """ON DELETE CASCADE (the row goes too), else SET NULL (the row changes)."""


def _refs() -> dict[str, list[_Ref]]:
    found: dict[str, list[_Ref]] = {}
    for table in TRACKED.values():
        for fk in table.foreign_keys:
            mode = (fk.ondelete or "").upper()
            if mode in ("CASCADE", "SET NULL"):
                found.setdefault(fk.column.table.name, []).append(
                    _Ref(table, fk.parent.name, fk.column.name, mode == "CASCADE")
                )
    return found


REFS = _refs()
"""Per table, the tracked rows a delete there cascades to or sets null in."""

Key = tuple[str, tuple[Any, ...]]


def snapshot(row: Mapping[str, Any]) -> dict[str, Any]:
    """A row as JSON-ready values (what change_items keep as before and after)."""
    out: dict[str, Any] = {}
    for k, v in row.items():
        if isinstance(v, uuid.UUID):
            out[k] = str(v)
        elif isinstance(v, datetime | date):
            out[k] = v.isoformat()
        else:
            out[k] = v
    return out


def content(kind: str, snap: Mapping[str, Any]) -> dict[str, Any]:
    """What a change is about: the row without bookkeeping and derived columns."""
    skip = BOOKKEEPING | DERIVED.get(kind, frozenset())
    return {k: v for k, v in snap.items() if k not in skip}


def same(kind: str, a: Mapping[str, Any] | None, b: Mapping[str, Any] | None) -> bool:
    if a is None or b is None:
        return a is b
    return content(kind, a) == content(kind, b)


def _typed(table: sa.Table, snap: Mapping[str, Any]) -> dict[str, Any]:
    """Snapshot values back in their column types, for writing."""
    out: dict[str, Any] = {}
    for name, value in snap.items():
        if name not in table.c:
            continue  # a column dropped since the snapshot was taken
        col_type = table.c[name].type
        if value is not None and isinstance(col_type, sa.Uuid):
            value = uuid.UUID(str(value))
        elif value is not None and isinstance(col_type, sa.DateTime):
            value = datetime.fromisoformat(str(value))
        out[name] = value
    return out


def _key_of(kind: str, values: Mapping[str, Any]) -> tuple[Any, ...] | None:
    table = TRACKED[kind]
    key: list[Any] = []
    for name in KEYS[kind]:
        value = values.get(name)
        if value is None:
            return None
        if isinstance(table.c[name].type, sa.Uuid):
            value = uuid.UUID(str(value))
        key.append(value)
    return tuple(key)


def record_id(kind: str, key: tuple[Any, ...]) -> uuid.UUID:
    """The record an item is about: its id, or for a link row (no id of its own) a stable
    name-based id of its key."""
    if KEYS[kind] == ("id",):
        return uuid.UUID(str(key[0]))
    return uuid.uuid5(_ITEM_NAMESPACE, kind + ":" + ":".join(str(v) for v in key))


def _about(items: sa.Table, about: uuid.UUID) -> sa.ColumnElement[bool]:
    """Items about a record, or about a person: theirs, and those of the families they are a
    partner in now (the family itself and its events), which the item's one person_id cannot
    name (a family has two partners)."""
    f, e = t.families, t.events
    partner_in = sa.select(f.c.id).where(sa.or_(f.c.partner1_id == about, f.c.partner2_id == about))
    family_events = sa.select(e.c.id).where(e.c.family_id.in_(partner_in))
    return sa.or_(
        items.c.record_id == about,
        items.c.person_id == about,
        items.c.record_id.in_(partner_in),
        items.c.record_id.in_(family_events),
    )


def person_of(kind: str, snap: Mapping[str, Any]) -> str | None:
    """The person an item belongs to, for a person's history."""
    if kind == "person":
        return str(snap["id"])
    if kind in ("name", "event"):
        return snap.get("person_id")
    if kind == "family_child":
        return snap.get("child_id")
    if snap.get("target_type") == "person":
        return snap.get("target_id")
    return None


SEARCH_REACH = {"place": "place", "note": "note", "source": "source"}
"""Records that reach people's search documents through links; resolved by the indexer."""


def search_targets(item: Mapping[str, Any]) -> list[tuple[str, uuid.UUID]]:
    """What the search indexer must look at again after one change item: the people it
    belongs to (before and after, for a move), or the record that reaches people by links."""
    kind = item["kind"]
    found: list[tuple[str, uuid.UUID]] = []
    if item["person_id"] is not None:
        found.append(("person", item["person_id"]))
    for snap in (item["before"], item["after"]):
        if not snap:
            continue
        if kind == "family":
            partners = (snap.get("partner1_id"), snap.get("partner2_id"))
            found.extend(("person", uuid.UUID(p)) for p in partners if p)
        elif kind in ("event", "family_child") and snap.get("family_id"):
            found.append(("family", uuid.UUID(snap["family_id"])))
        elif kind in ("citation", "note_link") and snap.get("target_type") == "event":
            found.append(("event", uuid.UUID(snap["target_id"])))
        elif kind == "citation" and snap.get("target_type") == "family":
            found.append(("family", uuid.UUID(snap["target_id"])))
    if kind in SEARCH_REACH:
        found.append((SEARCH_REACH[kind], item["record_id"]))
    return found


def _where_key(kind: str, key: tuple[Any, ...]) -> sa.ColumnElement[bool]:
    table = TRACKED[kind]
    return sa.and_(*(table.c[n] == v for n, v in zip(KEYS[kind], key, strict=True)))


@dataclass
class _Note:
    change_id: uuid.UUID = field(default_factory=uuid.uuid4)
    action: str | None = None
    reason: str | None = None
    undo_of: uuid.UUID | None = None


@dataclass
class _Pending:
    before: dict[Key, dict[str, Any] | None] = field(default_factory=dict)
    """Each touched row's state when first touched (None: it did not exist), in touch order."""
    note: _Note | None = None
    erased: set[uuid.UUID] = field(default_factory=set)
    """Records and people whose items are filed without their content (GDPR erasure)."""


class HistoryQueries:
    conn: sa.Connection
    is_postgres: bool
    author: uuid.UUID | None
    _history: _Pending | None = None
    record_history = True
    """Only code that fills a database with synthetic rows, below the services (the benchmark
    generator), turns this off: a bulk load recorded row by row costs as much again."""

    # -- capture (called by the write methods of SqlSession) ---------------------------------
    def _pending(self) -> _Pending:
        if self._history is None:
            self._history = _Pending()
        return self._history

    def _before_write(
        self,
        table: sa.Table,
        where: sa.ColumnElement[bool],
        *,
        deleting: bool = False,
        key: tuple[Any, ...] | None = None,
    ) -> None:
        """Remembers the rows of ``table`` matching ``where`` before they change (``deleting``:
        before they go, with the rows the delete cascades to or sets null in). ``key``, when the
        caller knows it, saves the read if that row was already remembered."""
        kind = KIND_OF.get(table.name)
        if kind is None or not self.record_history:
            return
        pending = self._pending()
        if key is not None and not deleting and (kind, key) in pending.before:
            return
        rows = [r._asdict() for r in self.conn.execute(sa.select(table).where(where))]
        for row in rows:
            k = _key_of(kind, row)
            if k is not None and (kind, k) not in pending.before:
                pending.before[(kind, k)] = snapshot(row)
        if deleting and rows:
            for ref in REFS.get(table.name, ()):
                values = list({r[ref.referred] for r in rows})
                column = ref.table.c[ref.column]
                self._before_write(ref.table, column.in_(values), deleting=ref.cascade)

    def _inserted(self, table: sa.Table, rows: Iterable[Mapping[str, Any]]) -> None:
        """Remembers rows just added (they did not exist before, unless this transaction had
        already removed them: then their first state stays)."""
        kind = KIND_OF.get(table.name)
        if kind is None or not self.record_history:
            return
        before = self._pending().before
        for row in rows:
            k = _key_of(kind, row)
            if k is not None:
                before.setdefault((kind, k), None)

    def note_change(
        self, action: str, *, reason: str | None = None, undo_of: uuid.UUID | None = None
    ) -> uuid.UUID:
        """Names the change this transaction records (otherwise derived from what it touched)
        and its reason (otherwise the request's X-Change-Reason); returns its id."""
        if len(action) > 60:
            raise ValueError("a change action is at most 60 characters")
        if reason is not None and len(reason) > 500:
            raise ValidationFailed("The reason for a change is at most 500 characters.")
        pending = self._pending()
        note = pending.note or _Note()
        note.action, note.reason, note.undo_of = action, reason, undo_of
        pending.note = note
        return note.change_id

    def _forget_pending(self, person_id: uuid.UUID, record_ids: Sequence[uuid.UUID]) -> None:
        """The items this transaction files about this person or these records keep what was
        done but not the content: for erasure, which scrubs the earlier history the same way
        (``scrub_history``)."""
        self._pending().erased.update([person_id, *record_ids])

    # -- filing -------------------------------------------------------------------------------
    def _current(self, keys: Sequence[Key], *, lock: bool = False) -> dict[Key, dict[str, Any]]:
        """The present rows of these keys, as snapshots."""
        by_kind: dict[str, list[tuple[Any, ...]]] = {}
        for kind, key in keys:
            by_kind.setdefault(kind, []).append(key)
        found: dict[Key, dict[str, Any]] = {}
        for kind, wanted in by_kind.items():
            table = TRACKED[kind]
            cols = [table.c[n] for n in KEYS[kind]]
            for start in range(0, len(wanted), 500):
                chunk = wanted[start : start + 500]
                if len(cols) == 1:
                    cond = cols[0].in_([k[0] for k in chunk])
                else:
                    cond = sa.tuple_(*cols).in_(chunk)
                stmt = sa.select(table).where(cond)
                if lock and self.is_postgres:
                    stmt = stmt.with_for_update()
                for r in self.conn.execute(stmt):
                    row = r._asdict()
                    k = _key_of(kind, row)
                    assert k is not None
                    found[(kind, k)] = snapshot(row)
        return found

    def flush_history(self) -> None:
        """Files what this transaction changed: one change per tree, one item per row whose
        content differs from when the transaction first touched it."""
        pending, self._history = self._history, None
        if pending is None:
            return
        after = self._current(list(pending.before))
        per_tree: dict[str, list[dict[str, Any]]] = {}
        for (kind, key), before in pending.before.items():
            now = after.get((kind, key))
            if (before is None and now is None) or (before is not None and same(kind, before, now)):
                continue
            op = "insert" if before is None else "delete" if now is None else "update"
            snap = now if now is not None else before
            assert snap is not None
            person = person_of(kind, snap)
            rid = record_id(kind, key)
            if rid in pending.erased or (person and uuid.UUID(person) in pending.erased):
                before = now = None
            per_tree.setdefault(str(snap["tree_id"]), []).append(
                {
                    "kind": kind,
                    "record_id": rid,
                    "person_id": uuid.UUID(person) if person else None,
                    "op": op,
                    "before": before,
                    "after": now,
                }
            )
        self._queue_search_of(per_tree)
        changed: frozenset[uuid.UUID] = getattr(self, "trees_changed", frozenset())
        self.trees_changed = changed | {uuid.UUID(tree) for tree in per_tree}
        note = pending.note
        if note is not None and note.undo_of is not None:
            undone = self.get_change(note.undo_of)
            if undone is not None:
                per_tree.setdefault(str(undone["tree_id"]), [])
        if not per_tree:
            return
        # A tree deleted in this transaction took its history with it: nothing to file there.
        trees = set(
            self.conn.scalars(
                sa.select(t.trees.c.id).where(t.trees.c.id.in_([uuid.UUID(x) for x in per_tree]))
            )
        )
        request = REQUEST_NOTE.get()
        reason = note.reason if note and note.reason is not None else ""
        if not reason and request is not None:
            reason = request.reason
        now_at = datetime.now(UTC)
        first = True
        for tree_key, items in per_tree.items():
            tree_id = uuid.UUID(tree_key)
            if tree_id not in trees:
                continue
            change_id = note.change_id if note is not None and first else uuid.uuid4()
            first = False
            action = note.action if note is not None and note.action else derive_action(items)
            undo_of = note.undo_of if note is not None else None
            self.conn.execute(
                t.changes.insert().values(
                    id=change_id,
                    tree_id=tree_id,
                    user_id=self.author,
                    created_at=now_at,
                    action=action,
                    reason=reason,
                    undo_of=undo_of,
                )
            )
            if items:
                rows = [
                    {"id": uuid.uuid4(), "change_id": change_id, "position": i, **item}
                    for i, item in enumerate(items)
                ]
                self.conn.execute(t.change_items.insert(), rows)
            if undo_of is not None:
                self._mark_undone(undo_of, change_id)
            if request is not None:
                request.change_ids.append(change_id)

    def _queue_search_of(self, per_tree: Mapping[str, list[dict[str, Any]]]) -> None:
        """Tells the search indexer, in this transaction, whose documents these changes touch."""
        entries: list[tuple[uuid.UUID, str, uuid.UUID]] = []
        for tree_key, items in per_tree.items():
            tree_id = uuid.UUID(tree_key)
            for item in items:
                entries.extend((tree_id, k, r) for k, r in search_targets(item))
        self.queue_search(entries)  # type: ignore[attr-defined]

    def _mark_undone(self, undo_of: uuid.UUID, by: uuid.UUID) -> None:
        c = t.changes
        self.conn.execute(c.update().where(c.c.id == undo_of).values(undone_by=by))
        # Undoing an undo redoes the original change, which may then be undone again.
        original = self.conn.scalar(sa.select(c.c.undo_of).where(c.c.id == undo_of))
        if original is not None:
            self.conn.execute(c.update().where(c.c.id == original).values(undone_by=None))

    # -- reading ------------------------------------------------------------------------------
    def _changes_select(self) -> sa.Select[Any]:
        c, u = t.changes, t.users
        return sa.select(c, u.c.email.label("user_email")).select_from(
            c.outerjoin(u, u.c.id == c.c.user_id)
        )

    def get_change(self, change_id: uuid.UUID, *, lock: bool = False) -> Row | None:
        c = t.changes
        stmt = self._changes_select().where(c.c.id == change_id)
        if lock and self.is_postgres:
            stmt = stmt.with_for_update(of=c)
        r = self.conn.execute(stmt).first()
        return r._asdict() if r is not None else None

    def list_changes(
        self, tree_id: uuid.UUID, sort: SortSpec, limit: int, *, about: uuid.UUID | None = None
    ) -> list[Row]:
        """A tree's changes in (created_at, id) order, keyset-paged; ``about``: only those with
        an item about this record or person."""
        c, i = t.changes, t.change_items
        stmt = self._changes_select().where(c.c.tree_id == tree_id)
        if about is not None:
            touching = sa.select(i.c.change_id).where(_about(i, about))
            stmt = stmt.where(c.c.id.in_(touching))
        cols = (c.c.created_at, c.c.id)
        if sort.after is not None:
            bound = sa.tuple_(
                sa.literal(_cursor_time(sort.after), c.c.created_at.type),
                sa.literal(_cursor_id(sort.after), c.c.id.type),
            )
            key = sa.tuple_(*cols)
            stmt = stmt.where(key < bound if sort.descending else key > bound)
        order = [x.desc() if sort.descending else x.asc() for x in cols]
        return [r._asdict() for r in self.conn.execute(stmt.order_by(*order).limit(limit))]

    def items_of_changes(
        self, change_ids: Sequence[uuid.UUID], *, about: uuid.UUID | None = None
    ) -> list[Row]:
        if not change_ids:
            return []
        i = t.change_items
        stmt = sa.select(i).where(i.c.change_id.in_(list(change_ids)))
        if about is not None:
            stmt = stmt.where(_about(i, about))
        stmt = stmt.order_by(i.c.change_id, i.c.position)
        return [r._asdict() for r in self.conn.execute(stmt)]

    def tree_of_record(self, record_id: uuid.UUID) -> uuid.UUID | None:
        """The tree of a record known only to the history (it has been deleted)."""
        c, i = t.changes, t.change_items
        stmt = (
            sa.select(c.c.tree_id)
            .join(i, i.c.change_id == c.c.id)
            .where(sa.or_(i.c.record_id == record_id, i.c.person_id == record_id))
            .order_by(c.c.created_at.desc())
            .limit(1)
        )
        found: uuid.UUID | None = self.conn.scalar(stmt)
        return found

    # -- undo ---------------------------------------------------------------------------------
    def revert_items(self, items: Sequence[Row]) -> set[uuid.UUID]:
        """Puts every row these items touched back as it was before them, or raises Conflict
        (saying which record and why) if one has changed since. Returns the people whose
        summaries must be recomputed."""
        plan: list[tuple[str, tuple[Any, ...], Row]] = []
        for item in items:
            kind, before, after = item["kind"], item["before"], item["after"]
            snap = after if after is not None else before
            key = _key_of(kind, snap) if snap is not None else None
            if key is None or kind not in TRACKED:
                raise Conflict(
                    "This change cannot be undone: the content it recorded has been erased."
                )
            plan.append((kind, key, item))
        current = self._current([(k, key) for k, key, _ in plan], lock=True)
        for kind, key, item in plan:
            now = current.get((kind, key))
            if item["after"] is None and now is not None:
                raise Conflict(f"Cannot undo: the {_label(kind)} it deleted has been added back.")
            if item["after"] is not None and now is None:
                raise Conflict(
                    f"Cannot undo: the {_label(kind)} it touched has since been deleted."
                )
            if item["after"] is not None and not same(kind, item["after"], now):
                raise Conflict(
                    f"Cannot undo: the {_label(kind)} {record_id(kind, key)} has changed since. "
                    "Undo the later changes first, or edit it by hand."
                )
        mine = {(kind, key) for kind, key, _ in plan}
        inserts = [p for p in plan if p[2]["before"] is None]
        deletes = [p for p in plan if p[2]["after"] is None]
        updates = [p for p in plan if p[2]["before"] is not None and p[2]["after"] is not None]
        # Rows it added go first, those pointing at others before what they point at.
        for kind, key, _ in sorted(inserts, key=lambda p: -RANK[p[0]]):
            self._remove_row(kind, key, mine)
        for kind, _, item in sorted(deletes, key=lambda p: RANK[p[0]]):
            self._restore_row(kind, item["before"])
        for kind, key, item in updates:
            self._reset_row(kind, key, item["before"])
        people: set[uuid.UUID] = set()
        for kind, _, item in plan:
            for snap in (item["before"], item["after"]):
                if snap is not None:
                    people.update(_people_in(kind, snap))
        return people

    def _remove_row(self, kind: str, key: tuple[Any, ...], mine: set[Key]) -> None:
        table = TRACKED[kind]
        where = _where_key(kind, key)
        others = [d for d in self._dependents(table, where) if d not in mine]
        if others:
            raise Conflict(
                f"Cannot undo: the {_label(kind)} it added has since been linked to other "
                f"records ({', '.join(sorted({_label(k) for k, _ in others}))})."
            )
        self._before_write(table, where, deleting=True)
        self.conn.execute(table.delete().where(where))

    def _dependents(self, table: sa.Table, where: sa.ColumnElement[bool]) -> list[Key]:
        """Rows a delete of ``table`` rows matching ``where`` would remove or change: by foreign
        key, and links pointing at them by (target_type, target_id)."""
        kind = KIND_OF[table.name]
        rows = [r._asdict() for r in self.conn.execute(sa.select(table).where(where))]
        found: list[Key] = []
        for ref in REFS.get(table.name, ()):
            values = list({r[ref.referred] for r in rows})
            if not values:
                continue
            cond = ref.table.c[ref.column].in_(values)
            child = KIND_OF[ref.table.name]
            for r in self.conn.execute(sa.select(ref.table).where(cond)):
                k = _key_of(child, r._asdict())
                assert k is not None
                found.append((child, k))
            if ref.cascade:
                found += self._dependents(ref.table, cond)
        if "id" in table.c and rows:
            ids = [r["id"] for r in rows]
            for links in LINKS_BY_TARGET:
                pointing = sa.and_(links.c.target_type == kind, links.c.target_id.in_(ids))
                lkind = KIND_OF[links.name]
                for r in self.conn.execute(sa.select(links).where(pointing)):
                    k = _key_of(lkind, r._asdict())
                    assert k is not None
                    found.append((lkind, k))
        return found

    def _restore_row(self, kind: str, before: Mapping[str, Any]) -> None:
        table = TRACKED[kind]
        values = _typed(table, before)
        if "version" in table.c:
            # A new version: an ETag read before the delete must not match the restored record.
            values["version"] = int(values.get("version") or 1) + 1
            values["updated_at"] = datetime.now(UTC)
        self._inserted(table, [values])
        self.conn.execute(table.insert().values(**values))

    def _reset_row(self, kind: str, key: tuple[Any, ...], before: Mapping[str, Any]) -> None:
        table = TRACKED[kind]
        where = _where_key(kind, key)
        values = _typed(table, content(kind, before))
        for name in KEYS[kind]:
            values.pop(name, None)
        if "version" in table.c:
            values["version"] = table.c.version + 1
            values["updated_at"] = datetime.now(UTC)
        self._before_write(table, where, key=key)
        self.conn.execute(table.update().where(where).values(**values))

    # -- audit log ----------------------------------------------------------------------------
    def audit_tail(self) -> Row | None:
        """The last entry of the audit log, read under a lock that every append takes, so two
        transactions can never chain onto the same entry (SQLite's writers are serialised by
        BEGIN IMMEDIATE already). ``seq`` is the primary key besides: a writer that saw a stale
        tail fails on insert instead of forking the chain."""
        if self.is_postgres:
            self.conn.execute(sa.select(sa.func.pg_advisory_xact_lock(_AUDIT_LOCK)))
        a = t.audit_log
        r = self.conn.execute(
            sa.select(a.c.seq, a.c.hash).order_by(a.c.seq.desc()).limit(1)
        ).first()
        return r._asdict() if r is not None else None

    def append_audit(self, values: Mapping[str, Any]) -> None:
        self.conn.execute(t.audit_log.insert().values(**values))

    def audit_entries(
        self,
        *,
        after_seq: int | None = None,
        before_seq: int | None = None,
        limit: int,
        action: str | None = None,
        tree_id: uuid.UUID | None = None,
    ) -> list[Row]:
        """Entries in ``seq`` order after ``after_seq``, or newest first below ``before_seq``
        (or from the newest) when ``after_seq`` is None."""
        a = t.audit_log
        stmt = sa.select(a)
        if action is not None:
            stmt = stmt.where(a.c.action == action)
        if tree_id is not None:
            stmt = stmt.where(a.c.tree_id == tree_id)
        if after_seq is not None:
            stmt = stmt.where(a.c.seq > after_seq).order_by(a.c.seq)
        else:
            if before_seq is not None:
                stmt = stmt.where(a.c.seq < before_seq)
            stmt = stmt.order_by(a.c.seq.desc())
        return [r._asdict() for r in self.conn.execute(stmt.limit(limit))]


def derive_action(items: Sequence[Mapping[str, Any]]) -> str:
    """'<kind>.<create|update|delete>' of what the change is mainly about: the first item of the
    most important kind, else the record owning the first link row."""
    verbs = {"insert": "create", "update": "update", "delete": "delete"}
    main = [i for i in items if i["kind"] in SUBJECT_ORDER]
    if main:
        subject = min(main, key=lambda i: SUBJECT_ORDER.index(i["kind"]))
        return f"{subject['kind']}.{verbs[subject['op']]}"
    if items:
        return f"{owner_kind(items[0])}.update"
    return "change"


SUBJECT_ORDER = (
    "person",
    "family",
    "source",
    "repository",
    "place",
    "event",
    "note",
    "media",
    "citation",
)
"""Record kinds, the one a change is named after first (a person's deletion also deletes
their events and citations, and is a person.delete)."""


def owner_kind(item: Mapping[str, Any]) -> str:
    """The record a link row belongs to."""
    snap = item["after"] if item["after"] is not None else item["before"]
    kind = str(item["kind"])
    fixed = {"name": "person", "family_child": "family", "note_link": "note", "media_link": "media"}
    if kind in fixed:
        return fixed[kind]
    if kind == "external_id" and snap is not None:
        return str(snap.get("target_type") or kind)
    return kind


def _people_in(kind: str, snap: Mapping[str, Any]) -> set[uuid.UUID]:
    names = {
        "person": ("id",),
        "name": ("person_id",),
        "event": ("person_id",),
        "family": ("partner1_id", "partner2_id"),
        "family_child": ("child_id",),
    }.get(kind, ())
    return {uuid.UUID(str(snap[n])) for n in names if snap.get(n)}


def _label(kind: str) -> str:
    return kind.replace("_", " ")


def _cursor_time(values: tuple[Any, ...]) -> datetime:
    try:
        return datetime.fromisoformat(str(values[0]))
    except (ValueError, IndexError) as exc:
        raise DzinzaError("The cursor is not one that Dzinza gave out.") from exc


def _cursor_id(values: tuple[Any, ...]) -> uuid.UUID:
    try:
        if len(values) != 2:
            raise ValueError("wrong length")
        return uuid.UUID(str(values[1]))
    except ValueError as exc:
        raise DzinzaError("The cursor is not one that Dzinza gave out.") from exc
