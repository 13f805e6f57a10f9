"""Pedigree and descendants: generation limits, pedigree types, the chart's people and links."""

from __future__ import annotations

from typing import Any

from tests.conftest import Api
from tests.functional.test_people import person


def line(owner: Api, tree_id: str, n: int) -> list[dict[str, Any]]:
    """n generations of fathers and sons, each son also with a mother."""
    people = [person(owner, tree_id, f"Gen{i}") for i in range(n)]
    for i in range(n - 1):
        mum = person(owner, tree_id, f"Mother{i}")
        owner.post(
            f"/trees/{tree_id}/families",
            {
                "partner1_id": people[i]["id"],
                "partner2_id": mum["id"],
                "children": [{"child_id": people[i + 1]["id"]}],
            },
        )
    return people


def test_pedigree_walks_up_n_generations(owner: Api, tree: dict[str, Any]) -> None:
    people = line(owner, tree["id"], 6)
    newest = people[-1]["id"]
    chart = owner.get(f"/people/{newest}/pedigree?generations=3")
    gens = {p["display_name"]: p["generation"] for p in chart["people"]}
    assert gens == {
        "Gen5 Moyo": 0,
        "Gen4 Moyo": 1,
        "Mother4 Moyo": 1,
        "Gen3 Moyo": 2,
        "Mother3 Moyo": 2,
        "Gen2 Moyo": 3,
        "Mother2 Moyo": 3,
    }
    assert chart["root_id"] == newest and not chart["truncated"]
    assert all(link["pedigree"] == "birth" for link in chart["links"])
    full = owner.get(f"/people/{newest}/pedigree?generations=25")
    assert len(full["people"]) == 11


def test_descendants_walks_down(owner: Api, tree: dict[str, Any]) -> None:
    people = line(owner, tree["id"], 5)
    chart = owner.get(f"/people/{people[0]['id']}/descendants?generations=2")
    assert [(p["display_name"], p["generation"]) for p in chart["people"]] == [
        ("Gen0 Moyo", 0),
        ("Gen1 Moyo", 1),
        ("Gen2 Moyo", 2),
    ]
    assert {link["parent_id"] for link in chart["links"]} == {people[0]["id"], people[1]["id"]}


def test_adopted_child_appears_with_pedigree(owner: Api, tree: dict[str, Any]) -> None:
    t = tree["id"]
    parent, child = person(owner, t, "Parent"), person(owner, t, "Child")
    owner.post(
        f"/trees/{t}/families",
        {
            "partner1_id": parent["id"],
            "children": [{"child_id": child["id"], "pedigree": "adopted"}],
        },
    )
    chart = owner.get(f"/people/{child['id']}/pedigree?generations=1")
    assert chart["links"][0]["pedigree"] == "adopted"


def test_generations_out_of_range(owner: Api, tree: dict[str, Any]) -> None:
    p = person(owner, tree["id"], "X")
    for bad in ("0", "26", "-1", "many"):
        owner.get(f"/people/{p['id']}/pedigree?generations={bad}", expect=422)
        owner.get(f"/people/{p['id']}/descendants?generations={bad}", expect=422)
