"""Consistency checks come back as warnings on the person, never as refusals."""

from __future__ import annotations

from typing import Any

from tests.conftest import Api


def born(
    api: Api, tree_id: str, given: str, birth: str | None, death: str | None = None
) -> dict[str, Any]:
    events = [{"type": "birth", "date": birth}] if birth else []
    if death:
        events.append({"type": "death", "date": death})
    return dict(
        api.post(f"/trees/{tree_id}/people", {"names": [{"given": given}], "events": events})
    )


def codes(api: Api, person_id: str) -> list[str]:
    return sorted(w["code"] for w in api.get(f"/people/{person_id}")["warnings"])


def test_death_before_birth(owner: Api, tree: dict[str, Any]) -> None:
    p = born(owner, tree["id"], "Odd", "1950", "1940")
    assert p["warnings"][0]["code"] == "death_before_birth"


def test_parent_ages_and_posthumous_birth(owner: Api, tree: dict[str, Any]) -> None:
    t = tree["id"]
    young = born(owner, t, "Young", "1990")
    old = born(owner, t, "Old", "1900", "1950")
    child = born(owner, t, "Child", "2000")
    owner.post(
        f"/trees/{t}/families",
        {
            "partner1_id": young["id"],
            "partner2_id": old["id"],
            "children": [{"child_id": child["id"]}],
        },
    )
    assert codes(owner, child["id"]) == [
        "born_after_parent_death",
        "parent_too_old",
        "parent_too_young",
    ]
    assert codes(owner, young["id"]) == ["parent_too_young"]
    assert codes(owner, old["id"]) == ["born_after_parent_death", "parent_too_old"]


def test_plausible_family_has_no_warnings(owner: Api, tree: dict[str, Any]) -> None:
    t = tree["id"]
    dad = born(owner, t, "Dad", "ABT 1900", "1970")
    kid = born(owner, t, "Kid", "1930")
    owner.post(
        f"/trees/{t}/families", {"partner1_id": dad["id"], "children": [{"child_id": kid["id"]}]}
    )
    assert codes(owner, kid["id"]) == []
    assert codes(owner, dad["id"]) == []
