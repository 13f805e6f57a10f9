"""Families: up to two partners joined by a union of some type, and their children, each with a
pedigree. A person may be in any number of families at once (remarriage, plural marriage)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from dzinza.domain.errors import Conflict, NotFound, ValidationFailed
from dzinza.domain.vocabulary import Pedigree, RecordKind
from dzinza.ports import Row, StoreSession, TreeStore
from dzinza.services import events as event_service
from dzinza.services import views
from dzinza.services.access import record_for, same_tree, tree_for
from dzinza.services.common import (
    Actor,
    Page,
    check_if_match,
    make_page,
    page_limit,
    set_external_ids,
    sort_spec,
)

FAMILY_SORTS = {"created": ("created_at", "id")}


def _refuse_cycle(
    tx: StoreSession, partners: Sequence[uuid.UUID], children: Sequence[uuid.UUID]
) -> None:
    """A person may not become their own ancestor: no child may be a partner or a partner's ancestor."""
    for child in children:
        if child in partners:
            raise Conflict("A person cannot be both a partner and a child in the same family.")
        if tx.is_descendant(child, partners):
            raise Conflict(
                "This would make a person their own ancestor: the child is already an ancestor "
                "of a partner in this family."
            )


def _partners(
    tx: StoreSession, tree_id: uuid.UUID, data: Mapping[str, Any], current: Row | None
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in ("partner1_id", "partner2_id"):
        if key in data:
            if data[key] is not None:
                same_tree(tx, "person", data[key], tree_id, key)
            out[key] = data[key]
    p1 = out.get("partner1_id", current["partner1_id"] if current else None)
    p2 = out.get("partner2_id", current["partner2_id"] if current else None)
    if p1 is not None and p1 == p2:
        raise ValidationFailed("partner1_id and partner2_id must be two different people.")
    return out


class FamilyService:
    def __init__(self, store: TreeStore) -> None:
        self.store = store

    def view(self, tx: StoreSession, fam: Row) -> dict[str, Any]:
        fid = fam["id"]
        kids = tx.children_of([fid])
        ids = [x for x in (fam["partner1_id"], fam["partner2_id"]) if x] + [
            c["child_id"] for c in kids
        ]
        people = {r["id"]: r for r in tx.summaries(ids)}
        evs = tx.events_of(family_ids=[fid])
        places = event_service.place_names(tx, evs)

        def who(pid: uuid.UUID | None) -> dict[str, Any] | None:
            return views.summary(people[pid]) if pid in people else None

        return {
            "id": str(fid),
            "tree_id": str(fam["tree_id"]),
            "union_type": fam["union_type"],
            "partner1": who(fam["partner1_id"]),
            "partner2": who(fam["partner2_id"]),
            "children": [
                views.summary(people[c["child_id"]]) | {"pedigree": c["pedigree"]} for c in kids
            ],
            "events": [views.event(e, places) for e in evs],
            **views.links(tx.links_to(RecordKind.FAMILY, fid)),
            "extra": fam["extra"],
            **views.stamps(fam),
        }

    @staticmethod
    def _list_items(tx: StoreSession, rows: list[Row]) -> list[dict[str, Any]]:
        """A page of families in two statements: the rows and their partners' summaries
        (a full view per family would cost half a dozen statements each)."""
        ids = [x for f in rows for x in (f["partner1_id"], f["partner2_id"]) if x]
        people = {r["id"]: r for r in tx.summaries(ids)}

        def who(pid: uuid.UUID | None) -> dict[str, Any] | None:
            return views.summary(people[pid]) if pid in people else None

        return [
            {
                "id": str(f["id"]),
                "tree_id": str(f["tree_id"]),
                "union_type": f["union_type"],
                "partner1": who(f["partner1_id"]),
                "partner2": who(f["partner2_id"]),
                **views.stamps(f),
            }
            for f in rows
        ]

    def get(self, actor: Actor, family_id: uuid.UUID) -> dict[str, Any]:
        with self.store.read() as tx:
            fam, _ = record_for(tx, "family", family_id, actor)
            return self.view(tx, fam)

    def list(
        self,
        actor: Actor,
        tree_id: uuid.UUID,
        *,
        cursor: str | None = None,
        limit: int | None = None,
    ) -> Page:
        n = page_limit(limit)
        spec = sort_spec("created", FAMILY_SORTS, cursor)
        with self.store.read() as tx:
            tree_for(tx, tree_id, actor)
            rows = tx.list_records("family", tree_id, spec, n + 1)
            items = self._list_items(tx, rows[:n])
        return make_page(rows, n, "created", spec, items)

    def create(self, actor: Actor, tree_id: uuid.UUID, data: Mapping[str, Any]) -> dict[str, Any]:
        with self.store.write() as tx:
            tree_for(tx, tree_id, actor, write=True)
            fid = self.insert(tx, tree_id, data)
            fam = tx.get("family", fid)
            assert fam is not None
            return self.view(tx, fam)

    def insert(self, tx: StoreSession, tree_id: uuid.UUID, data: Mapping[str, Any]) -> uuid.UUID:
        partners = _partners(tx, tree_id, data, None)
        fid = tx.insert(
            "family",
            {
                "id": data.get("id") or uuid.uuid4(),
                "tree_id": tree_id,
                "union_type": str(data.get("union_type") or "unknown"),
                "extra": data.get("extra"),
                **partners,
            },
        )
        set_external_ids(tx, tree_id, RecordKind.FAMILY, fid, data)
        for child in data.get("children") or []:
            self._add_child(
                tx, tree_id, fid, child["child_id"], str(child.get("pedigree") or "birth")
            )
        for ev in data.get("events") or []:
            event_service.insert(tx, tree_id, {**ev, "family_id": fid})
        tx.refresh_evidence(tx.family_people([fid]))
        return fid

    def _add_child(
        self,
        tx: StoreSession,
        tree_id: uuid.UUID,
        fid: uuid.UUID,
        child_id: uuid.UUID,
        pedigree: str,
    ) -> None:
        fam = tx.get("family", fid)
        assert fam is not None
        same_tree(tx, "person", child_id, tree_id, "child_id")
        if any(c["child_id"] == child_id for c in tx.children_of([fid])):
            raise Conflict("This person is already a child of this family.")
        Pedigree(pedigree)
        partners = [x for x in (fam["partner1_id"], fam["partner2_id"]) if x]
        _refuse_cycle(tx, partners, [child_id])
        tx.add_child(fid, tree_id, child_id, pedigree)

    def update(
        self, actor: Actor, family_id: uuid.UUID, data: Mapping[str, Any], if_match: str | None
    ) -> dict[str, Any]:
        with self.store.write() as tx:
            fam, tree = record_for(tx, "family", family_id, actor, write=True)
            check_if_match(if_match, self.view(tx, fam))
            values = _partners(tx, tree["id"], data, fam)
            new_partners = [v for v in values.values() if v is not None]
            _refuse_cycle(tx, new_partners, [c["child_id"] for c in tx.children_of([family_id])])
            if "union_type" in data:
                values["union_type"] = str(data["union_type"] or "unknown")
            if "extra" in data:
                values["extra"] = data["extra"]
            set_external_ids(tx, tree["id"], RecordKind.FAMILY, family_id, data)
            before = tx.family_people([family_id])
            tx.update("family", family_id, values)
            tx.refresh_evidence(before | tx.family_people([family_id]))
            fresh = tx.get("family", family_id)
            assert fresh is not None
            return self.view(tx, fresh)

    def delete(self, actor: Actor, family_id: uuid.UUID, if_match: str | None) -> None:
        with self.store.write() as tx:
            fam, _ = record_for(tx, "family", family_id, actor, write=True)
            check_if_match(if_match, self.view(tx, fam))
            targets = [(RecordKind.FAMILY.value, family_id)]
            targets += [(RecordKind.EVENT.value, e) for e in tx.event_ids(family_id=family_id)]
            tx.delete_links_to(targets)
            before = tx.family_people([family_id])
            tx.delete("family", family_id)
            tx.refresh_evidence(before)

    def add_child(
        self,
        actor: Actor,
        family_id: uuid.UUID,
        child_id: uuid.UUID,
        pedigree: str,
        if_match: str | None = None,
    ) -> dict[str, Any]:
        with self.store.write() as tx:
            current, tree = record_for(tx, "family", family_id, actor, write=True)
            check_if_match(if_match, self.view(tx, current))
            self._add_child(tx, tree["id"], family_id, child_id, pedigree)
            tx.refresh_evidence(tx.family_people([family_id]))
            tx.touch("family", family_id)
            fam = tx.get("family", family_id)
            assert fam is not None
            return self.view(tx, fam)

    def set_pedigree(
        self,
        actor: Actor,
        family_id: uuid.UUID,
        child_id: uuid.UUID,
        pedigree: str,
        if_match: str | None = None,
    ) -> dict[str, Any]:
        with self.store.write() as tx:
            current, _ = record_for(tx, "family", family_id, actor, write=True)
            check_if_match(if_match, self.view(tx, current))
            if not tx.set_child_pedigree(family_id, child_id, pedigree):
                raise NotFound("That person is not a child of this family.")
            tx.touch("family", family_id)
            fam = tx.get("family", family_id)
            assert fam is not None
            return self.view(tx, fam)

    def remove_child(
        self,
        actor: Actor,
        family_id: uuid.UUID,
        child_id: uuid.UUID,
        if_match: str | None = None,
    ) -> dict[str, Any]:
        with self.store.write() as tx:
            current, _ = record_for(tx, "family", family_id, actor, write=True)
            check_if_match(if_match, self.view(tx, current))
            if not tx.remove_child(family_id, child_id):
                raise NotFound("That person is not a child of this family.")
            tx.refresh_evidence(tx.family_people([family_id]) | {child_id})
            tx.touch("family", family_id)
            fam = tx.get("family", family_id)
            assert fam is not None
            return self.view(tx, fam)
