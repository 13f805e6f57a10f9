"""The SQL implementation of the ``TreeStore`` port: one class for transactions, generic record
access, and the genealogy queries (people lists, pedigree, descendants) built as single SQL
statements, recursive CTEs where the graph is walked.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from dzinza.adapters.sql import privacy
from dzinza.adapters.sql import queries as q
from dzinza.adapters.sql import tables as t
from dzinza.adapters.sql.queries import SUMMARY_COLUMNS, TABLES
from dzinza.adapters.sql.store_accounts import AccountQueries
from dzinza.adapters.sql.store_duplicates import DuplicateQueries
from dzinza.adapters.sql.store_gdpr import DataProtectionQueries
from dzinza.adapters.sql.store_gedcom import GedcomQueries
from dzinza.adapters.sql.store_history import HistoryQueries
from dzinza.adapters.sql.store_jobs import JobQueries
from dzinza.adapters.sql.store_media import MediaQueries
from dzinza.adapters.sql.store_members import MemberQueries
from dzinza.adapters.sql.store_search import SearchQueries
from dzinza.adapters.sql.store_stats import StatisticsQueries
from dzinza.domain.errors import Conflict, DzinzaError, ValidationFailed
from dzinza.domain.living import living_cutoff
from dzinza.ports import PeopleFilter, Row, SortSpec, Viewer, ViewerLevel


def _now() -> datetime:
    return datetime.now(UTC)


def _row(r: sa.Row[Any] | None) -> Row | None:
    return dict(r._mapping) if r is not None else None


class SqlSession(
    AccountQueries,
    DataProtectionQueries,
    MemberQueries,
    HistoryQueries,
    JobQueries,
    GedcomQueries,
    SearchQueries,
    DuplicateQueries,
    MediaQueries,
    StatisticsQueries,
):
    """One transaction. Reads and writes in here see each other; nothing is visible elsewhere
    until the ``write()`` block of the store exits without an exception."""

    def __init__(self, conn: sa.Connection) -> None:
        self.conn = conn
        self.is_postgres = conn.dialect.name == "postgresql"
        # Until the services say who is reading, a session shows what a guest would see: a
        # forgotten access check hides the living rather than leaking them.
        self.set_viewer(Viewer(ViewerLevel.GUEST, living_cutoff()))
        self.author: uuid.UUID | None = None

    # -- who is asking -----------------------------------------------------------------------
    def set_viewer(self, viewer: Viewer) -> None:
        self.viewer = viewer
        self.scope = privacy.scope_of(viewer)
        self.scope_params = privacy.params_of(viewer)

    def set_author(self, user_id: uuid.UUID | None) -> None:
        """The user records added in this session are credited to (``created_by``)."""
        self.author = user_id

    def visible(self, kind: str, record_id: uuid.UUID) -> bool:
        if self.scope is privacy.Scope.FULL:
            return True
        stmt = _hidden_query(kind, self.scope)
        return not self.conn.execute(stmt, {"id": record_id, **self.scope_params}).scalar()

    # -- what the privacy rules read ------------------------------------------------------------
    def relatives_of(self, person_ids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
        """Partners, parents and children of these people."""
        if not person_ids:
            return set()
        return set(self.conn.scalars(privacy.RELATIVES, {"ids": list(person_ids)}))

    def family_people(self, family_ids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
        """Partners and children of these families."""
        f, fc = t.families, t.family_children
        ids = list(family_ids)
        found: set[uuid.UUID] = set(
            self.conn.scalars(sa.select(fc.c.child_id).where(fc.c.family_id.in_(ids)))
        )
        for a, b in self.conn.execute(
            sa.select(f.c.partner1_id, f.c.partner2_id).where(f.c.id.in_(ids))
        ):
            found.update(x for x in (a, b) if x is not None)
        return found

    def refresh_evidence(self, person_ids: Sequence[uuid.UUID] | set[uuid.UUID]) -> None:
        """Recomputes has_death and evidence_day of these people (see adapters/sql/privacy.py)."""
        if person_ids:
            self.conn.execute(privacy.EVIDENCE, {"ids": list(person_ids)})

    def refresh_evidence_of_tree(self, tree_id: uuid.UUID) -> None:
        if self.is_postgres:
            # Right after a bulk load, PostgreSQL's statistics still describe the tables as they
            # were (often empty), and this statement was planned as nested loops that ran for
            # minutes. ANALYZE in the transaction samples its own new rows too.
            for table in (t.people, t.families, t.family_children, t.events):
                self.conn.exec_driver_sql(f"ANALYZE {table.name}")
        self.conn.execute(privacy.EVIDENCE_OF_TREE, {"of_tree": tree_id})

    # -- generic records ---------------------------------------------------------------------
    def insert(self, kind: str, values: Mapping[str, Any]) -> uuid.UUID:
        table = TABLES[kind]
        data = dict(values)
        data.setdefault("id", uuid.uuid4())
        if "created_by" in table.c and self.author is not None:
            data.setdefault("created_by", self.author)
        if "updated_at" in table.c:
            now = _now()
            data.setdefault("created_at", now)
            data.setdefault("updated_at", now)
        self.conn.execute(table.insert().values(**data))
        self._inserted(table, [data])
        return uuid.UUID(str(data["id"]))

    def insert_many(self, kind: str, rows: Sequence[Mapping[str, Any]]) -> None:
        """Bulk insert (one executemany); used by importers and the benchmark generator."""
        if rows:
            self.conn.execute(q.BULK_TABLES[kind].insert(), list(rows))
            self._inserted(q.BULK_TABLES[kind], rows)

    def get(self, kind: str, record_id: uuid.UUID, *, lock: bool = False) -> Row | None:
        if lock and self.is_postgres:
            table = TABLES[kind]
            stmt = sa.select(table).where(table.c.id == record_id).with_for_update()
            return _row(self.conn.execute(stmt).first())
        return _row(self.conn.execute(q.GET[kind], {"id": record_id}).first())

    def _all(self, stmt: sa.Executable, **params: Any) -> list[Row]:
        return [r._asdict() for r in self.conn.execute(stmt, params)]

    def get_many(self, kind: str, record_ids: Sequence[uuid.UUID]) -> list[Row]:
        return self._all(q.GET_MANY[kind], ids=list(set(record_ids))) if record_ids else []

    def ids_where(self, kind: str, field: str, value: Any) -> list[uuid.UUID]:
        table = TABLES[kind]
        return list(self.conn.scalars(sa.select(table.c.id).where(table.c[field] == value)))

    def update(self, kind: str, record_id: uuid.UUID, values: Mapping[str, Any]) -> None:
        table = TABLES[kind]
        data = dict(values)
        if "version" in table.c:
            data["version"] = table.c.version + 1
            data["updated_at"] = _now()
        self._before_write(table, table.c.id == record_id, key=(record_id,))
        self.conn.execute(table.update().where(table.c.id == record_id).values(**data))

    def touch(self, kind: str, record_id: uuid.UUID) -> None:
        """Bump a record's version after a change to something it embeds (names, children...)."""
        self.update(kind, record_id, {})

    def delete(self, kind: str, record_id: uuid.UUID) -> None:
        table = TABLES[kind]
        # The stored files of what goes: their bytes are deleted later, if nothing holds them.
        shas = (
            self.shas_of_tree(record_id)
            if kind == "tree"
            else self._sha_of_media(record_id)
            if kind == "media"
            else []
        )
        self._before_write(table, table.c.id == record_id, deleting=True)
        self.conn.execute(table.delete().where(table.c.id == record_id))
        if kind == "tree":  # an index outside the database drops the tree's documents
            self.queue_search([(record_id, "tree", record_id)])
        self.orphan_unused(shas, _now())

    def _sha_of_media(self, media_id: uuid.UUID) -> list[str]:
        sha = self.conn.scalar(sa.select(t.media.c.sha256).where(t.media.c.id == media_id))
        return [sha] if sha is not None else []

    def list_records(
        self,
        kind: str,
        tree_id: uuid.UUID,
        sort: SortSpec,
        limit: int,
        where: Mapping[str, Any] | None = None,
    ) -> list[Row]:
        table = TABLES[kind]
        cols = tuple(table.c[name] for name in sort.columns)
        stmt = sa.select(table).where(
            table.c.tree_id == tree_id, sa.not_(privacy.record_hidden(kind, table, self.scope))
        )
        for name, value in (where or {}).items():
            stmt = stmt.where(table.c[name] == value)
        return self._page(stmt, cols, sort, limit)

    @staticmethod
    def _page_query(
        stmt: sa.Select[Any],
        cols: tuple[sa.ColumnElement[Any], ...],
        sort: SortSpec,
        limit: int,
    ) -> sa.Select[Any]:
        """Keyset pagination: the page after ``sort.after`` in (cols...) order, ``limit`` rows."""
        if sort.after is not None:
            after = _cursor_values(cols, sort.after)
            key, bound = (
                sa.tuple_(*cols),
                sa.tuple_(*[sa.literal(v, c.type) for c, v in zip(cols, after, strict=True)]),
            )
            stmt = stmt.where(key < bound if sort.descending else key > bound)
        order = [c.desc() if sort.descending else c.asc() for c in cols]
        return stmt.order_by(*order).limit(limit)

    # -- trees and users -----------------------------------------------------------------------
    def list_trees(
        self, user_id: uuid.UUID | None, is_admin: bool, sort: SortSpec, limit: int
    ) -> list[Row]:
        tr, m = t.trees, t.tree_members
        stmt = sa.select(tr)
        if not is_admin:
            visible = tr.c.visibility == "public"
            if user_id is not None:
                member = sa.select(m.c.tree_id).where(m.c.user_id == user_id)
                visible = sa.or_(
                    visible,
                    tr.c.visibility == "members",
                    tr.c.owner_id == user_id,
                    tr.c.id.in_(member),
                )
            stmt = stmt.where(visible)
        return self._page(stmt, tuple(tr.c[n] for n in sort.columns), sort, limit)

    # -- people ----------------------------------------------------------------------------
    def names_of(self, person_ids: Sequence[uuid.UUID]) -> list[Row]:
        return self._all(q.NAMES_OF, ids=list(person_ids))

    def replace_names(
        self, person_id: uuid.UUID, tree_id: uuid.UUID, names: Sequence[Mapping[str, Any]]
    ) -> None:
        self._before_write(t.names, t.names.c.person_id == person_id, deleting=True)
        self.conn.execute(t.names.delete().where(t.names.c.person_id == person_id))
        rows = [
            {
                "id": uuid.uuid4(),
                **dict(n),
                "person_id": person_id,
                "tree_id": tree_id,
                "position": i,
            }
            for i, n in enumerate(names)
        ]
        self.insert_many("name", rows)

    def events_of(
        self, *, person_id: uuid.UUID | None = None, family_ids: Sequence[uuid.UUID] = ()
    ) -> list[Row]:
        if person_id is not None:
            return self._all(q.EVENTS_OF_PERSON, id=person_id)
        if not family_ids:
            return []
        return self._all(
            q.EVENTS_OF_FAMILIES[self.scope], ids=list(family_ids), **self.scope_params
        )

    def summaries(self, person_ids: Sequence[uuid.UUID]) -> list[Row]:
        if not person_ids:
            return []
        return self._all(q.SUMMARIES[self.scope], ids=list(set(person_ids)), **self.scope_params)

    def list_people(
        self, tree_id: uuid.UUID, flt: PeopleFilter, sort: SortSpec, limit: int
    ) -> list[Row]:
        if flt.name:
            return self._list_people_by_name(tree_id, flt, sort, limit)
        p = t.people
        stmt = sa.select(*SUMMARY_COLUMNS, p.c.name_key, p.c.birth_sort).where(
            p.c.tree_id == tree_id, sa.not_(privacy.hidden(p, self.scope))
        )
        if flt.sex is not None:
            stmt = stmt.where(p.c.sex == flt.sex)
        stmt = stmt.where(*_birth_range(p, flt))
        if flt.place_id is not None:
            stmt = stmt.where(p.c.id.in_(self._people_at(flt.place_id)))
        return self._page(stmt, tuple(p.c[n] for n in sort.columns), sort, limit)

    def _page(
        self,
        stmt: sa.Select[Any],
        cols: tuple[sa.ColumnElement[Any], ...],
        sort: SortSpec,
        limit: int,
    ) -> list[Row]:
        rows = self.conn.execute(self._page_query(stmt, cols, sort, limit), self.scope_params)
        return [r._asdict() for r in rows]

    def _list_people_by_name(
        self, tree_id: uuid.UUID, flt: PeopleFilter, sort: SortSpec, limit: int
    ) -> list[Row]:
        """A name filter reads one range of the name_search index: the page's ids come from the
        index alone (filters, keyset and order included), then their summaries by primary key."""
        assert flt.name
        ns, p = t.name_search, t.people
        hi = flt.name + "\U0010ffff"
        cols = (ns.c[sort.columns[0]], ns.c.person_id)
        ids = (
            sa.select(*cols)
            .distinct()
            .where(ns.c.tree_id == tree_id, ns.c.key >= flt.name, ns.c.key < hi)
        )
        if flt.sex is not None:
            ids = ids.where(ns.c.sex == flt.sex)
        ids = ids.where(*_birth_range(ns, flt))
        if flt.place_id is not None:
            ids = ids.where(ns.c.person_id.in_(self._people_at(flt.place_id)))
        page = self._page_query(ids, cols, sort, limit).subquery("page")
        stmt = (
            sa.select(*SUMMARY_COLUMNS, p.c.name_key, p.c.birth_sort)
            .join(page, page.c.person_id == p.c.id)
            .where(sa.not_(privacy.hidden(p, self.scope)))
            .order_by(*[page.c[c.name].desc() if sort.descending else page.c[c.name] for c in cols])
        )
        return [r._asdict() for r in self.conn.execute(stmt, self.scope_params)]

    def _people_at(self, place_id: uuid.UUID) -> sa.Select[Any]:
        places = self._place_subtree(place_id)
        e = t.events
        return sa.select(e.c.person_id).where(
            e.c.place_id.in_(sa.select(places.c.id)), e.c.person_id.is_not(None)
        )

    def replace_search_keys(self, person_id: uuid.UUID, rows: Sequence[Mapping[str, Any]]) -> None:
        self.conn.execute(t.name_search.delete().where(t.name_search.c.person_id == person_id))
        self.insert_many("name_search", rows)

    def _place_subtree(self, place_id: uuid.UUID) -> sa.CTE:
        pl = t.places
        sub = sa.select(pl.c.id).where(pl.c.id == place_id).cte("place_tree", recursive=True)
        return sub.union(sa.select(pl.c.id).where(pl.c.parent_id == sub.c.id))

    def delete_links_to(self, targets: Sequence[tuple[str, uuid.UUID]]) -> None:
        """Removes citations, note and media links and external ids that point at these records."""
        by_type: dict[str, list[uuid.UUID]] = {}
        for kind, rid in targets:
            by_type.setdefault(kind, []).append(rid)
        for kind, ids in by_type.items():
            for table in t.LINK_TABLES:
                where = sa.and_(table.c.target_type == kind, table.c.target_id.in_(ids))
                self._before_write(table, where, deleting=True)
                self.conn.execute(table.delete().where(where))

    def event_ids(
        self, *, person_id: uuid.UUID | None = None, family_id: uuid.UUID | None = None
    ) -> list[uuid.UUID]:
        e = t.events
        cond = e.c.person_id == person_id if person_id is not None else e.c.family_id == family_id
        return list(self.conn.scalars(sa.select(e.c.id).where(cond)))

    def links_to(self, kind: str, target_id: uuid.UUID) -> dict[str, list[Row]]:
        """Citations, notes and media attached to one record, and its external ids."""
        params = {"kind": str(kind), "target": target_id}
        found: dict[str, list[Row]] = {"notes": [], "media": [], "external_ids": []}
        rows = self._all(q.NOTES_MEDIA_IDS_OF[self.scope], **params, **self.scope_params)
        rows.sort(key=lambda r: (r["created_at"] is None, r["created_at"] or 0, str(r["id"])))
        for r in rows:
            if r["link"] == "note":
                found["notes"].append({"id": r["id"], "text": r["body"]})
            elif r["link"] == "media":
                found["media"].append(
                    {
                        "id": r["id"],
                        "title": r["title"],
                        "file": r["file"],
                        "mime_type": r["mime_type"],
                    }
                )
            else:
                found["external_ids"].append({"kind": r["title"], "value": r["body"]})
        found["external_ids"].sort(key=lambda x: (x["kind"], x["value"]))
        found["citations"] = self._all(q.CITATIONS_OF, **params)
        return found

    def get_in_tree(
        self, kind: str, record_id: uuid.UUID, *, lock: bool = False
    ) -> tuple[Row, Row] | None:
        """A record and its tree in one statement; ``lock`` holds the record (PostgreSQL's
        FOR UPDATE; SQLite's writers already hold the database) until the transaction ends."""
        stmt = q.GET_IN_TREE[kind]
        if lock and self.is_postgres:
            stmt = stmt.with_for_update(of=TABLES[kind])
        row = self.conn.execute(stmt, {"id": record_id}).first()
        if row is None:
            return None
        both = row._asdict()
        n = len(q.TREE_PREFIX)
        tree = {k[n:]: v for k, v in both.items() if k.startswith(q.TREE_PREFIX)}
        return {k: v for k, v in both.items() if not k.startswith(q.TREE_PREFIX)}, tree

    def families_around(self, person_id: uuid.UUID) -> list[Row]:
        return self._all(q.FAMILIES_AROUND, id=person_id)

    def children_as_partner(self, person_id: uuid.UUID) -> list[Row]:
        return self._all(q.CHILDREN_AS_PARTNER, id=person_id)

    def events_around(self, person_id: uuid.UUID) -> list[Row]:
        return self._all(q.EVENTS_AROUND[self.scope], id=person_id, **self.scope_params)

    def link(
        self, table: str, own_id: uuid.UUID, kind: str, target_id: uuid.UUID, tree_id: uuid.UUID
    ) -> None:
        """Attach a note or media object to a record (idempotent)."""
        tbl, col = (t.note_links, "note_id") if table == "note" else (t.media_links, "media_id")
        exists = self.conn.scalar(
            sa.select(sa.func.count())
            .select_from(tbl)
            .where(tbl.c[col] == own_id, tbl.c.target_type == kind, tbl.c.target_id == target_id)
        )
        if not exists:
            values = {col: own_id, "target_type": kind, "target_id": target_id, "tree_id": tree_id}
            self.conn.execute(tbl.insert().values(values))
            self._inserted(tbl, [values])

    def unlink(self, table: str, own_id: uuid.UUID, kind: str, target_id: uuid.UUID) -> bool:
        tbl, col = (t.note_links, "note_id") if table == "note" else (t.media_links, "media_id")
        where = sa.and_(
            tbl.c[col] == own_id, tbl.c.target_type == kind, tbl.c.target_id == target_id
        )
        self._before_write(tbl, where, deleting=True)
        res = self.conn.execute(tbl.delete().where(where))
        return res.rowcount > 0

    def replace_external_ids(
        self, tree_id: uuid.UUID, kind: str, target_id: uuid.UUID, ids: Sequence[tuple[str, str]]
    ) -> None:
        x = t.external_ids
        where = sa.and_(x.c.target_type == kind, x.c.target_id == target_id)
        self._before_write(x, where, deleting=True)
        self.conn.execute(x.delete().where(where))
        for id_kind, value in ids:
            self.add_external_id(tree_id, kind, target_id, id_kind, value)

    def add_external_id(
        self, tree_id: uuid.UUID, kind: str, target_id: uuid.UUID, id_kind: str, value: str
    ) -> None:
        values = {
            "id": uuid.uuid4(),
            "tree_id": tree_id,
            "target_type": kind,
            "target_id": target_id,
            "kind": id_kind,
            "value": value,
        }
        self.conn.execute(t.external_ids.insert().values(values))
        self._inserted(t.external_ids, [values])

    # -- families --------------------------------------------------------------------------
    def families_as_partner(self, person_id: uuid.UUID) -> list[Row]:
        return self._all(q.FAMILIES_AS_PARTNER, id=person_id)

    def families_as_child(self, person_id: uuid.UUID) -> list[Row]:
        return self._all(q.FAMILIES_AS_CHILD, id=person_id)

    def children_of(self, family_ids: Sequence[uuid.UUID]) -> list[Row]:
        return self._all(q.CHILDREN_OF, ids=list(family_ids)) if family_ids else []

    def family_members(
        self, tree_id: uuid.UUID, person_ids: Sequence[uuid.UUID], *, children: bool = True
    ) -> list[Row]:
        """Every family of ``tree_id`` that any of these people is a partner or a child in, one
        row per child (a childless family once, its child_id None): family_id, partner1_id,
        partner2_id, child_id, pedigree. With ``children`` False: only the families they are a
        partner in, once each, without their children. Raw links, no summaries: the caller
        masks the people it shows (the relationship path walks with it, the descendant chart
        finds partners with it)."""
        if not person_ids:
            return []
        stmt = _FAMILY_MEMBERS if children else _FAMILIES_AS_PARTNERS
        return self._all(stmt, tree=tree_id, ids=list(person_ids))

    def add_child(
        self, family_id: uuid.UUID, tree_id: uuid.UUID, child_id: uuid.UUID, pedigree: str
    ) -> None:
        fc = t.family_children
        pos = self.conn.scalar(
            sa.select(sa.func.coalesce(sa.func.max(fc.c.position) + 1, 0)).where(
                fc.c.family_id == family_id
            )
        )
        self.conn.execute(
            fc.insert().values(
                family_id=family_id,
                child_id=child_id,
                tree_id=tree_id,
                pedigree=pedigree,
                position=pos,
            )
        )
        self._inserted(fc, [{"family_id": family_id, "child_id": child_id}])

    def set_child_pedigree(self, family_id: uuid.UUID, child_id: uuid.UUID, pedigree: str) -> bool:
        fc = t.family_children
        self._before_write(fc, sa.and_(fc.c.family_id == family_id, fc.c.child_id == child_id))
        res = self.conn.execute(
            fc.update()
            .where(fc.c.family_id == family_id, fc.c.child_id == child_id)
            .values(pedigree=pedigree)
        )
        return res.rowcount > 0

    def remove_child(self, family_id: uuid.UUID, child_id: uuid.UUID) -> bool:
        fc = t.family_children
        where = sa.and_(fc.c.family_id == family_id, fc.c.child_id == child_id)
        self._before_write(fc, where, deleting=True)
        res = self.conn.execute(
            fc.delete().where(fc.c.family_id == family_id, fc.c.child_id == child_id)
        )
        return res.rowcount > 0

    def delete_empty_families(self, family_ids: Sequence[uuid.UUID]) -> list[uuid.UUID]:
        """Deletes those of these families left with no partner, no child and no event."""
        f, fc, e = t.families, t.family_children, t.events
        stmt = sa.select(f.c.id).where(
            f.c.id.in_(family_ids),
            f.c.partner1_id.is_(None),
            f.c.partner2_id.is_(None),
            ~sa.exists().where(fc.c.family_id == f.c.id),
            ~sa.exists().where(e.c.family_id == f.c.id),
        )
        empty = list(self.conn.scalars(stmt))
        if empty:
            self._before_write(f, f.c.id.in_(empty), deleting=True)
            self.conn.execute(f.delete().where(f.c.id.in_(empty)))
        return empty

    # -- the graph -------------------------------------------------------------------------
    def ancestors(self, person_id: uuid.UUID, generations: int, max_rows: int) -> list[Row]:
        """Rows (person_id, generation, child_id, family_id, pedigree, summary...): one per
        parent link walked, ids as text."""
        return self._chart(q.ANCESTORS[self.scope], "child_id", person_id, generations, max_rows)

    def descendants(self, person_id: uuid.UUID, generations: int, max_rows: int) -> list[Row]:
        """Rows (person_id, generation, parent_id, family_id, pedigree, summary...): one per
        child link walked, ids as text."""
        return self._chart(q.DESCENDANTS[self.scope], "parent_id", person_id, generations, max_rows)

    def _chart(
        self, stmt: sa.Select[Any], via: str, person_id: uuid.UUID, generations: int, max_rows: int
    ) -> list[Row]:
        # A 10-generation chart is a thousand rows; SQLAlchemy's per-value result processing
        # cost more than the recursive query, so these rows are read from the DB-API cursor.
        params = {"id": person_id, "generations": generations, "max_rows": max_rows}
        result = self.conn.execute(stmt, params | self.scope_params)
        raw = result.cursor.fetchall() if result.cursor is not None else []
        result.close()
        out: list[Row] = []
        for pid, gen, other, fam, ped, name, sex, birth, death, living, hidden in raw:
            out.append(
                {
                    "person_id": _dashed(pid),
                    "generation": gen,
                    via: _dashed(other) if other is not None else None,
                    "family_id": _dashed(fam) if fam is not None else None,
                    "pedigree": ped,
                    "display_name": name,
                    "sex": sex,
                    "birth_text": birth,
                    "death_text": death,
                    "living": None if living is None else bool(living),
                    "hidden": bool(hidden),
                }
            )
        return out

    def is_descendant(self, ancestor_id: uuid.UUID, candidates: Sequence[uuid.UUID]) -> bool:
        """True if any candidate is ``ancestor_id`` or one of its descendants (any depth).

        UNION (not UNION ALL) keeps each person once, so the walk ends even on cyclic data.
        """
        if not candidates:
            return False
        f, fc = t.families, t.family_children
        base = sa.select(sa.literal(ancestor_id, sa.Uuid()).label("pid")).cte(
            "line", recursive=True
        )
        step = (
            sa.select(fc.c.child_id)
            .select_from(base)
            .join(f, sa.or_(f.c.partner1_id == base.c.pid, f.c.partner2_id == base.c.pid))
            .join(fc, fc.c.family_id == f.c.id)
        )
        line = base.union(step)
        stmt = sa.select(sa.func.count()).select_from(line).where(line.c.pid.in_(list(candidates)))
        return bool(self.conn.scalar(stmt))


