"""Places, repositories, sources, citations, notes and media over HTTP."""

from __future__ import annotations

from typing import Any

from tests.conftest import Api
from tests.functional.test_people import person


def test_place_hierarchy_alt_names_and_cycle_refused(owner: Api, tree: dict[str, Any]) -> None:
    t = tree["id"]
    zw = owner.post(
        f"/trees/{t}/places",
        {
            "name": "Zimbabwe",
            "type": "country",
            "alt_names": [{"name": "Rhodesia", "language": "en"}],
        },
    )
    masvingo = owner.post(
        f"/trees/{t}/places",
        {"name": "Masvingo", "parent_id": zw["id"], "latitude": -20.07, "longitude": 30.83},
    )
    assert masvingo["parent_id"] == zw["id"]
    assert owner.get(f"/places/{zw['id']}")["alt_names"] == [{"name": "Rhodesia", "language": "en"}]
    assert (
        "inside itself"
        in owner.patch(f"/places/{zw['id']}", {"parent_id": masvingo["id"]}, expect=409)["detail"]
    )
    owner.patch(f"/places/{masvingo['id']}", {"name": "Fort Victoria"})
    assert [p["name"] for p in owner.get(f"/trees/{t}/places")["items"]] == [
        "Fort Victoria",
        "Zimbabwe",
    ]
    owner.delete(f"/places/{zw['id']}")
    assert owner.get(f"/places/{masvingo['id']}")["parent_id"] is None


def test_sources_repositories_and_citations(owner: Api, tree: dict[str, Any]) -> None:
    t = tree["id"]
    p = person(owner, t, "Tendai")
    repo = owner.post(f"/trees/{t}/repositories", {"name": "National Archives of Zimbabwe"})
    src = owner.post(
        f"/trees/{t}/sources",
        {"title": "Baptism register", "repository_id": repo["id"], "call_number": "MM/1"},
    )
    cit = owner.post(
        f"/trees/{t}/citations",
        {
            "source_id": src["id"],
            "page": "folio 12",
            "quality": 3,
            "date": "1905",
            "target": {"type": "person", "id": p["id"]},
        },
    )
    assert cit["target"] == {"type": "person", "id": p["id"]}
    assert [c["page"] for c in owner.get(f"/people/{p['id']}")["citations"]] == ["folio 12"]
    owner.patch(f"/citations/{cit['id']}", {"page": "folio 13"})
    assert owner.get(f"/citations/{cit['id']}")["page"] == "folio 13"
    owner.delete(f"/repositories/{repo['id']}")
    assert owner.get(f"/sources/{src['id']}")["repository_id"] is None
    owner.delete(f"/sources/{src['id']}")
    owner.get(f"/citations/{cit['id']}", expect=404)
    assert owner.get(f"/people/{p['id']}")["citations"] == []


def test_citation_on_an_event_and_family(owner: Api, tree: dict[str, Any]) -> None:
    t = tree["id"]
    a, b = person(owner, t, "A"), person(owner, t, "B")
    fam = owner.post(
        f"/trees/{t}/families",
        {
            "partner1_id": a["id"],
            "partner2_id": b["id"],
            "events": [{"type": "marriage", "date": "1930"}],
        },
    )
    src = owner.post(f"/trees/{t}/sources", {"title": "Marriage register"})
    owner.post(
        f"/trees/{t}/citations",
        {"source_id": src["id"], "target": {"type": "family", "id": fam["id"]}},
    )
    owner.post(
        f"/trees/{t}/citations",
        {"source_id": src["id"], "target": {"type": "event", "id": fam["events"][0]["id"]}},
    )
    assert len(owner.get(f"/families/{fam['id']}")["citations"]) == 1
    assert len(owner.get(f"/events/{fam['events'][0]['id']}")["citations"]) == 1


def test_notes_and_media_link_to_many_records(owner: Api, tree: dict[str, Any]) -> None:
    t = tree["id"]
    a, b = person(owner, t, "A"), person(owner, t, "B")
    note = owner.post(
        f"/trees/{t}/notes",
        {"text": "Shared story", "targets": [{"type": "person", "id": a["id"]}]},
    )
    owner.post(f"/notes/{note['id']}/links", {"type": "person", "id": b["id"]})
    owner.post(f"/notes/{note['id']}/links", {"type": "person", "id": b["id"]})  # idempotent
    assert [n["text"] for n in owner.get(f"/people/{b['id']}")["notes"]] == ["Shared story"]
    owner.delete(f"/notes/{note['id']}/links/person/{a['id']}")
    assert owner.get(f"/people/{a['id']}")["notes"] == []
    owner.delete(f"/notes/{note['id']}/links/person/{a['id']}", expect=422)
    photo = owner.post(
        f"/trees/{t}/media",
        {
            "title": "Wedding",
            "file": "wedding.jpg",
            "mime_type": "image/jpeg",
            "date": "1930",
            "targets": [{"type": "person", "id": a["id"]}],
        },
    )
    assert photo["date_text"] == "1930"
    assert [m["title"] for m in owner.get(f"/people/{a['id']}")["media"]] == ["Wedding"]
    owner.delete(f"/media/{photo['id']}")
    assert owner.get(f"/people/{a['id']}")["media"] == []


def test_records_are_private_with_their_tree(
    owner: Api, tree: dict[str, Any], anonymous: Api, stranger: Api
) -> None:
    src = owner.post(f"/trees/{tree['id']}/sources", {"title": "Secret"})
    # Someone who may not see the tree is told its records do not exist, and not which tree
    # they are in.
    for who in (anonymous, stranger):
        problem = who.get(f"/sources/{src['id']}", expect=404)
        assert tree["id"] not in problem["detail"] and "Secret" not in str(problem)
        who.get(f"/trees/{tree['id']}/sources", expect=404)
        who.delete(f"/sources/{src['id']}", expect=404)
