"""Erasing or redacting a living person on request (GDPR art. 17): who may, what goes, what
stays, and that the person's name is left in no table at all, the change history included."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from dzinza.adapters.sql import tables as t
from dzinza.services.platform import Platform
from tests.conftest import Api
from tests.functional.test_gdpr_account import World, world_of


@pytest.fixture
def world(platform: Platform) -> Iterator[World]:
    with world_of(platform) as w:
        yield w


def text_hits(world: World, *needles: str) -> list[str]:
    """Every table.column (text and JSON columns of every table) holding one of the needles,
    case ignored."""
    hits = []
    with world.engine.connect() as conn:
        for table in t.metadata.sorted_tables:
            for col in table.columns:
                if not isinstance(col.type, sa.String | sa.JSON):
                    continue
                text = sa.func.lower(sa.cast(col, sa.Text))
                for needle in needles:
                    stmt = sa.select(sa.func.count()).where(text.like(f"%{needle.lower()}%"))
                    if conn.scalar(stmt.select_from(table)):
                        hits.append(f"{table.name}.{col.name} has {needle}")
    return hits


class Family:
    """A private tree: the person to erase, their parents, partner, child, and what points at
    them (notes, media, a citation with a note, external ids), with history to scrub."""

    def __init__(self, world: World) -> None:
        self.owner_id, self.owner = world.user("owner@example.org")
        tree = self.owner.post("/trees", {"name": "Our family", "visibility": "private"})
        self.tree_id = tree["id"]
        api, tid = self.owner, self.tree_id
        place = api.post(f"/trees/{tid}/places", {"name": "Gutu Mission"})
        self.place_id = place["id"]
        person = api.post(
            f"/trees/{tid}/people",
            {
                "sex": "male",
                "living": True,
                "names": [{"given": "Zvikomborero", "surname": "Chidyausiku", "nickname": "Zvido"}],
                "events": [
                    {
                        "type": "birth",
                        "date": "3 MAR 1990",
                        "place_id": place["id"],
                        "description": "Born at the home of Zvido's grandmother",
                    },
                    {"type": "occupation", "value": "Chidyausiku Transport"},
                ],
                "external_ids": [{"kind": "refn", "value": "ZC-Chidyausiku"}],
            },
        )
        self.person_id = person["id"]
        self.birth_id = next(e["id"] for e in person["events"] if e["type"] == "birth")
        mother = api.post(f"/trees/{tid}/people", {"names": [{"given": "Rufaro"}]})
        father = api.post(f"/trees/{tid}/people", {"names": [{"given": "Tonderai"}]})
        partner = api.post(f"/trees/{tid}/people", {"names": [{"given": "Nyasha"}]})
        child = api.post(f"/trees/{tid}/people", {"names": [{"given": "Tanaka"}]})
        self.mother_id = mother["id"]
        self.parents = api.post(
            f"/trees/{tid}/families",
            {
                "partner1_id": mother["id"],
                "partner2_id": father["id"],
                "children": [{"child_id": person["id"]}],
            },
        )
        self.own = api.post(
            f"/trees/{tid}/families",
            {
                "partner1_id": person["id"],
                "partner2_id": partner["id"],
                "children": [{"child_id": child["id"]}],
                "events": [{"type": "marriage", "date": "2015"}],
            },
        )
        me = {"type": "person", "id": person["id"]}
        self.only_note = api.post(
            f"/trees/{tid}/notes", {"text": "Zvikomborero plays football", "targets": [me]}
        )
        self.shared_note = api.post(
            f"/trees/{tid}/notes",
            {
                "text": "The family moved to Gutu",
                "targets": [me, {"type": "person", "id": mother["id"]}],
            },
        )
        self.event_note = api.post(
            f"/trees/{tid}/notes",
            {
                "text": "Chidyausiku birth record",
                "targets": [{"type": "event", "id": self.birth_id}],
            },
        )
        self.media = api.post(f"/trees/{tid}/media", {"title": "Zvido at school", "targets": [me]})
        source = api.post(f"/trees/{tid}/sources", {"title": "Mission register"})
        self.source_id = source["id"]
        citation = api.post(
            f"/trees/{tid}/citations",
            {"source_id": source["id"], "target": me, "text": "Zvikomborero, baptised"},
        )
        self.citation_note = api.post(
            f"/trees/{tid}/notes",
            {
                "text": "Chidyausiku entry is faded",
                "targets": [{"type": "citation", "id": citation["id"]}],
            },
        )
        self.citation_id = citation["id"]
        # An update, so that the history holds the name before and after.
        api.patch(
            f"/people/{person['id']}",
            {"names": [{"given": "Zvikomborero T.", "surname": "Chidyausiku"}]},
        )
        self.manager_id, self.manager = world.user("manager@example.org")
        self.editor_id, self.editor = world.user("editor@example.org")
        _, self.stranger = world.user("stranger@example.org")
        world.add_member(tid, self.manager_id, "manager")
        world.add_member(tid, self.editor_id, "editor")


NAMES = ("Zvikomborero", "Chidyausiku", "Zvido")
REQUEST = {"mode": "redact", "reason": "The person asked (GDPR art. 17), ticket 88"}


def test_only_a_manager_or_the_owner_may_erase_and_bad_requests_are_4xx(world: World) -> None:
    fam = Family(world)
    path = f"/people/{fam.person_id}/erase"
    assert "manage" in fam.editor.post(path, REQUEST, expect=403)["detail"]
    # A tree the reader may not see does not exist for them.
    assert "no person" in fam.stranger.post(path, REQUEST, expect=404)["detail"]
    world.anonymous.post(path, REQUEST, expect=404)
    fam.manager.post(path, {"mode": "shred", "reason": "x"}, expect=422)
    fam.manager.post(path, {"mode": "erase", "reason": "   "}, expect=422)
    fam.manager.post(path, {"mode": "erase"}, expect=422)
    fam.manager.post(path, {**REQUEST, "reason": "x" * 501}, expect=422)
    fam.manager.post(path, REQUEST | {"extra": 1}, expect=422)
    fam.manager.post(f"/people/{uuid.uuid4()}/erase", REQUEST, expect=404)
    fam.manager.post("/people/not-an-id/erase", REQUEST, expect=422)
    personal = fam.manager.post("/auth/tokens", {"name": "ro", "scopes": ["read"]})
    Api(world.client, personal["token"]).post(path, REQUEST, expect=403)
    # Nothing was touched by the refusals.
    assert fam.owner.get(f"/people/{fam.person_id}")["names"][0]["given"] == "Zvikomborero T."
    assert world.audit("person.redact") == world.audit("person.erase") == []


def test_redact_keeps_the_place_in_the_tree_and_leaves_no_name_anywhere(world: World) -> None:
    fam = Family(world)
    assert text_hits(world, *NAMES)  # the test can see them before
    done = fam.manager.post(f"/people/{fam.person_id}/erase", REQUEST, expect=200)
    assert done["mode"] == "redact" and done["id"] == fam.person_id
    assert done["notes_deleted"] == 3 and done["notes_unlinked"] == 1
    assert (done["citations"], done["media_deleted"], done["external_ids"]) == (1, 1, 1)
    assert done["history_items_scrubbed"] > 0

    person = fam.owner.get(f"/people/{fam.person_id}")
    assert person["display_name"] == "Redacted" and person["private"] is True
    assert [(n["given"], n["surname"]) for n in person["names"]] == [("Redacted", "")]
    assert person["birth"] is None
    for event in person["events"]:
        assert event["date"] is None and event["place"] is None
        assert not event["description"] and not event["value"]
    assert {e["type"] for e in person["events"]} == {"birth", "occupation"}
    assert person["notes"] == person["media"] == person["citations"] == []
    assert person["external_ids"] == []
    # Their place in the tree: still the child of their parents, the partner and parent of theirs.
    assert [p["family_id"] for p in person["parents"]] == [fam.parents["id"]]
    [own] = person["families"]
    assert own["family_id"] == fam.own["id"] and own["partner"] and len(own["children"]) == 1
    # A note about others too stays, without the link to them; their own notes went.
    shared = fam.owner.get(f"/notes/{fam.shared_note['id']}")
    assert shared["text"] == "The family moved to Gutu"
    for gone in (fam.only_note, fam.event_note, fam.citation_note):
        fam.owner.get(f"/notes/{gone['id']}", expect=404)
    fam.owner.get(f"/media/{fam.media['id']}", expect=404)
    fam.owner.get(f"/citations/{fam.citation_id}", expect=404)
    fam.owner.get(f"/sources/{fam.source_id}")  # the source is not theirs
    fam.owner.get(f"/places/{fam.place_id}")

    assert text_hits(world, *NAMES) == []
    # The history keeps what was done to them, not the content.
    items = world.rows(t.change_items, t.change_items.c.person_id == uuid.UUID(fam.person_id))
    assert items and all(i["before"] is None and i["after"] is None for i in items)
    [change] = world.rows(t.changes, t.changes.c.action == "person.redact")
    assert change["user_id"] == fam.manager_id
    [entry] = world.audit("person.redact")
    assert entry["actor_id"] == fam.manager_id
    assert entry["tree_id"] == uuid.UUID(fam.tree_id)
    assert entry["target_id"] == uuid.UUID(fam.person_id)
    assert entry["detail"]["reason"] == REQUEST["reason"]
    assert not any(n.lower() in json.dumps(entry["detail"]).lower() for n in NAMES)
    # The redacted person can still be edited, and erased later.
    fam.owner.post(f"/people/{fam.person_id}/erase", REQUEST | {"mode": "erase"}, expect=200)
    fam.owner.get(f"/people/{fam.person_id}", expect=404)


def test_erase_deletes_the_person_and_every_trace_of_their_name(world: World) -> None:
    fam = Family(world)
    body: dict[str, Any] = {"mode": "erase", "reason": "Court order 2026/114"}
    done = fam.owner.post(f"/people/{fam.person_id}/erase", body, expect=200)
    assert done["mode"] == "erase" and done["names"] == 1 and done["events"] == 2
    fam.owner.get(f"/people/{fam.person_id}", expect=404)
    assert text_hits(world, *NAMES) == []
    # The families around them stay with the others in them; links to them are gone.
    parents = fam.owner.get(f"/families/{fam.parents['id']}")
    assert parents["children"] == []
    own = fam.owner.get(f"/families/{fam.own['id']}")
    assert own["partner1"] is None and len(own["children"]) == 1
    assert fam.owner.get(f"/people/{fam.mother_id}")["notes"][0]["id"] == fam.shared_note["id"]
    with world.engine.connect() as conn:
        for table in t.LINK_TABLES:
            stmt = sa.select(sa.func.count()).where(table.c.target_id == uuid.UUID(fam.person_id))
            assert conn.scalar(stmt.select_from(table)) == 0
    [entry] = world.audit("person.erase")
    assert entry["actor_id"] == fam.owner_id and entry["detail"]["reason"] == body["reason"]
    items = world.rows(t.change_items, t.change_items.c.person_id == uuid.UUID(fam.person_id))
    assert items and all(i["before"] is None and i["after"] is None for i in items)
    # Their earlier changes cannot be undone any more: the content is gone.
    [created] = [i["change_id"] for i in items if i["kind"] == "person" and i["op"] == "insert"]
    problem = fam.owner.post(f"/changes/{created}/undo", None, expect=409)
    assert "erased" in problem["detail"]
