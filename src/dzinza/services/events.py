"""Events and attributes of people and families: birth, marriage, occupation, clan, lobola..."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from dzinza.domain.dates import InvalidDate, format_date, parse_date
from dzinza.domain.errors import N_, ValidationFailed, said
from dzinza.domain.vocabulary import EVENT_TYPES, EventScope, RecordKind
from dzinza.ports import Row, StoreSession, TreeStore
from dzinza.services import summaries, views
from dzinza.services.access import record_for, same_tree, tree_for
from dzinza.services.common import Actor, check_if_match

EVENT_FIELDS = ("type", "label", "date", "place_id", "description", "value")


def parse_event_date(text: str | None, field: str = "date") -> dict[str, Any]:
    """The stored form of a date: canonical GEDCOM text plus its day range."""
    if text is None or not text.strip():
        return {"date_text": "", "date_earliest": None, "date_latest": None}
    try:
        parsed = parse_date(text)
    except InvalidDate as exc:
        raise ValidationFailed(
            said("%(field)s: %(reason)s", field=field, reason=str(exc)),
            errors=[{"field": field, "message": str(exc)}],
        ) from exc
    return {
        "date_text": format_date(parsed),
        "date_earliest": parsed.earliest(),
        "date_latest": parsed.latest(),
    }


def place_names(tx: StoreSession, events: list[Row]) -> dict[Any, str]:
    ids = [e["place_id"] for e in events if e["place_id"] is not None]
    return {row["id"]: row["name"] for row in tx.get_many("place", ids)}


def _check_type(type_key: str, owner: str) -> None:
    known = EVENT_TYPES.get(type_key)
    if known is None:
        raise ValidationFailed(
            said(
                "type: '%(type_key)s' is not an event type Dzinza knows; use 'event' or 'fact' with a label for anything else.",
                type_key=type_key,
            ),
            errors=[{"field": "type", "message": "unknown event type"}],
        )
    if known.scope not in (EventScope.BOTH, EventScope(owner)):
        raise ValidationFailed(
            said(
                "type: a %(type_key)s event belongs to a %(value)s, not a %(owner)s.",
                type_key=type_key,
                value=known.scope.value,
                owner=owner,
            )
        )


def _values(tx: StoreSession, tree_id: uuid.UUID, data: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in ("label", "description", "value"):
        if key in data:
            out[key] = data[key] or ""
    if "date" in data:
        out |= parse_event_date(data["date"])
    if "place_id" in data:
        if data["place_id"] is not None:
            same_tree(tx, "place", data["place_id"], tree_id, "place_id")
        out["place_id"] = data["place_id"]
    return out


def insert(
    tx: StoreSession, tree_id: uuid.UUID, data: Mapping[str, Any], *, refresh: bool = True
) -> uuid.UUID:
    """Adds one event to a person or a family inside an open transaction."""
    person_id, family_id = data.get("person_id"), data.get("family_id")
    if (person_id is None) == (family_id is None):
        raise ValidationFailed(
            N_("An event belongs to exactly one person or one family: give person_id or family_id.")
        )
    owner, owner_id = ("person", person_id) if person_id is not None else ("family", family_id)
    assert owner_id is not None
    same_tree(tx, owner, owner_id, tree_id, f"{owner}_id")
    type_key = str(data.get("type") or "")
    _check_type(type_key, owner)
    event_id = tx.insert(
        "event",
        {
            "id": data.get("id") or uuid.uuid4(),
            "tree_id": tree_id,
            "person_id": person_id,
            "family_id": family_id,
            "type": type_key,
            **_values(tx, tree_id, data),
        },
    )
    if refresh and person_id is not None:
        summaries.refresh(tx, person_id)
    return event_id


class EventService:
    def __init__(self, store: TreeStore) -> None:
        self.store = store

    @staticmethod
    def view(tx: StoreSession, row: Row) -> dict[str, Any]:
        return views.event(row, place_names(tx, [row])) | views.links(
            tx.links_to(RecordKind.EVENT, row["id"])
        )

    def get(self, actor: Actor, event_id: uuid.UUID) -> dict[str, Any]:
        with self.store.read() as tx:
            row, _ = record_for(tx, "event", event_id, actor)
            return self.view(tx, row)

    def create(self, actor: Actor, tree_id: uuid.UUID, data: Mapping[str, Any]) -> dict[str, Any]:
        with self.store.write() as tx:
            tree_for(tx, tree_id, actor, write=True)
            event_id = insert(tx, tree_id, data)
            row = tx.get("event", event_id)
            assert row is not None
            return self.view(tx, row)

    def update(
        self, actor: Actor, event_id: uuid.UUID, data: Mapping[str, Any], if_match: str | None
    ) -> dict[str, Any]:
        with self.store.write() as tx:
            row, tree = record_for(tx, "event", event_id, actor, write=True)
            check_if_match(if_match, self.view(tx, row))
            values = _values(tx, tree["id"], data)
            if "type" in data:
                _check_type(str(data["type"] or ""), "person" if row["person_id"] else "family")
                values["type"] = data["type"]
            tx.update("event", event_id, values)
            if row["person_id"] is not None:
                summaries.refresh(tx, row["person_id"])
            fresh = tx.get("event", event_id)
            assert fresh is not None
            return self.view(tx, fresh)

    def delete(self, actor: Actor, event_id: uuid.UUID, if_match: str | None) -> None:
        with self.store.write() as tx:
            row, _ = record_for(tx, "event", event_id, actor, write=True)
            check_if_match(if_match, self.view(tx, row))
            tx.delete_links_to([(RecordKind.EVENT.value, event_id)])
            tx.delete("event", event_id)
            if row["person_id"] is not None:
                summaries.refresh(tx, row["person_id"])

    def list_for_person(self, actor: Actor, person_id: uuid.UUID) -> list[dict[str, Any]]:
        with self.store.read() as tx:
            record_for(tx, "person", person_id, actor)
            if not tx.visible("person", person_id):
                return []  # as on the "Private" placeholder
            rows = tx.events_of(person_id=person_id)
            names = place_names(tx, rows)
            return [views.event(r, names) for r in rows]
