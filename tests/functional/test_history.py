"""Change history and undo over HTTP: every write is recorded with who, when, why, before and
after; the history is for editors only; undo applies the inverse as a new change and refuses
when the records have changed since or the change was already undone."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from fastapi.testclient import TestClient

from dzinza.services.platform import Platform
from tests.conftest import Api, make_user


def person(api: Api, tree_id: str, given: str, surname: str = "Moyo", **extra: Any) -> Any:
    body: dict[str, Any] = {"names": [{"given": given, "surname": surname}], **extra}
    return api.post(f"/trees/{tree_id}/people", body)


def write(api: Api, method: str, path: str, **kw: Any) -> str:
    """Makes a write and returns the X-Change-Id it answers with."""
    headers = {**api.headers, **kw.pop("headers", {})}
    r = api.client.request(method, f"/api/v1{path}", headers=headers, **kw)
    assert r.status_code < 300, r.text
    return r.headers["x-change-id"]


def join(platform: Platform, client: TestClient, tree_id: str, email: str, role: str) -> Api:
    """A user who is a member of the tree with this role."""
    token = make_user(platform, email)
    with platform.store.write() as tx:
        user = tx.user_by_email(email)
        assert user is not None
        tx.add_member(uuid.UUID(tree_id), user["id"], role, datetime.now(UTC))
    return Api(client, token)


def unstamped(view: Any) -> Any:
    """A view without version and update time (a restored record is a new version)."""
    if isinstance(view, dict):
        return {k: unstamped(v) for k, v in view.items() if k not in ("version", "updated_at")}
    if isinstance(view, list):
        return [unstamped(v) for v in view]
    return view


def names_of(view: dict[str, Any]) -> list[tuple[str, str]]:
    return [(n["given"], n["surname"]) for n in view["names"]]


def test_person_edit_is_recorded_and_undone(owner: Api, tree: dict[str, Any]) -> None:
    t = tree["id"]
    p = person(owner, t, "Tendai", sex="male")
    edit = write(
        owner,
        "PATCH",
        f"/people/{p['id']}",
        json={"sex": "female", "names": [{"given": "Rudo", "surname": "Mhlanga"}]},
        headers={"X-Change-Reason": "Birth certificate, Masvingo registry"},
    )
    history = owner.get(f"/people/{p['id']}/history")["items"]
    assert [c["action"] for c in history] == ["person.update", "person.create"]
    latest = history[0]
    assert latest["id"] == edit and latest["reason"] == "Birth certificate, Masvingo registry"
    assert latest["user"]["email"] == "owner@example.org"
    person_item = next(i for i in latest["items"] if i["kind"] == "person")
    assert person_item["op"] == "update"
    assert person_item["before"]["sex"] == "male" and person_item["after"]["sex"] == "female"
    name_ops = sorted(
        (i["op"], (i["before"] or i["after"])["given"])
        for i in latest["items"]
        if i["kind"] == "name"
    )
    assert name_ops == [("delete", "Tendai"), ("insert", "Rudo")]

    undo = owner.post(f"/changes/{edit}/undo", {})
    assert undo["action"] == "undo" and undo["undo_of"] == edit
    back = owner.get(f"/people/{p['id']}")
    assert back["sex"] == "male" and names_of(back) == [("Tendai", "Moyo")]
    assert back["display_name"] == "Tendai Moyo"  # derived columns recomputed
    found = owner.get(f"/trees/{t}/people?name=tendai")["items"]
    assert [x["id"] for x in found] == [p["id"]]  # and the name index
    assert owner.get(f"/trees/{t}/people?name=rudo")["items"] == []
    assert owner.get(f"/changes/{edit}")["undone_by"] == undo["id"]
    refused = owner.post(f"/changes/{edit}/undo", {}, expect=409)
    assert "already undone" in refused["detail"]


def test_undo_of_a_person_create_deletes_them(owner: Api, tree: dict[str, Any]) -> None:
    t = tree["id"]
    made = write(
        owner,
        "POST",
        f"/trees/{t}/people",
        json={
            "names": [{"given": "Farai", "surname": "Dube"}, {"type": "clan", "given": "Shumba"}],
            "events": [{"type": "birth", "date": "1950"}],
            "external_ids": [{"kind": "xref", "value": "@I1@"}],
        },
    )
    created = owner.get(f"/changes/{made}")
    assert created["action"] == "person.create"
    assert sorted(i["kind"] for i in created["items"]) == [
        "event",
        "external_id",
        "name",
        "name",
        "person",
    ]
    assert all(i["op"] == "insert" and i["before"] is None for i in created["items"])
    pid = next(i["record_id"] for i in created["items"] if i["kind"] == "person")
    owner.post(f"/changes/{made}/undo", {})
    owner.get(f"/people/{pid}", expect=404)
    assert owner.get(f"/trees/{t}/people")["items"] == []
    assert owner.get(f"/trees/{t}/people?name=farai")["items"] == []
    # A deleted person's history is still there, newest first.
    actions = [c["action"] for c in owner.get(f"/people/{pid}/history")["items"]]
    assert actions == ["undo", "person.create"]


def test_undo_of_a_person_delete_brings_everything_back(owner: Api, tree: dict[str, Any]) -> None:
    t = tree["id"]
    gran, grandpa = person(owner, t, "Ambuya"), person(owner, t, "Sekuru")
    dad, mum, kid = person(owner, t, "Tapiwa"), person(owner, t, "Nyarai"), person(owner, t, "Kuda")
    owner.post(
        f"/trees/{t}/families",
        {
            "partner1_id": grandpa["id"],
            "partner2_id": gran["id"],
            "children": [{"child_id": dad["id"]}],
        },
    )
    fam = owner.post(
        f"/trees/{t}/families",
        {
            "partner1_id": dad["id"],
            "partner2_id": mum["id"],
            "union_type": "customary",
            "children": [{"child_id": kid["id"], "pedigree": "adopted"}],
        },
    )
    alone = owner.post(f"/trees/{t}/families", {"partner1_id": dad["id"]})
    owner.post(
        f"/trees/{t}/events", {"person_id": dad["id"], "type": "birth", "date": "12 JAN 1941"}
    )
    owner.post(
        f"/trees/{t}/events", {"person_id": dad["id"], "type": "occupation", "value": "Teacher"}
    )
    source = owner.post(f"/trees/{t}/sources", {"title": "Parish register"})
    owner.post(
        f"/trees/{t}/citations",
        {"source_id": source["id"], "page": "f. 12", "target": {"type": "person", "id": dad["id"]}},
    )
    owner.post(
        f"/trees/{t}/notes",
        {"text": "Taught at Morgenster", "targets": [{"type": "person", "id": dad["id"]}]},
    )
    before = owner.get(f"/people/{dad['id']}")
    fam_before = owner.get(f"/families/{fam['id']}")

    gone = write(owner, "DELETE", f"/people/{dad['id']}")
    owner.get(f"/families/{alone['id']}", expect=404)  # left empty, so deleted with him
    assert owner.get(f"/families/{fam['id']}")["partner1"] is None
    deleted = owner.get(f"/changes/{gone}")
    assert deleted["action"] == "person.delete"
    ops = {(i["kind"], i["op"]) for i in deleted["items"]}
    assert {
        ("person", "delete"),
        ("name", "delete"),
        ("event", "delete"),
        ("citation", "delete"),
        ("note_link", "delete"),
        ("family_child", "delete"),
        ("family", "update"),
        ("family", "delete"),
    } == ops

    owner.post(f"/changes/{gone}/undo", {})
    after = owner.get(f"/people/{dad['id']}")
    assert unstamped(after) == unstamped(before)
    assert after["birth"] == "12 JAN 1941" and after["citations"][0]["page"] == "f. 12"
    assert after["notes"][0]["text"] == "Taught at Morgenster"
    grandparents = {x["display_name"] for x in after["parents"][0]["parents"]}
    assert grandparents == {"Sekuru Moyo", "Ambuya Moyo"}
    fam_after = owner.get(f"/families/{fam['id']}")
    assert fam_after["partner1"]["id"] == dad["id"]
    assert fam_after["children"] == fam_before["children"]
    assert owner.get(f"/families/{alone['id']}")["partner1"]["id"] == dad["id"]
    assert [x["id"] for x in owner.get(f"/trees/{t}/people?name=tapiwa")["items"]] == [dad["id"]]


def test_undo_of_a_child_added_to_a_family(owner: Api, tree: dict[str, Any]) -> None:
    t = tree["id"]
    dad, kid = person(owner, t, "Tapiwa"), person(owner, t, "Kuda")
    fam = owner.post(f"/trees/{t}/families", {"partner1_id": dad["id"]})
    added = write(owner, "POST", f"/families/{fam['id']}/children", json={"child_id": kid["id"]})
    change = owner.get(f"/changes/{added}")
    assert change["action"] == "family.update"
    assert [(i["kind"], i["op"]) for i in change["items"]] == [("family_child", "insert")]
    assert change["items"][0]["person_id"] == kid["id"]
    owner.post(f"/changes/{added}/undo", {})
    assert owner.get(f"/families/{fam['id']}")["children"] == []
    assert owner.get(f"/people/{kid['id']}")["parents"] == []
    # The child's own history shows the link made and unmade.
    actions = [c["action"] for c in owner.get(f"/people/{kid['id']}/history")["items"]]
    assert actions == ["undo", "family.update", "person.create"]


def test_undo_is_refused_when_records_changed_since(owner: Api, tree: dict[str, Any]) -> None:
    t = tree["id"]
    p = person(owner, t, "Chipo")
    first = write(owner, "PATCH", f"/people/{p['id']}", json={"sex": "female"})
    second = write(owner, "PATCH", f"/people/{p['id']}", json={"living": False})
    refused = owner.post(f"/changes/{first}/undo", {}, expect=409)
    assert "changed since" in refused["detail"]
    assert owner.get(f"/people/{p['id']}")["sex"] == "female"  # nothing written
    assert owner.get(f"/changes/{first}")["undone_by"] is None
    owner.post(f"/changes/{second}/undo", {})
    owner.post(f"/changes/{first}/undo", {})  # in order, both go
    assert owner.get(f"/people/{p['id']}")["sex"] == "unknown"

    # A record added, then linked to by a later change: undoing the addition would lose the link.
    q = write(owner, "POST", f"/trees/{t}/people", json={"names": [{"given": "Tatenda"}]})
    qid = next(i["record_id"] for i in owner.get(f"/changes/{q}")["items"] if i["kind"] == "person")
    owner.post(f"/trees/{t}/events", {"person_id": qid, "type": "birth", "date": "1990"})
    refused = owner.post(f"/changes/{q}/undo", {}, expect=409)
    assert "linked to other records" in refused["detail"]
    owner.get(f"/people/{qid}")

    # A deleted record added back by hand cannot be deleted-undone twice.
    place = owner.post(f"/trees/{t}/places", {"name": "Nyajena"})
    gone = write(owner, "DELETE", f"/places/{place['id']}")
    owner.post(f"/changes/{gone}/undo", {})
    owner.get(f"/places/{place['id']}")
    owner.post(f"/changes/{gone}/undo", {}, expect=409)


def test_records_and_links_are_recorded_and_undone(owner: Api, tree: dict[str, Any]) -> None:
    t = tree["id"]
    p = person(owner, t, "Rudo")
    place = owner.post(f"/trees/{t}/places", {"name": "Masvingo", "latitude": -20.07})
    moved = write(owner, "PATCH", f"/places/{place['id']}", json={"name": "Fort Victoria"})
    note = owner.post(f"/trees/{t}/notes", {"text": "From the family Bible"})
    linked = write(
        owner, "POST", f"/notes/{note['id']}/links", json={"type": "person", "id": p["id"]}
    )
    assert owner.get(f"/changes/{linked}")["action"] == "note.update"
    owner.post(f"/changes/{linked}/undo", {})
    assert owner.get(f"/people/{p['id']}")["notes"] == []
    owner.post(f"/changes/{moved}/undo", {})
    back = owner.get(f"/places/{place['id']}")
    assert back["name"] == "Masvingo" and back["latitude"] == -20.07
    activity = owner.get(f"/trees/{t}/activity?limit=3")["items"]
    assert [a["summary"] for a in activity] == [
        "Undid a change to place Masvingo",
        "Undid a change to note",
        "Changed note",
    ]


def test_redo_by_undoing_an_undo(owner: Api, tree: dict[str, Any]) -> None:
    p = person(owner, tree["id"], "Nyasha")
    edit = write(owner, "PATCH", f"/people/{p['id']}", json={"sex": "female"})
    undo = owner.post(f"/changes/{edit}/undo", {})
    owner.post(f"/changes/{undo['id']}/undo", {})
    assert owner.get(f"/people/{p['id']}")["sex"] == "female"
    assert owner.get(f"/changes/{edit}")["undone_by"] is None  # may be undone again
    owner.post(f"/changes/{edit}/undo", {})
    assert owner.get(f"/people/{p['id']}")["sex"] == "unknown"


def test_activity_feed_pages_newest_first(owner: Api, tree: dict[str, Any]) -> None:
    t = tree["id"]
    a = person(owner, t, "Anesu")
    person(owner, t, "Blessing")
    owner.patch(f"/people/{a['id']}", {"sex": "male"}, headers={"X-Change-Reason": "Photo"})
    lines = owner.walk(f"/trees/{t}/activity?limit=2")
    assert [x["summary"] for x in lines] == [
        "Changed person Anesu Moyo",
        "Added person Blessing Moyo and 1 more record",
        "Added person Anesu Moyo and 1 more record",
    ]
    assert lines[0]["reason"] == "Photo" and lines[0]["user"]["email"] == "owner@example.org"
    assert lines[0]["created_at"] >= lines[1]["created_at"] >= lines[2]["created_at"]
    assert "items" not in lines[0]
    pages = owner.get(f"/trees/{t}/history?limit=1")
    assert len(pages["items"]) == 1 and pages["next_cursor"]
    assert [c["id"] for c in owner.walk(f"/trees/{t}/history?limit=1")] == [x["id"] for x in lines]
    owner.get(f"/trees/{t}/history?cursor=bm9wZQ", expect=400)


def test_change_reason_header(owner: Api, tree: dict[str, Any]) -> None:
    t = tree["id"]
    long = {"X-Change-Reason": "x" * 501}
    owner.post(f"/trees/{t}/people", {"names": [{"given": "A"}]}, expect=422, headers=long)
    tab = {"X-Change-Reason": "a\treason"}
    owner.post(f"/trees/{t}/people", {"names": [{"given": "A"}]}, expect=422, headers=tab)
    assert owner.get(f"/trees/{t}/people")["items"] == []  # nothing written
    assert owner.get(f"/trees/{t}/history")["items"] == []
    utf8 = {"X-Change-Reason": "Registre d'état civil, Zürich".encode()}
    owner.post(f"/trees/{t}/people", {"names": [{"given": "A"}]}, headers=utf8)
    ok = {"X-Change-Reason": "y" * 500}
    owner.post(f"/trees/{t}/people", {"names": [{"given": "B"}]}, headers=ok)
    reasons = [c["reason"] for c in owner.get(f"/trees/{t}/activity")["items"]]
    assert reasons == ["y" * 500, "Registre d'état civil, Zürich"]


def test_history_needs_the_editor_role(
    platform: Platform, client: TestClient, owner: Api, stranger: Api, anonymous: Api
) -> None:
    t = owner.post("/trees", {"name": "Public family", "visibility": "public"})["id"]
    living = person(owner, t, "Secret", living=True)
    edit = write(owner, "PATCH", f"/people/{living['id']}", json={"sex": "female"})
    viewer = join(platform, client, t, "viewer@example.org", "viewer")
    contributor = join(platform, client, t, "contrib@example.org", "contributor")
    editor = join(platform, client, t, "editor@example.org", "editor")
    paths = [
        f"/trees/{t}/history",
        f"/trees/{t}/activity",
        f"/people/{living['id']}/history",
        f"/changes/{edit}",
    ]
    for path in paths:
        assert editor.get(path)
        viewer.get(path, expect=403)
        contributor.get(path, expect=403)
        stranger.get(path, expect=403)
        anonymous.get(path, expect=401)
    viewer.post(f"/changes/{edit}/undo", {}, expect=403)
    contributor.post(f"/changes/{edit}/undo", {}, expect=403)  # not theirs
    private = owner.post("/trees", {"name": "Private family"})["id"]
    hidden = write(owner, "POST", f"/trees/{private}/people", json={"names": [{"given": "X"}]})
    for path in (f"/trees/{private}/history", f"/changes/{hidden}"):
        stranger.get(path, expect=404)
    stranger.post(f"/changes/{hidden}/undo", {}, expect=404)
    anonymous.get(f"/trees/{private}/activity", expect=404)
    editor.get(f"/changes/{uuid.uuid4()}", expect=404)

    # A contributor undoes their own change, and sees no record content in the answer.
    mine = write(contributor, "POST", f"/trees/{t}/people", json={"names": [{"given": "Mine"}]})
    undone = contributor.post(f"/changes/{mine}/undo", {})
    assert undone["undo_of"] == mine and "items" not in undone
    assert editor.get(f"/changes/{undone['id']}")["user"]["email"] == "contrib@example.org"
    editor.post(f"/changes/{edit}/undo", {})


def test_a_persons_history_includes_their_partner_families(
    owner: Api, tree: dict[str, Any]
) -> None:
    t = tree["id"]
    a, b = person(owner, t, "Tendai"), person(owner, t, "Rudo")
    fam = owner.post(f"/trees/{t}/families", {"partner1_id": a["id"], "partner2_id": b["id"]})
    owner.post(f"/trees/{t}/events", {"family_id": fam["id"], "type": "marriage", "date": "1990"})
    for who in (a, b):
        actions = [c["action"] for c in owner.get(f"/people/{who['id']}/history")["items"]]
        assert actions[:2] == ["event.create", "family.create"], actions
