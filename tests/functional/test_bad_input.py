"""Bad input on every endpoint family: always a 4xx with a problem+json body that says what is
wrong, never a 500, and never a half-written record."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.conftest import Api
from tests.functional.test_people import person

MISSING = str(uuid.uuid4())


@pytest.fixture
def world(owner: Api, tree: dict[str, Any]) -> dict[str, str]:
    t = tree["id"]
    p = person(owner, t, "Tendai")
    fam = owner.post(f"/trees/{t}/families", {"partner1_id": p["id"]})
    ev = owner.post(f"/trees/{t}/events", {"person_id": p["id"], "type": "birth", "date": "1905"})
    src = owner.post(f"/trees/{t}/sources", {"title": "Register"})
    return {
        "tree": t,
        "person": p["id"],
        "family": fam["id"],
        "event": ev["id"],
        "source": src["id"],
    }


def paths(w: dict[str, str]) -> dict[str, tuple[str, str]]:
    """Per endpoint family: a collection to POST to and a record to PATCH."""
    t = w["tree"]
    return {
        "trees": ("/trees", f"/trees/{t}"),
        "people": (f"/trees/{t}/people", f"/people/{w['person']}"),
        "families": (f"/trees/{t}/families", f"/families/{w['family']}"),
        "events": (f"/trees/{t}/events", f"/events/{w['event']}"),
        "places": (f"/trees/{t}/places", ""),
        "repositories": (f"/trees/{t}/repositories", ""),
        "sources": (f"/trees/{t}/sources", f"/sources/{w['source']}"),
        "citations": (f"/trees/{t}/citations", ""),
        "notes": (f"/trees/{t}/notes", ""),
        "media": (f"/trees/{t}/media", ""),
    }


FAMILIES = [
    "trees",
    "people",
    "families",
    "events",
    "places",
    "repositories",
    "sources",
    "citations",
    "notes",
    "media",
]


@pytest.mark.parametrize("family", FAMILIES)
def test_malformed_json_and_wrong_shapes(owner: Api, world: dict[str, str], family: str) -> None:
    collection, record = paths(world)[family]
    r = owner.client.post(
        f"/api/v1{collection}",
        content=b"{not json",
        headers={**owner.headers, "Content-Type": "application/json"},
    )
    assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json"
    assert "JSON" in r.json()["detail"]
    for body in (
        [1, 2],
        "text",
        {"no_such_field": 1},
        {"name": 12, "title": 12, "text": 12, "type": 12},
    ):
        problem = owner.post(collection, body, expect=422)
        assert problem["detail"] and problem["errors"]
    if record:
        owner.patch(record, {"no_such_field": 1}, expect=422)


@pytest.mark.parametrize(
    "family",
    [
        "people",
        "families",
        "events",
        "places",
        "sources",
        "citations",
        "notes",
        "media",
        "repositories",
    ],
)
def test_unknown_and_malformed_ids(owner: Api, family: str) -> None:
    owner.get(f"/{family}/{MISSING}", expect=404)
    owner.patch(f"/{family}/{MISSING}", {}, expect=404)
    owner.delete(f"/{family}/{MISSING}", expect=404)
    problem = owner.get(f"/{family}/not-a-uuid", expect=422)
    assert "UUID" in problem["detail"] or "uuid" in problem["detail"]
    owner.get(f"/trees/{MISSING}/{family}", expect=404) if family != "events" else None


@pytest.mark.parametrize(
    ("date", "fragment"),
    [
        ("31 FEB 1900", "28 days"),
        ("BET 1900", "AND"),
        ("sometime", "sometime"),
        ("FROM 1950 TO 1900", ""),
    ],
)
def test_bad_dates_are_explained(
    owner: Api, world: dict[str, str], date: str, fragment: str
) -> None:
    problem = owner.post(
        f"/trees/{world['tree']}/events",
        {"person_id": world["person"], "type": "death", "date": date},
        expect=422,
    )
    assert problem["detail"].startswith("date:")
    assert fragment in problem["detail"]
    owner.patch(f"/events/{world['event']}", {"date": date}, expect=422)
    owner.post(
        f"/trees/{world['tree']}/people",
        {"names": [{"given": "X"}], "events": [{"type": "birth", "date": date}]},
        expect=422,
    )
    # Nothing half-written: the person with the bad event was not created.
    assert [p["display_name"] for p in owner.get(f"/trees/{world['tree']}/people")["items"]] == [
        "Tendai Moyo"
    ]


def test_bad_enums_types_and_references(owner: Api, world: dict[str, str]) -> None:
    t = world["tree"]
    owner.post(f"/trees/{t}/people", {"sex": "sometimes"}, expect=422)
    owner.post(
        f"/trees/{t}/people", {"names": [{"type": "nickname-ish", "given": "X"}]}, expect=422
    )
    owner.post(f"/trees/{t}/people", {"names": [{}]}, expect=422)
    owner.post(f"/trees/{t}/families", {"union_type": "handshake"}, expect=422)
    owner.post(f"/trees/{t}/families", {"partner1_id": MISSING}, expect=404)
    owner.post(
        f"/families/{world['family']}/children",
        {"child_id": world["person"], "pedigree": "borrowed"},
        expect=422,
    )
    owner.post(
        f"/trees/{t}/events", {"person_id": world["person"], "type": "teleportation"}, expect=422
    )
    owner.post(
        f"/trees/{t}/events", {"person_id": world["person"], "type": "marriage"}, expect=422
    )  # family event
    owner.post(f"/trees/{t}/events", {"type": "birth"}, expect=422)
    owner.post(
        f"/trees/{t}/events",
        {"person_id": world["person"], "family_id": world["family"], "type": "census"},
        expect=422,
    )
    owner.post(
        f"/trees/{t}/events",
        {"person_id": world["person"], "type": "birth", "place_id": MISSING},
        expect=404,
    )
    owner.post(f"/trees/{t}/places", {"name": "Nowhere", "latitude": 91}, expect=422)
    owner.post(f"/trees/{t}/places", {"name": ""}, expect=422)
    owner.post(
        f"/trees/{t}/citations",
        {
            "source_id": world["source"],
            "quality": 7,
            "target": {"type": "person", "id": world["person"]},
        },
        expect=422,
    )
    owner.post(
        f"/trees/{t}/citations",
        {"source_id": world["source"], "target": {"type": "person", "id": MISSING}},
        expect=404,
    )
    owner.post(
        f"/trees/{t}/citations",
        {"source_id": MISSING, "target": {"type": "person", "id": world["person"]}},
        expect=404,
    )
    owner.post(f"/trees/{t}/notes", {"text": ""}, expect=422)
    owner.post(
        f"/trees/{t}/notes",
        {"text": "x", "targets": [{"type": "planet", "id": world["person"]}]},
        expect=422,
    )
    owner.post("/trees", {"name": "x" * 201}, expect=422)
    owner.post("/trees", {"name": "ok", "visibility": "secret"}, expect=422)


def test_bad_list_parameters(owner: Api, world: dict[str, str]) -> None:
    base = f"/trees/{world['tree']}/people"
    owner.get(f"{base}?limit=0", expect=422)
    owner.get(f"{base}?limit=501", expect=422)
    owner.get(f"{base}?sort=shoe_size", expect=422)
    owner.get(f"{base}?sex=sometimes", expect=422)
    owner.get(f"{base}?birth_year_from=abc", expect=422)
    owner.get(f"{base}?birth_year_from=1950&birth_year_to=1900", expect=422)
    owner.get(f"{base}?place_id={MISSING}", expect=404)
    assert "cursor" in owner.get(f"{base}?cursor=%%%garbage", expect=400)["detail"]
    assert "cursor" in owner.get(f"{base}?cursor=WyJ4Il0", expect=400)["detail"]
    owner.get(f"/trees/{world['tree']}/sources?sort=colour", expect=422)


def test_unknown_routes_and_methods_are_problems(owner: Api) -> None:
    assert owner.get("/nothing-here", expect=404)["title"] == "Not found"
    assert owner.call("PUT", "/trees", 405)["title"] == "Method not allowed"


def test_token_endpoint_refuses_wrong_password(owner: Api, anonymous: Api) -> None:
    anonymous.post("/auth/token", {"email": "owner@example.org", "password": "wrong"}, expect=401)
    anonymous.post(
        "/auth/token",
        {"email": "nobody@example.org", "password": "correct horse battery"},
        expect=401,
    )
    anonymous.post("/auth/token", {"email": "owner@example.org"}, expect=422)
    token = anonymous.post(
        "/auth/token",
        {"email": "Owner@Example.org", "password": "correct horse battery"},
        expect=200,
    )
    assert token["token_type"] == "bearer" and len(token["access_token"]) > 30


def test_values_the_database_refuses_are_4xx(owner: Api, world: dict[str, str]) -> None:
    t = world["tree"]
    problem = owner.post(f"/trees/{t}/people", {"names": [{"given": "nul\u0000byte"}]}, expect=422)
    assert "control character" in problem["detail"]
    owner.post(f"/trees/{t}/sources", {"title": "bell\u0007"}, expect=422)
    owner.get(f"/trees/{t}/people?name=nul%00", expect=422)
    import base64
    import json

    cursor = base64.urlsafe_b64encode(json.dumps(["birth", [10**30, "x"]]).encode()).decode()
    owner.get(f"/trees/{t}/people?sort=birth&cursor={cursor}", expect=400)
    for forged in (
        ["birth", [1, "not-a-uuid"]],
        ["birth", [1]],
        ["name", [None, None]],
        ["birth", ["x", "y"]],
    ):
        raw = base64.urlsafe_b64encode(json.dumps(forged).encode()).decode()
        owner.get(f"/trees/{t}/people?sort={forged[0]}&cursor={raw}", expect=400)
