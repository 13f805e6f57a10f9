"""GEDCOM import and export in the SQL store. Mixed into ``SqlSession``.

Imports write with PostgreSQL's COPY (and one executemany per batch on SQLite), bypassing the
change history row by row: an import is one change of its own, and a million history items
would double its cost for nothing anyone would read. Export reads a tree a page of people at a
time, with everything attached to that page fetched in one query per table.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import orjson
import sqlalchemy as sa

from dzinza.adapters.sql import privacy
from dzinza.adapters.sql import tables as t

IMPORT_TABLES: dict[str, sa.Table] = {
    table.name: table
    for table in (
        t.places,
        t.repositories,
        t.sources,
        t.notes,
        t.media,
        t.people,
        t.names,
        t.events,
        t.citations,
        t.note_links,
        t.media_links,
        t.external_ids,
        t.families,
        t.family_children,
        t.name_search,
        t.gedcom_records,
    )
}
"""What an import writes, in an order that satisfies every foreign key within one batch."""

_FAMC = sa.Table(
    "import_famc",
    sa.MetaData(),
    sa.Column("child_id", sa.Uuid()),
    sa.Column("family_id", sa.Uuid()),
    sa.Column("pedigree", sa.String(16)),
    sa.Column("position", sa.Integer()),
    # Without it, setting each child's pedigree scans the whole table: quadratic.
    sa.Index("ix_import_famc_pair", "family_id", "child_id"),
    prefixes=["TEMPORARY"],
)
"""A person's own links to the families they are a child of, kept until every family is in."""

TOP_LEVEL = ("people", "families", "sources", "repositories", "notes", "media")


def _dicts(result: sa.CursorResult[Any]) -> list[dict[str, Any]]:
    """All rows as dicts, fetched at once: export reads hundreds of thousands of rows, and
    fetching and mapping them one by one costs more than the query."""
    keys = list(result.keys())
    return [dict(zip(keys, row, strict=True)) for row in result.fetchall()]


