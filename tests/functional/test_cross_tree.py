"""An id from another tree, in a URL or in a body, is "not found" (404), everywhere: even an
owner of both trees cannot stitch one tree's records into the other, and nobody learns from the
answer that the id exists elsewhere."""

from __future__ import annotations

from typing import Any

from tests.conftest import Api


def _world(api: Api, name: str) -> dict[str, str]:
    tree = api.post("/trees", {"name": name})["id"]
    person = api.post(f"/trees/{tree}/people", {"names": [{"given": name}]})["id"]
    place = api.post(f"/trees/{tree}/places", {"name": f"{name} place"})["id"]
    source = api.post(f"/trees/{tree}/sources", {"title": f"{name} source"})["id"]
    note = api.post(f"/trees/{tree}/notes", {"text": f"{name} note"})["id"]
    media = api.post(f"/trees/{tree}/media", {"title": f"{name} media", "file": "m.jpg"})["id"]
    family = api.post(f"/trees/{tree}/families", {"partner1_id": person})["id"]
    return {
        "tree": tree,
        "person": person,
        "place": place,
        "source": source,
        "note": note,
        "media": media,
        "family": family,
    }


def test_ids_of_another_tree_in_bodies_are_not_found(owner: Api) -> None:
    mine, other = _world(owner, "Mine"), _world(owner, "Other")
    t = mine["tree"]
    refused: list[tuple[str, str, Any]] = [
        ("POST", f"/trees/{t}/families", {"partner1_id": other["person"]}),
        ("POST", f"/trees/{t}/families", {"children": [{"child_id": other["person"]}]}),
        ("PATCH", f"/families/{mine['family']}", {"partner2_id": other["person"]}),
        ("POST", f"/families/{mine['family']}/children", {"child_id": other["person"]}),
        ("POST", f"/trees/{t}/events", {"person_id": other["person"], "type": "census"}),
        ("POST", f"/trees/{t}/events", {"family_id": other["family"], "type": "marriage"}),
        (
            "POST",
            f"/trees/{t}/events",
            {"person_id": mine["person"], "type": "birth", "place_id": other["place"]},
        ),
        (
            "POST",
            f"/trees/{t}/people",
            {"names": [{"given": "X"}], "events": [{"type": "birth", "place_id": other["place"]}]},
        ),
        (
            "POST",
            f"/trees/{t}/citations",
            {"source_id": other["source"], "target": {"type": "person", "id": mine["person"]}},
        ),
        (
            "POST",
            f"/trees/{t}/citations",
            {"source_id": mine["source"], "target": {"type": "person", "id": other["person"]}},
        ),
        ("POST", f"/notes/{mine['note']}/links", {"type": "person", "id": other["person"]}),
        ("POST", f"/media/{mine['media']}/links", {"type": "family", "id": other["family"]}),
        ("POST", f"/trees/{t}/places", {"name": "Sub", "parent_id": other["place"]}),
        ("GET", f"/trees/{t}/people?place_id={other['place']}", None),
    ]
    wrong = []
    for method, path, body in refused:
        r = owner.client.request(method, f"/api/v1{path}", json=body, headers=owner.headers)
        if r.status_code != 404 or other["tree"] in r.text:
            wrong.append(f"{method} {path} {body}: {r.status_code} {r.text[:200]}")
    assert not wrong, "\n".join(wrong)
    # Nothing was half-written: the other tree's person is still nobody's child or partner here.
    assert owner.get(f"/people/{other['person']}")["parents"] == []
    assert owner.get(f"/families/{mine['family']}")["children"] == []


def test_records_of_a_tree_one_cannot_see_are_not_found(owner: Api, stranger: Api) -> None:
    mine = _world(owner, "Private")
    for kind, key in (
        ("people", "person"),
        ("families", "family"),
        ("places", "place"),
        ("sources", "source"),
        ("notes", "note"),
        ("media", "media"),
    ):
        for method in ("GET", "PATCH", "DELETE"):
            r = stranger.client.request(
                method, f"/api/v1/{kind}/{mine[key]}", json={}, headers=stranger.headers
            )
            assert r.status_code == 404, (method, kind, r.status_code, r.text)
            assert mine["tree"] not in r.text