def _family_members() -> sa.Select[Any]:
    f, fc = t.families, t.family_children
    ids: sa.BindParameter[object] = sa.bindparam("ids", expanding=True)
    chosen = sa.union(
        sa.select(f.c.id.label("id")).where(f.c.partner1_id.in_(ids)),
        sa.select(f.c.id).where(f.c.partner2_id.in_(ids)),
        sa.select(fc.c.family_id).where(fc.c.child_id.in_(ids)),
    ).subquery("chosen")
    return (
        sa.select(
            f.c.id.label("family_id"),
            f.c.partner1_id,
            f.c.partner2_id,
            fc.c.child_id,
            fc.c.pedigree,
        )
        .join(chosen, chosen.c.id == f.c.id)
        .outerjoin(fc, fc.c.family_id == f.c.id)
        .where(f.c.tree_id == sa.bindparam("tree"))
        .order_by(f.c.created_at, f.c.id, fc.c.position, fc.c.child_id)
    )


def _families_as_partners() -> sa.Select[Any]:
    f = t.families
    ids: sa.BindParameter[object] = sa.bindparam("ids", expanding=True)
    return (
        sa.select(
            f.c.id.label("family_id"),
            f.c.partner1_id,
            f.c.partner2_id,
            sa.null().label("child_id"),
            sa.null().label("pedigree"),
        )
        .where(
            f.c.tree_id == sa.bindparam("tree"),
            sa.or_(f.c.partner1_id.in_(ids), f.c.partner2_id.in_(ids)),
        )
        .order_by(f.c.created_at, f.c.id)
    )


