"""Families: up to two partners joined by a union of some type, and their children, each with a
pedigree. A person may be in any number of families at once (remarriage, plural marriage)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from dzinza.domain.errors import N_, Conflict, NotFound, ValidationFailed, said
from dzinza.domain.vocabulary import Pedigree, RecordKind, UnionType
from dzinza.ports import Row, StoreSession, TreeStore
from dzinza.services import events as event_service
from dzinza.services import views
from dzinza.services.access import no_such, record_for, same_tree, tree_for
from dzinza.services.common import (
    Actor,
    Page,
    check_if_match,
    make_page,
    page_limit,
    set_external_ids,
    sort_spec,
)
from dzinza.services.people import PeopleService

FAMILY_SORTS = {"created": ("created_at", "id")}
RELATIONS = ("parent", "child", "partner", "sibling")
"""What ``FamilyService.add_relative`` can make of one person to another."""


def _refuse_cycle(
    tx: StoreSession, partners: Sequence[uuid.UUID], children: Sequence[uuid.UUID]
) -> None:
    """A person may not become their own ancestor: no child may be a partner or a partner's ancestor."""
    for child in children:
        if child in partners:
            raise Conflict(N_("A person cannot be both a partner and a child in the same family."))
        if tx.is_descendant(child, partners):
            raise Conflict(
                N_(
                    "This would make a person their own ancestor: the child is already an ancestor "
                    "of a partner in this family."
                )
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
        raise ValidationFailed(N_("partner1_id and partner2_id must be two different people."))
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
            raise Conflict(N_("This person is already a child of this family."))
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
                raise NotFound(N_("That person is not a child of this family."))
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
                raise NotFound(N_("That person is not a child of this family."))
            tx.refresh_evidence(tx.family_people([family_id]) | {child_id})
            tx.touch("family", family_id)
            fam = tx.get("family", family_id)
            assert fam is not None
            return self.view(tx, fam)

    # -- relatives in one step ------------------------------------------------------------------
    def add_relative(
        self,
        actor: Actor,
        person_id: uuid.UUID,
        relation: str,
        *,
        relative_id: uuid.UUID | None = None,
        new_person: Mapping[str, Any] | None = None,
        family_id: uuid.UUID | None = None,
        pedigree: str = "birth",
        union_type: str = "unknown",
    ) -> dict[str, Any]:
        """Joins a relative to a person in one transaction (one change in the history): a new
        person (``new_person``, as ``PeopleService.create`` takes it) or one of the same tree
        (``relative_id``). A parent joins one of the person's parent families (``family_id``,
        in a free partner place) or a new one; a child or a sibling joins one of the person's
        families as a partner or as a child, or a new one; a partner always makes a new family
        (``union_type``). ``pedigree`` is the child's link (for a new parent: the person's).
        Returns the relative's and the family's ids."""
        if relation not in RELATIONS:
            raise ValidationFailed(
                said("relation must be one of: %(choices)s.", choices=", ".join(RELATIONS))
            )
        if (relative_id is None) == (new_person is None):
            raise ValidationFailed(N_("Give either an existing person or a new one, not both."))
        try:
            Pedigree(pedigree)
            UnionType(union_type)
        except ValueError as exc:
            raise ValidationFailed(str(exc)) from exc
        with self.store.write() as tx:
            person, tree = record_for(tx, "person", person_id, actor)
            tree_id = tree["id"]
            tree_for(tx, tree_id, actor, write=True)
            if relative_id is not None:
                same_tree(tx, "person", relative_id, tree_id, "relative_id")
                if relative_id == person_id:
                    raise ValidationFailed(N_("A person cannot be their own relative."))
                rid = relative_id
            else:
                assert new_person is not None
                rid = PeopleService(self.store).insert(tx, tree_id, new_person)
            relative = tx.get("person", rid)
            assert relative is not None
            if family_id is None:
                fid = self.insert(
                    tx, tree_id, _new_family(relation, person, relative, pedigree, union_type)
                )
            else:
                fid = family_id
                self._join(tx, actor, tree_id, person_id, relative, relation, fid, pedigree)
            return {"person_id": str(rid), "family_id": str(fid)}

    def _join(
        self,
        tx: StoreSession,
        actor: Actor,
        tree_id: uuid.UUID,
        person_id: uuid.UUID,
        relative: Row,
        relation: str,
        family_id: uuid.UUID,
        pedigree: str,
    ) -> None:
        """Puts a relative into one of the person's existing families."""
        if relation == "partner":
            raise ValidationFailed(N_("A partner joins the person in a new family."))
        fam, fam_tree = record_for(tx, "family", family_id, actor, write=True)
        children = [c["child_id"] for c in tx.children_of([family_id])]
        partners = (fam["partner1_id"], fam["partner2_id"])
        if fam_tree["id"] != tree_id:
            raise NotFound(no_such("family", family_id))
        if relation in ("parent", "sibling") and person_id not in children:
            raise ValidationFailed(N_("That family is not one of this person's parent families."))
        if relation == "child" and person_id not in partners:
            raise ValidationFailed(N_("This person is not a partner in that family."))
        if relation == "parent":
            if relative["id"] in partners:
                raise Conflict(N_("This person is already a parent in that family."))
            slot = _slot(fam, relative["sex"])
            if slot is None:
                raise Conflict(
                    N_("That family has two parents already: choose another family or a new one.")
                )
            _refuse_cycle(tx, [relative["id"]], children)
            tx.update("family", family_id, {slot: relative["id"]})
        else:
            self._add_child(tx, tree_id, family_id, relative["id"], pedigree)
            tx.touch("family", family_id)
        tx.refresh_evidence(tx.family_people([family_id]))


def _place_of(sex: str) -> str:
    """The partner place a person takes in a new family: partner2 for a woman, partner1 for
    anyone else (as GEDCOM's WIFE and HUSB)."""
    return "partner2_id" if sex == "female" else "partner1_id"


def _slot(fam: Row, sex: str) -> str | None:
    """The free partner place a person takes in a family: as ``_place_of`` if it is free,
    else the first free one."""
    free = [k for k in ("partner1_id", "partner2_id") if fam[k] is None]
    preferred = {"male": "partner1_id", "female": "partner2_id"}.get(sex)
    if preferred in free:
        return preferred
    return free[0] if free else None


def _new_family(
    relation: str, person: Row, relative: Row, pedigree: str, union_type: str
) -> dict[str, Any]:
    """The family a new link makes (see ``FamilyService.add_relative``)."""
    if relation == "parent":
        return {
            _place_of(relative["sex"]): relative["id"],
            "children": [{"child_id": person["id"], "pedigree": pedigree}],
        }
    if relation == "child":
        return {
            _place_of(person["sex"]): person["id"],
            "children": [{"child_id": relative["id"], "pedigree": pedigree}],
        }
    if relation == "sibling":
        return {
            "children": [
                {"child_id": person["id"], "pedigree": "birth"},
                {"child_id": relative["id"], "pedigree": pedigree},
            ]
        }
    if person["sex"] in ("male", "female"):
        first = _place_of(person["sex"])
    else:
        first = "partner2_id" if relative["sex"] == "male" else "partner1_id"
    second = "partner2_id" if first == "partner1_id" else "partner1_id"
    return {first: person["id"], second: relative["id"], "union_type": union_type}
