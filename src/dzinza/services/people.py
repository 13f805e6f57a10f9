"""People: create, read (with everything around them), update, delete, list with filters."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from dzinza.domain import rules
from dzinza.domain.errors import N_, ValidationFailed
from dzinza.domain.living import PLACEHOLDER_NAME
from dzinza.domain.names import fold
from dzinza.domain.vocabulary import RecordKind
from dzinza.ports import PeopleFilter, Row, StoreSession, TreeStore
from dzinza.services import events as event_service
from dzinza.services import summaries, views
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

PEOPLE_SORTS = {"name": ("name_key", "id"), "birth": ("birth_sort", "id")}
NAME_FIELDS = ("type", "given", "surname", "prefix", "suffix", "nickname", "title")


def _names(values: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for n in values:
        row = {k: (n.get(k) or "") for k in NAME_FIELDS}
        row["type"] = str(n.get("type") or "birth")
        if not any(row[k] for k in NAME_FIELDS[1:]):
            raise ValidationFailed(
                N_("A name needs at least one part (given, surname, nickname...).")
            )
        out.append(row | summaries.name_keys(row))
    return out


def placeholder(person: Row, parents: list[Any], families: list[dict[str, Any]]) -> dict[str, Any]:
    """A person the reader may not see: no names, dates, places, notes or media, but the links
    to the people around them, so that the tree keeps its shape."""
    return {
        "id": str(person["id"]),
        "tree_id": str(person["tree_id"]),
        "sex": "unknown",
        "living": None,
        "private": True,
        "restriction": "",
        "display_name": PLACEHOLDER_NAME,
        "birth": None,
        "death": None,
        "names": [],
        "events": [],
        "parents": parents,
        "families": [f | {"events": []} for f in families],
        "citations": [],
        "notes": [],
        "media": [],
        "external_ids": [],
        "warnings": [],
        "extra": None,
    }


class PeopleService:
    def __init__(self, store: TreeStore) -> None:
        self.store = store

    # -- reads --------------------------------------------------------------------------------
    def get(self, actor: Actor, person_id: uuid.UUID) -> dict[str, Any]:
        with self.store.read() as tx:
            person, _ = record_for(tx, "person", person_id, actor)
            return self.view(tx, person)

    def view(self, tx: StoreSession, person: Row) -> dict[str, Any]:
        """The whole person: names, events, parents, partners and children, links, warnings."""
        pid = person["id"]
        hidden = not tx.visible("person", pid)
        around = tx.families_around(pid)
        as_child = [f for f in around if f["role"] == "child"]
        as_partner = [f for f in around if f["role"] == "partner"]
        children = tx.children_as_partner(pid)
        events = tx.events_around(pid)
        own_events = [e for e in events if e["person_id"] == pid]
        family_events = [e for e in events if e["person_id"] is None]
        related: set[uuid.UUID] = {c["child_id"] for c in children}
        for f in around:
            related.update(x for x in (f["partner1_id"], f["partner2_id"]) if x and x != pid)
        people = {r["id"]: r for r in tx.summaries(list(related))}
        places: dict[Any, str] = {}

        parents = [
            {
                "family_id": str(f["id"]),
                "union_type": f["union_type"],
                "pedigree": f["pedigree"],
                "parents": [
                    views.summary(people[x])
                    for x in (f["partner1_id"], f["partner2_id"])
                    if x in people
                ],
            }
            for f in as_child
        ]
        families = []
        for f in as_partner:
            other = f["partner2_id"] if f["partner1_id"] == pid else f["partner1_id"]
            kids = [c for c in children if c["family_id"] == f["id"]]
            families.append(
                {
                    "family_id": str(f["id"]),
                    "union_type": f["union_type"],
                    "partner": views.summary(people[other]) if other in people else None,
                    "children": [
                        views.summary(people[c["child_id"]]) | {"pedigree": c["pedigree"]}
                        for c in kids
                    ],
                    "events": [
                        views.event(e, places) for e in family_events if e["family_id"] == f["id"]
                    ],
                }
            )
        parent_lives = [
            views.life(people[x])
            for f in as_child
            for x in (f["partner1_id"], f["partner2_id"])
            if x in people
        ]
        child_lives = [views.life(people[c["child_id"]]) for c in children]
        if hidden:
            return placeholder(person, parents, families)
        warnings = rules.check_family(views.life(person), parent_lives, child_lives)
        return {
            "id": str(pid),
            "tree_id": str(person["tree_id"]),
            "sex": person["sex"],
            "living": person["living"],
            "private": person["private"],
            "restriction": person["restriction"],
            "display_name": person["display_name"],
            "birth": person["birth_text"] or None,
            "death": person["death_text"] or None,
            "names": [views.name(n) for n in tx.names_of([pid])],
            "events": [views.event(e, places) for e in own_events],
            "parents": parents,
            "families": families,
            **views.links(tx.links_to(RecordKind.PERSON, pid)),
            "warnings": [w.__dict__ for w in warnings],
            "extra": person["extra"],
            **views.stamps(person),
        }

    def list(
        self,
        actor: Actor,
        tree_id: uuid.UUID,
        *,
        name: str | None = None,
        sex: str | None = None,
        born_from: int | None = None,
        born_to: int | None = None,
        place_id: uuid.UUID | None = None,
        sort: str = "name",
        cursor: str | None = None,
        limit: int | None = None,
    ) -> Page:
        n = page_limit(limit)
        spec = sort_spec(sort, PEOPLE_SORTS, cursor)
        if born_from is not None and born_to is not None and born_from > born_to:
            raise ValidationFailed(N_("born_from must not be after born_to."))
        with self.store.read() as tx:
            tree_for(tx, tree_id, actor)
            if place_id is not None:
                same_tree(tx, "place", place_id, tree_id, "place")
            flt = PeopleFilter(
                name=fold(name) if name else None,
                sex=sex,
                born_from=born_from,
                born_to=born_to,
                place_id=place_id,
            )
            rows = tx.list_people(tree_id, flt, spec, n + 1)
        return make_page(rows, n, sort, spec, [views.summary(r) for r in rows])

    # -- writes -------------------------------------------------------------------------------
    def create(self, actor: Actor, tree_id: uuid.UUID, data: Mapping[str, Any]) -> dict[str, Any]:
        with self.store.write() as tx:
            tree_for(tx, tree_id, actor, write=True)
            person_id = self.insert(tx, tree_id, data)
            person = tx.get("person", person_id)
            assert person is not None
            return self.view(tx, person)

    def insert(self, tx: StoreSession, tree_id: uuid.UUID, data: Mapping[str, Any]) -> uuid.UUID:
        """Adds a person with names and events inside an open transaction (used by importers too)."""
        names = _names(data.get("names") or [])
        person_id = tx.insert(
            "person",
            {
                "id": data.get("id") or uuid.uuid4(),
                "tree_id": tree_id,
                "sex": str(data.get("sex") or "unknown"),
                "living": data.get("living"),
                "private": bool(data.get("private", False)),
                "restriction": str(data.get("restriction") or ""),
                "extra": data.get("extra"),
            },
        )
        tx.replace_names(person_id, tree_id, names)
        set_external_ids(tx, tree_id, RecordKind.PERSON, person_id, data)
        for ev in data.get("events") or []:
            event_service.insert(tx, tree_id, {**ev, "person_id": person_id}, refresh=False)
        summaries.refresh(tx, person_id)
        return person_id

    def update(
        self, actor: Actor, person_id: uuid.UUID, data: Mapping[str, Any], if_match: str | None
    ) -> dict[str, Any]:
        with self.store.write() as tx:
            person, tree = record_for(tx, "person", person_id, actor, write=True)
            check_if_match(if_match, self.view(tx, person))
            fields = ("sex", "living", "private", "restriction", "extra")
            changes = {k: data[k] for k in fields if k in data}
            if "restriction" in changes:
                changes["restriction"] = str(changes["restriction"] or "")
            if "sex" in changes:
                changes["sex"] = str(changes["sex"] or "unknown")
            if "private" in changes:
                changes["private"] = bool(changes["private"])
            if "names" in data:
                tx.replace_names(person_id, tree["id"], _names(data["names"] or []))
            set_external_ids(tx, tree["id"], RecordKind.PERSON, person_id, data)
            tx.update("person", person_id, changes)
            summaries.refresh(tx, person_id)
            fresh = tx.get("person", person_id)
            assert fresh is not None
            return self.view(tx, fresh)

    def delete(self, actor: Actor, person_id: uuid.UUID, if_match: str | None) -> None:
        with self.store.write() as tx:
            person, _ = record_for(tx, "person", person_id, actor, write=True)
            check_if_match(if_match, self.view(tx, person))
            self.remove(tx, person_id)

    @staticmethod
    def remove(tx: StoreSession, person_id: uuid.UUID) -> None:
        """Deletes a person and every link to them; families left empty go too."""
        families = [
            f["id"] for f in tx.families_as_partner(person_id) + tx.families_as_child(person_id)
        ]
        targets = [(RecordKind.PERSON.value, person_id)]
        targets += [(RecordKind.EVENT.value, e) for e in tx.event_ids(person_id=person_id)]
        targets += [(RecordKind.NAME.value, n["id"]) for n in tx.names_of([person_id])]
        tx.delete_links_to(targets)
        relatives = tx.relatives_of([person_id])
        tx.delete("person", person_id)  # names, events, child links cascade; partner links SET NULL
        tx.refresh_evidence(relatives - {person_id})
        for fid in tx.delete_empty_families(families):
            tx.delete_links_to([(RecordKind.FAMILY.value, fid)])