_FAMILY_MEMBERS = _family_members()
_FAMILIES_AS_PARTNERS = _families_as_partners()


@functools.cache
def _hidden_query(kind: str, scope: privacy.Scope) -> sa.Select[Any]:
    """Whether one record is hidden from a reader of this scope; built once per kind and scope
    (a person's page asks it on every read)."""
    table = TABLES[kind]
    hidden = privacy.record_hidden(kind, table, scope)
    return sa.select(hidden).where(table.c.id == sa.bindparam("id"))


def _dashed(text: str) -> str:
    """SQLite keeps a UUID as 32 hex digits; PostgreSQL's text form already has dashes."""
    if len(text) == 32:
        return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"
    return text


def _birth_range(table: sa.Table, flt: PeopleFilter) -> list[sa.ColumnElement[bool]]:
    """ "Could have been born in the range": an open end (BEF, AFT) reaches any year."""
    lo, hi = table.c.birth_earliest, table.c.birth_latest
    out: list[sa.ColumnElement[bool]] = []
    if flt.born_from is not None or flt.born_to is not None:
        out.append(sa.or_(lo.is_not(None), hi.is_not(None)))
    if flt.born_from is not None:
        out.append(sa.or_(hi.is_(None), hi >= flt.born_from))
    if flt.born_to is not None:
        out.append(sa.or_(lo.is_(None), lo <= flt.born_to))
    return out


