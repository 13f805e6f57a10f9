"""The simpler records, handled alike: places, repositories, sources, citations, notes and media
(metadata only; files arrive with the media store). Each kind declares its fields, the records
they must point at, and how deleting one cleans up after it."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from dzinza.domain.errors import N_, Conflict, ValidationFailed, said
from dzinza.domain.vocabulary import RecordKind
from dzinza.ports import Row, StoreSession, TreeStore
from dzinza.services import views
from dzinza.services.access import record_for, same_tree, tree_for
from dzinza.services.common import (
    Actor,
    Page,
    check_if_match,
    make_page,
    page_limit,
    sort_spec,
)
from dzinza.services.events import parse_event_date

LINKABLE = {
    RecordKind.PERSON,
    RecordKind.FAMILY,
    RecordKind.EVENT,
    RecordKind.PLACE,
    RecordKind.SOURCE,
    RecordKind.REPOSITORY,
    RecordKind.CITATION,
    RecordKind.MEDIA,
    RecordKind.NOTE,
}


@dataclass(frozen=True)
class Kind:
    name: str
    fields: tuple[str, ...]
    sorts: dict[str, tuple[str, ...]]
    refs: dict[str, str] = field(default_factory=dict)
    """Field -> kind of record it must name in the same tree."""
    required: tuple[str, ...] = ()
    has_target: bool = False
    linkable: str | None = None
    """'note' or 'media': the kind can be attached to many records through a link table."""


KINDS: dict[str, Kind] = {
    "place": Kind(
        "place",
        ("name", "type", "parent_id", "latitude", "longitude", "alt_names"),
        {"name": ("name", "id")},
        {"parent_id": "place"},
        ("name",),
    ),
    "repository": Kind(
        "repository", ("name", "address", "url"), {"name": ("name", "id")}, required=("name",)
    ),
    "source": Kind(
        "source",
        ("title", "author", "publication", "abbreviation", "repository_id", "call_number"),
        {"title": ("title", "id")},
        {"repository_id": "repository"},
        ("title",),
    ),
    "citation": Kind(
        "citation",
        ("source_id", "page", "quality", "date", "text"),
        {"created": ("created_at", "id")},
        {"source_id": "source"},
        ("source_id",),
        has_target=True,
    ),
    "note": Kind(
        "note", ("text",), {"created": ("created_at", "id")}, required=("text",), linkable="note"
    ),
    "media": Kind(
        "media",
        ("title", "file", "mime_type", "date", "description"),
        {"created": ("created_at", "id")},
        linkable="media",
    ),
}

NULLABLE = {"parent_id", "latitude", "longitude", "alt_names", "repository_id", "quality"}


def _target(
    tx: StoreSession, tree_id: uuid.UUID, target: Mapping[str, Any]
) -> tuple[str, uuid.UUID]:
    kind, target_id = str(target.get("type")), target.get("id")
    if kind not in {k.value for k in LINKABLE} or not isinstance(target_id, uuid.UUID):
        raise ValidationFailed(N_("target: give a record type and a record id."))
    same_tree(tx, kind, target_id, tree_id, "target")
    return kind, target_id


class RecordService:
    """Create, read, update, delete and list for one of the simple kinds."""

    def __init__(self, store: TreeStore, kind: str) -> None:
        self.store = store
        self.kind = KINDS[kind]

    def row_view(self, row: Row) -> dict[str, Any]:
        return views.citation(row) if self.kind.name == "citation" else views.plain(row)

    def view(self, tx: StoreSession, row: Row) -> dict[str, Any]:
        """One record with what is attached to it (lists show ``row_view`` alone)."""
        return self.row_view(row) | views.links(tx.links_to(self.kind.name, row["id"]))

    def _values(
        self, tx: StoreSession, tree_id: uuid.UUID, data: Mapping[str, Any], creating: bool
    ) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for name in self.kind.fields:
            if name not in data:
                if creating and name in self.kind.required:
                    raise ValidationFailed(
                        said("%(name)s is required.", name=name),
                        errors=[{"field": name, "message": "required"}],
                    )
                continue
            value = data[name]
            if name in self.kind.required and (value is None or value == ""):
                raise ValidationFailed(
                    said("%(name)s must not be empty.", name=name),
                    errors=[{"field": name, "message": "empty"}],
                )
            if name == "date":
                values["date_text"] = parse_event_date(value)["date_text"]
                continue
            if name in self.kind.refs and value is not None:
                same_tree(tx, self.kind.refs[name], value, tree_id, name)
            values[name] = value if (value is not None or name in NULLABLE) else ""
        return values

    def get(self, actor: Actor, record_id: uuid.UUID) -> dict[str, Any]:
        with self.store.read() as tx:
            row, _ = record_for(tx, self.kind.name, record_id, actor)
            return self.view(tx, row)

    def list(
        self,
        actor: Actor,
        tree_id: uuid.UUID,
        *,
        sort: str | None = None,
        cursor: str | None = None,
        limit: int | None = None,
    ) -> Page:
        n = page_limit(limit)
        sort = sort or next(iter(self.kind.sorts))
        spec = sort_spec(sort, self.kind.sorts, cursor)
        with self.store.read() as tx:
            tree_for(tx, tree_id, actor)
            rows = tx.list_records(self.kind.name, tree_id, spec, n + 1)
            items = [self.row_view(r) for r in rows[:n]]
        return make_page(rows, n, sort, spec, items)

    def create(self, actor: Actor, tree_id: uuid.UUID, data: Mapping[str, Any]) -> dict[str, Any]:
        with self.store.write() as tx:
            tree_for(tx, tree_id, actor, write=True)
            rid = self.insert(tx, tree_id, data)
            row = tx.get(self.kind.name, rid)
            assert row is not None
            return self.view(tx, row)

    def insert(self, tx: StoreSession, tree_id: uuid.UUID, data: Mapping[str, Any]) -> uuid.UUID:
        values = self._values(tx, tree_id, data, creating=True)
        if self.kind.has_target:
            if "target" not in data:
                raise ValidationFailed(N_("target is required: the record this citation supports."))
            values["target_type"], values["target_id"] = _target(tx, tree_id, data["target"])
        rid = tx.insert(
            self.kind.name, {"id": data.get("id") or uuid.uuid4(), "tree_id": tree_id, **values}
        )
        for target in data.get("targets") or []:
            self._link(tx, tree_id, rid, target)
        return rid

    def _link(
        self, tx: StoreSession, tree_id: uuid.UUID, rid: uuid.UUID, target: Mapping[str, Any]
    ) -> None:
        if self.kind.linkable is None:
            raise ValidationFailed(
                said("A %(name)s cannot be linked to other records.", name=self.kind.name)
            )
        kind, target_id = _target(tx, tree_id, target)
        tx.link(self.kind.linkable, rid, kind, target_id, tree_id)

    def update(
        self, actor: Actor, record_id: uuid.UUID, data: Mapping[str, Any], if_match: str | None
    ) -> dict[str, Any]:
        with self.store.write() as tx:
            row, tree = record_for(tx, self.kind.name, record_id, actor, write=True)
            check_if_match(if_match, self.view(tx, row))
            values = self._values(tx, tree["id"], data, creating=False)
            if self.kind.has_target and "target" in data:
                values["target_type"], values["target_id"] = _target(tx, tree["id"], data["target"])
            if self.kind.name == "place" and values.get("parent_id") is not None:
                self._refuse_place_cycle(tx, record_id, values["parent_id"])
            tx.update(self.kind.name, record_id, values)
            fresh = tx.get(self.kind.name, record_id)
            assert fresh is not None
            return self.view(tx, fresh)

    @staticmethod
    def _refuse_place_cycle(tx: StoreSession, place_id: uuid.UUID, parent_id: uuid.UUID) -> None:
        seen = {place_id}
        current: uuid.UUID | None = parent_id
        while current is not None:  # place hierarchies are a handful of levels deep
            if current in seen:
                raise Conflict(N_("A place cannot be inside itself."))
            seen.add(current)
            row = tx.get("place", current)
            current = row["parent_id"] if row else None

    def delete(self, actor: Actor, record_id: uuid.UUID, if_match: str | None) -> None:
        with self.store.write() as tx:
            row, _ = record_for(tx, self.kind.name, record_id, actor, write=True)
            check_if_match(if_match, self.view(tx, row))
            if self.kind.name == "source":  # its citations cascade; what points at them must go too
                cits = tx.ids_where("citation", "source_id", record_id)
                tx.delete_links_to([(RecordKind.CITATION.value, c) for c in cits])
            tx.delete_links_to([(self.kind.name, record_id)])
            tx.delete(self.kind.name, record_id)

    def link(
        self,
        actor: Actor,
        record_id: uuid.UUID,
        target: Mapping[str, Any],
        if_match: str | None = None,
    ) -> dict[str, Any]:
        with self.store.write() as tx:
            row, tree = record_for(tx, self.kind.name, record_id, actor, write=True)
            check_if_match(if_match, self.view(tx, row))
            self._link(tx, tree["id"], record_id, target)
            tx.touch(self.kind.name, record_id)
            fresh = tx.get(self.kind.name, record_id)  # the new version, for the ETag
            assert fresh is not None
            return self.view(tx, fresh)

    def unlink(
        self,
        actor: Actor,
        record_id: uuid.UUID,
        target_type: str,
        target_id: uuid.UUID,
        if_match: str | None = None,
    ) -> None:
        with self.store.write() as tx:
            row, _ = record_for(tx, self.kind.name, record_id, actor, write=True)
            check_if_match(if_match, self.view(tx, row))
            if self.kind.linkable is None or not tx.unlink(
                self.kind.linkable, record_id, target_type, target_id
            ):
                raise ValidationFailed(
                    said("This %(name)s is not linked to that record.", name=self.kind.name)
                )