class GedcomQueries:
    conn: sa.Connection
    is_postgres: bool

    def bulk_insert(self, table: str, rows: Sequence[Mapping[str, Any]]) -> None:
        if not rows:
            return
        tbl = IMPORT_TABLES[table] if table != "import_famc" else _FAMC
        if not self.is_postgres:
            self._sqlite_insert(tbl, rows)
            return
        columns = list(rows[0].keys())
        json_cols = {c for c in columns if isinstance(tbl.c[c].type, sa.JSON)}
        raw = self.conn.connection.driver_connection
        assert raw is not None
        names = ", ".join(f'"{c}"' for c in columns)
        with raw.cursor() as cursor, cursor.copy(f"COPY {tbl.name} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(
                    [
                        (orjson.dumps(row[c]).decode() if row[c] is not None else None)
                        if c in json_cols
                        else row[c]
                        for c in columns
                    ]
                )

    def _sqlite_insert(self, tbl: sa.Table, rows: Sequence[Mapping[str, Any]]) -> None:
        """One executemany of plain tuples: each value goes through its column type's own
        conversion (UUID to hex, JSON to text, datetimes to SQLite's format), as a Core insert
        would store it, without a Core insert's per-row work (the larger part of the cost)."""
        columns = list(rows[0].keys())
        dialect = self.conn.dialect
        converters = [tbl.c[c].type.dialect_impl(dialect).bind_processor(dialect) for c in columns]
        pairs = list(zip(columns, converters, strict=True))
        names = ", ".join(f'"{c}"' for c in columns)
        marks = ", ".join("?" for _ in columns)
        params = [
            tuple(
                convert(row[c]) if convert is not None and row[c] is not None else row[c]
                for c, convert in pairs
            )
            for row in rows
        ]
        # Names come from the schema (Table objects), never from input.
        sql = f'INSERT INTO "{tbl.name}" ({names}) VALUES ({marks})'  # noqa: S608
        self.conn.exec_driver_sql(sql, params)

    def set_place_coords(self, rows: Sequence[Mapping[str, Any]]) -> None:
        if rows:
            p = t.places
            self.conn.execute(
                p.update()
                .where(p.c.id == sa.bindparam("pid"))
                .values(latitude=sa.bindparam("lat"), longitude=sa.bindparam("lon")),
                [{"pid": r["id"], "lat": r["latitude"], "lon": r["longitude"]} for r in rows],
            )

    def start_famc(self) -> None:
        _FAMC.drop(self.conn, checkfirst=True)
        _FAMC.create(self.conn)

    def finish_famc(self, tree_id: uuid.UUID) -> int:
        """Adds the children that only their own record names (FAMC without CHIL) and sets the
        pedigree people give for themselves. Returns how many children were added."""
        f, c = _FAMC, t.family_children
        exists = sa.exists().where(c.c.family_id == f.c.family_id, c.c.child_id == f.c.child_id)
        known = sa.exists().where(t.families.c.id == f.c.family_id)
        added = self.conn.execute(
            c.insert().from_select(
                ["family_id", "child_id", "tree_id", "pedigree", "position"],
                sa.select(
                    f.c.family_id,
                    f.c.child_id,
                    sa.literal(tree_id),
                    f.c.pedigree,
                    f.c.position + 1000,
                ).where(~exists, known),
            )
        ).rowcount
        pedigree = (
            sa.select(f.c.pedigree)
            .where(f.c.family_id == c.c.family_id, f.c.child_id == c.c.child_id)
            # A person may name the same family twice (two FAMC): the first one counts.
            .order_by(f.c.position)
            .limit(1)
            .scalar_subquery()
        )
        differs = sa.exists().where(
            f.c.family_id == c.c.family_id, f.c.child_id == c.c.child_id, f.c.pedigree != "birth"
        )
        self.conn.execute(
            c.update().where(c.c.tree_id == tree_id, differs).values(pedigree=pedigree)
        )
        _FAMC.drop(self.conn)
        return int(added or 0)

    def identified_records(self, tree_id: uuid.UUID, values: Sequence[str]) -> list[dict[str, Any]]:
        """The tree's UID and REFN identifiers with one of these values, and their records."""
        e = t.external_ids
        out: list[dict[str, Any]] = []
        for start in range(0, len(values), 500):
            stmt = sa.select(e.c.kind, e.c.value, e.c.target_type, e.c.target_id).where(
                e.c.tree_id == tree_id,
                e.c.kind.in_(("uid", "refn")),
                e.c.value.in_(list(values[start : start + 500])),
            )
            out.extend(dict(r._mapping) for r in self.conn.execute(stmt))
        return out

    def existing_ids(self, table: str, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Any]:
        """Of these record ids, those already stored, with their ``gedcom`` column."""
        tbl = IMPORT_TABLES[table]
        out: dict[uuid.UUID, Any] = {}
        for start in range(0, len(ids), 500):
            chunk = list(ids[start : start + 500])
            for row in self.conn.execute(
                sa.select(tbl.c.id, tbl.c.gedcom).where(tbl.c.id.in_(chunk))
            ):
                out[row.id] = row.gedcom
        return out

    def clear_owned(self, table: str, ids: Sequence[uuid.UUID], kind: str) -> None:
        """Deletes what hangs from records an import is about to rewrite (names, events, links,
        inline notes; a family's children), leaving the records themselves, so that links to
        them from records the import leaves alone stay in place."""
        n, nl = t.notes, t.note_links
        for start in range(0, len(ids), 500):
            chunk = list(ids[start : start + 500])
            groups = [(kind, chunk)]
            if table in ("people", "families"):
                col = t.events.c.person_id if table == "people" else t.events.c.family_id
                events = [
                    r.id for r in self.conn.execute(sa.select(t.events.c.id).where(col.in_(chunk)))
                ]
                groups.append(("event", events))
                self.conn.execute(t.events.delete().where(col.in_(chunk)))
            for group_kind, group in groups:
                inline = sa.select(nl.c.note_id).where(
                    nl.c.target_type == group_kind, nl.c.target_id.in_(group)
                )
                self.conn.execute(n.delete().where(n.c.id.in_(inline), n.c.shared.is_(False)))
                for link in t.LINK_TABLES:
                    self.conn.execute(
                        link.delete().where(
                            link.c.target_type == group_kind, link.c.target_id.in_(group)
                        )
                    )
            if table == "people":
                self.conn.execute(t.names.delete().where(t.names.c.person_id.in_(chunk)))
                self.conn.execute(
                    t.name_search.delete().where(t.name_search.c.person_id.in_(chunk))
                )
            if table == "families":
                self.conn.execute(
                    t.family_children.delete().where(t.family_children.c.family_id.in_(chunk))
                )

    def update_records(self, table: str, rows: Sequence[Mapping[str, Any]]) -> None:
        """Rewrites records in place (a re-import that found them changed)."""
        if not rows:
            return
        tbl = IMPORT_TABLES[table]
        columns = [c for c in rows[0] if c != "id"]
        stmt = (
            tbl.update()
            .where(tbl.c.id == sa.bindparam("_id"))
            .values({c: sa.bindparam(c) for c in columns} | {"version": tbl.c.version + 1})
        )
        self.conn.execute(stmt, [{"_id": r["id"], **{c: r[c] for c in columns}} for r in rows])

    def drop_gedcom_records(self, ids: Sequence[uuid.UUID]) -> None:
        g, e = t.gedcom_records, t.external_ids
        for start in range(0, len(ids), 500):
            chunk = list(ids[start : start + 500])
            self.conn.execute(
                e.delete().where(e.c.target_type == "record", e.c.target_id.in_(chunk))
            )
            self.conn.execute(g.delete().where(g.c.id.in_(chunk)))

    def place_ids(self, tree_id: uuid.UUID) -> set[uuid.UUID]:
        p = t.places
        return {r.id for r in self.conn.execute(sa.select(p.c.id).where(p.c.tree_id == tree_id))}

    def uid_owner(self, tree_id: uuid.UUID, kind: str, value: str) -> uuid.UUID | None:
        e = t.external_ids
        return self.conn.execute(
            sa.select(e.c.target_id)
            .where(e.c.tree_id == tree_id, e.c.kind == kind, e.c.value == value)
            .limit(1)
        ).scalar()

    def count_records(self, tree_id: uuid.UUID) -> dict[str, int]:
        out = {}
        for name in TOP_LEVEL:
            tbl = IMPORT_TABLES[name]
            out[name] = int(
                self.conn.execute(
                    sa.select(sa.func.count()).select_from(tbl).where(tbl.c.tree_id == tree_id)
                ).scalar()
                or 0
            )
        return out

    # -- export -----------------------------------------------------------------------------
    def export_people(
        self, tree_id: uuid.UUID, after: uuid.UUID | None, limit: int
    ) -> list[dict[str, Any]]:
        """A page of a tree's people, each with ``hidden``: whether the reader may not see
        them (the privacy engine, inside the query)."""
        p = t.people
        scope = getattr(self, "scope")  # noqa: B009 - set by SqlSession.set_viewer
        stmt = sa.select(p, privacy.hidden(p, scope).label("hidden")).where(p.c.tree_id == tree_id)
        if after is not None:
            stmt = stmt.where(p.c.id > after)
        stmt = stmt.order_by(p.c.id).limit(limit)
        params = getattr(self, "scope_params")  # noqa: B009
        return _dicts(self.conn.execute(stmt, params))

    def export_records(
        self, table: str, tree_id: uuid.UUID, after: uuid.UUID | None, limit: int
    ) -> list[dict[str, Any]]:
        """A page of a tree's records of one table. Notes and media attached to someone the
        reader may not see are left out (the privacy engine, inside the query)."""
        tbl = IMPORT_TABLES[table]
        stmt = sa.select(tbl).where(tbl.c.tree_id == tree_id).order_by(tbl.c.id).limit(limit)
        if after is not None:
            stmt = stmt.where(tbl.c.id > after)
        kind = {"notes": "note", "media": "media"}.get(table)
        scope = getattr(self, "scope")  # noqa: B009 - set by SqlSession.set_viewer
        if kind is not None and scope is not privacy.Scope.FULL:
            stmt = stmt.where(~privacy.record_hidden(kind, tbl, scope))
        params = getattr(self, "scope_params")  # noqa: B009
        return _dicts(self.conn.execute(stmt, params))

    def export_children(
        self, table: str, column: str, ids: Sequence[uuid.UUID]
    ) -> list[dict[str, Any]]:
        if not ids:
            return []
        tbl = IMPORT_TABLES[table]
        order = [tbl.c[column]]
        if "position" in tbl.c:
            order.append(tbl.c.position)
        stmt = sa.select(tbl).where(tbl.c[column].in_(list(ids))).order_by(*order)
        return _dicts(self.conn.execute(stmt))

    def export_links(self, table: str, kind: str, ids: Sequence[uuid.UUID]) -> list[dict[str, Any]]:
        if not ids:
            return []
        tbl = IMPORT_TABLES[table]
        stmt = sa.select(tbl).where(tbl.c.target_type == kind, tbl.c.target_id.in_(list(ids)))
        if "position" in tbl.c:
            stmt = stmt.order_by(tbl.c.target_id, tbl.c.position)
        scope = getattr(self, "scope")  # noqa: B009 - set by SqlSession.set_viewer
        if table in ("note_links", "media_links") and scope is not privacy.Scope.FULL:
            # A shared note or photo also attached to someone hidden is hidden everywhere:
            # a pointer to it would name a record the file does not hold.
            others = tbl.alias("other_links")
            own = tbl.c.note_id if table == "note_links" else tbl.c.media_id
            stmt = stmt.where(~privacy.linked_hidden(others, own, scope))
        params = getattr(self, "scope_params")  # noqa: B009
        return _dicts(self.conn.execute(stmt, params))

    def export_families_of(self, ids: Sequence[uuid.UUID]) -> list[dict[str, Any]]:
        """(person, family) for the families these people are partners in."""
        if not ids:
            return []
        f = t.families
        stmt = (
            sa.select(f.c.id, f.c.partner1_id, f.c.partner2_id)
            .where(sa.or_(f.c.partner1_id.in_(list(ids)), f.c.partner2_id.in_(list(ids))))
            .order_by(f.c.created_at, f.c.id)
        )
        return _dicts(self.conn.execute(stmt))

    def xrefs_of(self, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, str]:
        if not ids:
            return {}
        e = t.external_ids
        out: dict[uuid.UUID, str] = {}
        unique = list(set(ids))
        for start in range(0, len(unique), 1000):
            stmt = sa.select(e.c.target_id, e.c.value).where(
                e.c.kind == "xref", e.c.target_id.in_(unique[start : start + 1000])
            )
            for row in self.conn.execute(stmt):
                out[row.target_id] = row.value
        return out

    def duplicate_xrefs(self, tree_id: uuid.UUID) -> set[str]:
        e = t.external_ids
        stmt = (
            sa.select(e.c.value)
            .where(e.c.tree_id == tree_id, e.c.kind == "xref")
            .group_by(e.c.value)
            .having(sa.func.count() > 1)
        )
        return {r.value for r in self.conn.execute(stmt)}

    def gedcom_records_of(self, tree_id: uuid.UUID) -> Iterator[dict[str, Any]]:
        g = t.gedcom_records
        stmt = (
            sa.select(g)
            .where(g.c.tree_id == tree_id)
            .order_by(g.c.created_at, g.c.position, g.c.id)
        )
        for row in self.conn.execute(stmt):
            yield dict(row._mapping)

    def place_paths(
        self, ids: Sequence[uuid.UUID]
    ) -> dict[uuid.UUID, tuple[str, float | None, float | None]]:
        """Each place's full name (``Town, Province, Country``) and coordinates."""
        p = t.places
        out: dict[uuid.UUID, tuple[str, float | None, float | None]] = {}
        pending = {i for i in ids if i is not None}
        rows: dict[uuid.UUID, Any] = {}
        while pending:
            fetched = list(
                self.conn.execute(
                    sa.select(p.c.id, p.c.name, p.c.parent_id, p.c.latitude, p.c.longitude).where(
                        p.c.id.in_(list(pending))
                    )
                )
            )
            pending = set()
            for row in fetched:
                rows[row.id] = row
                if row.parent_id is not None and row.parent_id not in rows:
                    pending.add(row.parent_id)
        for pid in set(ids):
            if pid is None or pid not in rows:
                continue
            names, cur, seen = [], rows.get(pid), set()
            while cur is not None and cur.id not in seen:
                seen.add(cur.id)
                names.append(cur.name)
                cur = rows.get(cur.parent_id) if cur.parent_id else None
            top = rows[pid]
            out[pid] = (", ".join(names), top.latitude, top.longitude)
        return out