def _cursor_values(cols: tuple[sa.ColumnElement[Any], ...], values: tuple[Any, ...]) -> list[Any]:
    """A cursor's JSON values back in their column types; anything else is a forged cursor."""
    out: list[Any] = []
    try:
        if len(values) != len(cols):
            raise ValueError("wrong length")
        for col, value in zip(cols, values, strict=True):
            if isinstance(col.type, sa.Uuid):
                out.append(uuid.UUID(str(value)))
            elif isinstance(col.type, sa.DateTime):
                out.append(datetime.fromisoformat(str(value)))
            elif isinstance(col.type, sa.Integer):
                if not isinstance(value, int) or not -(2**31) <= value < 2**31:
                    raise ValueError("integer out of range")
                out.append(value)
            elif isinstance(value, str):
                out.append(value)
            else:
                raise ValueError("unexpected value")
    except ValueError as exc:
        raise DzinzaError("The cursor is not one that Dzinza gave out.") from exc
    return out


@contextmanager
def _user_errors() -> Iterator[None]:
    """Values the database refuses (a NUL in text, a number out of range) are the user's to fix:
    say so with a 4xx instead of failing with a 500. The transaction has rolled back by then."""
    try:
        yield
    except sa.exc.DataError as exc:
        raise ValidationFailed(
            "A value in the request cannot be stored: text must not contain NUL characters and "
            "numbers must be in range."
        ) from exc
    except sa.exc.IntegrityError as exc:
        raise Conflict(
            "The change conflicts with another record (it may have just been changed or "
            "deleted): reload and try again."
        ) from exc


