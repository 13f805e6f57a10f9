"""Families over HTTP: partners, unions of every type, plural marriage, remarriage, adoption,
children's pedigrees, and the refusal to make a person their own ancestor."""

from __future__ import annotations

from typing import Any

from tests.conftest import Api
from tests.functional.test_people import person


def test_plural_marriage_and_remarriage_are_normal(owner: Api, tree: dict[str, Any]) -> None:
    t = tree["id"]
    husband, first, second, later = (
        person(owner, t, n) for n in ("Chirandu", "Rufaro", "Chipo", "Ruth")
    )
    f1 = owner.post(
        f"/trees/{t}/families",
        {
            "partner1_id": husband["id"],
            "partner2_id": first["id"],
            "union_type": "customary",
            "events": [{"type": "lobola", "date": "ABT 1876"}],
        },
    )
    f2 = owner.post(
        f"/trees/{t}/families",
        {"partner1_id": husband["id"], "partner2_id": second["id"], "union_type": "customary"},
    )
    f3 = owner.post(
        f"/trees/{t}/families",
        {"partner1_id": husband["id"], "partner2_id": later["id"], "union_type": "religious"},
    )
    assert f1["events"][0]["type"] == "lobola"
    view = owner.get(f"/people/{husband['id']}")
    assert [f["family_id"] for f in view["families"]] == [f1["id"], f2["id"], f3["id"]]
    assert [f["partner"]["display_name"] for f in view["families"]] == [
        "Rufaro Moyo",
        "Chipo Moyo",
        "Ruth Moyo",
    ]
    assert [f["union_type"] for f in view["families"]] == ["customary", "customary", "religious"]


def test_children_pedigrees_and_adoption(owner: Api, tree: dict[str, Any]) -> None:
    t = tree["id"]
    a, b, c, d, kid = (
        person(owner, t, n) for n in ("Kudakwashe", "Maidei", "Tendai", "Chenai", "Tinashe")
    )
    birth = owner.post(
        f"/trees/{t}/families",
        {"partner1_id": a["id"], "partner2_id": b["id"], "children": [{"child_id": kid["id"]}]},
    )
    adoptive = owner.post(f"/trees/{t}/families", {"partner1_id": c["id"], "partner2_id": d["id"]})
    adoptive = owner.post(
        f"/families/{adoptive['id']}/children", {"child_id": kid["id"], "pedigree": "adopted"}
    )
    assert adoptive["children"][0]["pedigree"] == "adopted"
    parents = owner.get(f"/people/{kid['id']}")["parents"]
    assert [(p["family_id"], p["pedigree"]) for p in parents] == [
        (birth["id"], "birth"),
        (adoptive["id"], "adopted"),
    ]
    changed = owner.patch(f"/families/{birth['id']}/children/{kid['id']}", {"pedigree": "unknown"})
    assert changed["children"][0]["pedigree"] == "unknown"
    owner.post(f"/families/{birth['id']}/children", {"child_id": kid["id"]}, expect=409)
    owner.delete(f"/families/{birth['id']}/children/{kid['id']}", expect=200)
    owner.delete(f"/families/{birth['id']}/children/{kid['id']}", expect=404)


def test_own_ancestor_is_refused(owner: Api, tree: dict[str, Any]) -> None:
    t = tree["id"]
    grandpa, dad, son = (person(owner, t, n) for n in ("Grandpa", "Dad", "Son"))
    owner.post(
        f"/trees/{t}/families",
        {"partner1_id": grandpa["id"], "children": [{"child_id": dad["id"]}]},
    )
    f2 = owner.post(
        f"/trees/{t}/families", {"partner1_id": dad["id"], "children": [{"child_id": son["id"]}]}
    )
    # Grandpa as Son's child would close a loop.
    f3 = owner.post(f"/trees/{t}/families", {"partner1_id": son["id"]})
    problem = owner.post(f"/families/{f3['id']}/children", {"child_id": grandpa["id"]}, expect=409)
    assert "own ancestor" in problem["detail"]
    owner.post(
        f"/trees/{t}/families",
        {"partner1_id": son["id"], "children": [{"child_id": grandpa["id"]}]},
        expect=409,
    )
    # Making Son a partner of the family whose child is his own father: refused as well.
    owner.patch(f"/families/{f2['id']}", {"partner2_id": son["id"]}, expect=409)
    owner.post(
        f"/trees/{t}/families",
        {"partner1_id": dad["id"], "children": [{"child_id": dad["id"]}]},
        expect=409,
    )
    assert owner.get(f"/people/{grandpa['id']}")["parents"] == []


def test_same_partner_twice_and_cross_tree_refused(owner: Api, tree: dict[str, Any]) -> None:
    t = tree["id"]
    a = person(owner, t, "A")
    owner.post(f"/trees/{t}/families", {"partner1_id": a["id"], "partner2_id": a["id"]}, expect=422)
    other = owner.post("/trees", {"name": "Other"})
    b = person(owner, other["id"], "B")
    problem = owner.post(
        f"/trees/{t}/families", {"partner1_id": a["id"], "partner2_id": b["id"]}, expect=404
    )
    assert "partner2_id" in problem["detail"]


def test_family_update_delete_and_list(owner: Api, tree: dict[str, Any]) -> None:
    t = tree["id"]
    a, b = person(owner, t, "A"), person(owner, t, "B")
    fam = owner.post(
        f"/trees/{t}/families",
        {"partner1_id": a["id"], "events": [{"type": "marriage", "date": "1950"}]},
    )
    fam = owner.patch(f"/families/{fam['id']}", {"partner2_id": b["id"], "union_type": "civil"})
    assert fam["partner2"]["id"] == b["id"] and fam["union_type"] == "civil"
    listed = owner.get(f"/trees/{t}/families")["items"]
    assert [(f["id"], f["partner2"]["id"], f["union_type"]) for f in listed] == [
        (fam["id"], b["id"], "civil")
    ]
    event_id = fam["events"][0]["id"]
    owner.delete(f"/families/{fam['id']}")
    owner.get(f"/events/{event_id}", expect=404)
    assert owner.get(f"/people/{a['id']}")["families"] == []


def test_family_list_pages_by_creation(owner: Api, tree: dict[str, Any]) -> None:
    t = tree["id"]
    made = [owner.post(f"/trees/{t}/families", {"union_type": "civil"})["id"] for _ in range(5)]
    assert [f["id"] for f in owner.walk(f"/trees/{t}/families?limit=2")] == made
    notes = [owner.post(f"/trees/{t}/notes", {"text": f"n{i}"})["id"] for i in range(3)]
    first = owner.get(f"/trees/{t}/notes?limit=2")
    rest = owner.get(f"/trees/{t}/notes?limit=2&cursor={first['next_cursor']}")
    assert [n["id"] for n in first["items"] + rest["items"]] == notes
