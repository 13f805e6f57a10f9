"""The demo tree (what `make run` shows a newcomer) and the first web pages."""

from __future__ import annotations

from collections import Counter
from typing import Any

from fastapi.testclient import TestClient

from dzinza.services.demo import DEMO_TREE_ID, demo_id, load_demo
from dzinza.services.platform import Platform
from tests.conftest import Api


def test_demo_is_public_idempotent_and_rich(platform: Platform, anonymous: Api) -> None:
    first = load_demo(platform)
    again = load_demo(platform)
    assert first == again
    trees = anonymous.get("/trees")["items"]
    assert [t["id"] for t in trees] == [str(DEMO_TREE_ID)]
    # A guest sees the dead only: the living are left out of lists.
    people = anonymous.walk(f"/trees/{DEMO_TREE_ID}/people?limit=7")
    assert 10 <= len(people) < first["people"]
    assert all(p["death"] or not p["living"] for p in people)
    assert all(p["display_name"] != "Private" for p in people)

    newest = anonymous.get(f"/people/{demo_id('person:takunda')}/pedigree?generations=10")
    assert max(p["generation"] for p in newest["people"]) >= 5  # six generations
    founder = anonymous.get(f"/people/{demo_id('person:chirandu')}")
    unions = Counter(f["union_type"] for f in founder["families"])
    assert unions["customary"] == 2  # plural marriage
    assert any(n["type"] == "clan" for n in founder["names"])
    assert any(e["type"] == "traditional_title" for e in founder["events"])
    assert founder["citations"] and founder["notes"]
    tendai = anonymous.get(f"/people/{demo_id('person:tendai')}")
    assert [f["union_type"] for f in tendai["families"]] == ["religious", "civil"]  # remarriage
    tinashe = anonymous.get(f"/people/{demo_id('person:tinashe')}")
    assert sorted(p["pedigree"] for p in tinashe["parents"]) == ["adopted", "birth"]
    lobola = [e for f in founder["families"] for e in f["events"] if e["type"] == "lobola"]
    assert len(lobola) == 2
    place = anonymous.get(f"/places/{demo_id('place:masvingo')}")
    assert place["latitude"] < -19 and place["parent_id"] == str(demo_id("place:masvingo_p"))
    assert anonymous.get(f"/people/{demo_id('person:tendai')}/descendants?generations=5")["people"]


def test_demo_keep_leaves_edits_alone(platform: Platform, owner: Api) -> None:
    load_demo(platform, owner_email="owner@example.org")
    owner.patch(f"/people/{demo_id('person:tendai')}", {"sex": "unknown"})
    assert load_demo(platform, keep_existing=True)["kept"] is True
    assert owner.get(f"/people/{demo_id('person:tendai')}")["sex"] == "unknown"
    load_demo(platform)
    assert owner.get(f"/people/{demo_id('person:tendai')}")["sex"] == "male"


def test_demo_can_belong_to_a_user(platform: Platform, owner: Api) -> None:
    load_demo(platform, owner_email="owner@example.org")
    tree = owner.get(f"/trees/{DEMO_TREE_ID}")
    assert tree["owner_id"] is not None
    owner.patch(f"/trees/{DEMO_TREE_ID}", {"visibility": "private"})


def test_pages_show_the_demo(platform: Platform, client: TestClient) -> None:
    load_demo(platform)
    home = client.get("/")
    assert home.status_code == 200 and "Moyo family of Masvingo" in home.text
    tree_home = client.get(f"/trees/{DEMO_TREE_ID}")
    assert "Moyo family of Masvingo" in tree_home.text
    assert f'href="/trees/{DEMO_TREE_ID}/people"' in tree_home.text
    people = client.get(f"/trees/{DEMO_TREE_ID}/people")
    assert "Tendai Moyo" in people.text
    found = client.get(f"/trees/{DEMO_TREE_ID}/people?name=tend")
    assert "Tendai Moyo" in found.text and "Chipo" not in found.text
    page = client.get(f"/people/{demo_id('person:tendai')}")
    assert page.status_code == 200
    for text in (
        "Rudo Mhlanga",
        "Chenai Gumbo",
        "Tafirenyika Moyo",
        "Aug 15, 1905",  # the date written the page language's way (English here)
        "Morgenster Mission",
        "religious union",
    ):
        assert text in page.text, text
    assert client.get("/people/00000000-0000-0000-0000-000000000000").status_code == 404
    assert client.get("/api/docs").status_code == 200
    spec = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/people/{person_id}/pedigree" in spec["paths"]


def test_private_tree_pages_are_refused(
    client: TestClient, owner: Api, tree: dict[str, Any]
) -> None:
    r = client.get(f"/trees/{tree['id']}")
    assert r.status_code == 404 and tree["name"] not in r.text
    assert f'href="/signin?next=%2Ftrees%2F{tree["id"]}"' in r.text