class SqlTreeStore:
    """Hands out transactions on one engine (SQLite or PostgreSQL)."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        self._on_search_queued: list[Callable[[], None]] = []
        self._on_trees_changed: list[Callable[[frozenset[uuid.UUID]], None]] = []

    def on_search_queued(self, callback: Callable[[], None]) -> None:
        self._on_search_queued.append(callback)

    def on_trees_changed(self, callback: Callable[[frozenset[uuid.UUID]], None]) -> None:
        self._on_trees_changed.append(callback)

    @contextmanager
    def read(self) -> Iterator[SqlSession]:
        with _user_errors(), self.engine.connect() as conn, conn.begin():
            yield SqlSession(conn)

    @contextmanager
    def write(self) -> Iterator[SqlSession]:
        # BEGIN IMMEDIATE on SQLite takes the write lock up front, so two writers queue on the
        # busy timeout instead of one failing after it has read (PostgreSQL ignores the option).
        with (
            _user_errors(),
            self.engine.connect().execution_options(sqlite_begin="BEGIN IMMEDIATE") as conn,
            conn.begin(),
        ):
            session = SqlSession(conn)
            yield session
            session.flush_history()  # files the change history of this transaction
        if session.search_queued:
            for callback in self._on_search_queued:
                callback()
        if session.trees_changed:
            for changed in self._on_trees_changed:
                changed(session.trees_changed)

    def dispose(self) -> None:
        self.engine.dispose()
