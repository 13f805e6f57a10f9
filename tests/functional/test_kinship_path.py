"""The relationship path (KinshipPathService.path): the shortest chain of parent, child,
partner and sibling steps between two people of a tree, on both databases; what it says about
blood lines and common ancestors; privacy (hidden ends refused, hidden middles anonymised);
and its bounds. Also the partners it gives the descendant chart (``unions``)."""

from __future__ import annotations

import itertools
import json
import uuid
from typing import Any

import pytest

from dzinza.domain.errors import NotFound, ValidationFailed
from dzinza.services.common import Actor
from dzinza.services.platform import Platform
from tests.conftest import Api

DEAD = [{"type": "birth", "date": "1850"}, {"type": "death", "date": "1920"}]


def _person(owner: Api, tree: str, given: str, sex: str = "unknown", **extra: Any) -> str:
    body = {"sex": sex, "names": [{"given": given, "surname": "Shumba"}], **extra}
    return str(owner.post(f"/trees/{tree}/people", body)["id"])


def _family(owner: Api, tree: str, a: str | None, b: str | None, kids: list[str], **kw: Any) -> str:
    body: dict[str, Any] = {"children": [{"child_id": k, **kw} for k in kids]}
    if a:
        body["partner1_id"] = a
    if b:
        body["partner2_id"] = b
    return str(owner.post(f"/trees/{tree}/families", body)["id"])


@pytest.fixture
def kin(owner: Api) -> dict[str, str]:
    """A public tree. Grandparents with two sons; each son has a wife and a child (the cousins);
    one cousin has a living husband and a living son; a stranger to them all; a long line."""
    tree = owner.post("/trees", {"name": "Kin", "visibility": "public"})["id"]
    ids = {"tree": tree}
    for key, sex in (
        ("grandpa", "male"),
        ("grandma", "female"),
        ("father", "male"),
        ("uncle", "male"),
        ("mother", "female"),
        ("aunt", "female"),
        ("me", "female"),
        ("cousin", "male"),
        ("loner", "unknown"),
    ):
        ids[key] = _person(owner, tree, key.title(), sex, events=DEAD)
    ids["husband"] = _person(owner, tree, "Zvikomborero", "male", living=True)
    ids["son"] = _person(owner, tree, "Secretson", "male", living=True)
    ids["grandparents"] = _family(
        owner, tree, ids["grandpa"], ids["grandma"], [ids["father"], ids["uncle"]]
    )
    _family(owner, tree, ids["father"], ids["mother"], [ids["me"]])
    _family(owner, tree, ids["uncle"], ids["aunt"], [ids["cousin"]])
    _family(owner, tree, ids["husband"], ids["me"], [ids["son"]])
    return ids


def _actor(platform: Platform, api: Api) -> Actor:
    token = api.headers.get("Authorization", "").removeprefix("Bearer ") or None
    return platform.users.actor_for_token(token)


def _path(platform: Platform, actor: Actor, a: str, b: str, **kw: Any) -> dict[str, Any]:
    return platform.kinship.path(actor, uuid.UUID(a), uuid.UUID(b), **kw)


def _chain(result: dict[str, Any]) -> list[str]:
    return [s["relation"] for s in result["steps"]]


def test_paths_between_relatives(platform: Platform, owner: Api, kin: dict[str, str]) -> None:
    """Parents, siblings, cousins, in-laws, half-siblings, an adoption, no link, oneself."""
    # -- a parent is one step up
    result = _path(platform, _actor(platform, owner), kin["me"], kin["father"])
    assert result["found"] and _chain(result) == ["child"]
    assert [p["id"] for p in result["people"]] == [kin["me"], kin["father"]]
    assert result["generations"] == {"up": 1, "down": 0}
    back = _path(platform, _actor(platform, owner), kin["father"], kin["me"])
    assert _chain(back) == ["parent"] and back["generations"] == {"up": 0, "down": 1}
    # -- siblings share their parents
    result = _path(platform, _actor(platform, owner), kin["father"], kin["uncle"])
    assert _chain(result) == ["sibling"]
    assert result["steps"][0]["family_id"] == kin["grandparents"]
    assert {p["id"] for p in result["common_ancestors"]} == {kin["grandpa"], kin["grandma"]}
    assert result["generations"] == {"up": 1, "down": 1}
    # -- cousins meet at their grandparents
    result = _path(platform, _actor(platform, owner), kin["me"], kin["cousin"])
    assert _chain(result) == ["child", "sibling", "parent"]
    assert [p["id"] for p in result["people"]] == [
        kin["me"],
        kin["father"],
        kin["uncle"],
        kin["cousin"],
    ]
    assert [p["display_name"] for p in result["common_ancestors"]] == [
        "Grandpa Shumba",
        "Grandma Shumba",
    ]
    assert result["generations"] == {"up": 2, "down": 2}
    # -- in-laws are linked through a partner
    result = _path(platform, _actor(platform, owner), kin["husband"], kin["father"])
    assert _chain(result) == ["partner", "child"]
    assert result["generations"] is None  # not a blood line
    assert result["common_ancestors"] == []
    aunt = _path(platform, _actor(platform, owner), kin["aunt"], kin["father"])
    assert _chain(aunt) == ["partner", "sibling"]
    # -- half-siblings meet at their one parent
    other = _person(owner, kin["tree"], "Secondwife", "female", events=DEAD)
    half = _person(owner, kin["tree"], "Half", "male", events=DEAD)
    _family(owner, kin["tree"], kin["father"], other, [half])
    result = _path(platform, _actor(platform, owner), kin["me"], half)
    assert _chain(result) == ["child", "parent"]
    assert [p["id"] for p in result["common_ancestors"]] == [kin["father"]]
    assert result["generations"] == {"up": 1, "down": 1}
    # -- adoption is a link but not a blood line
    taken = _person(owner, kin["tree"], "Taken", "female", events=DEAD)
    _family(owner, kin["tree"], kin["uncle"], None, [taken], pedigree="adopted")
    result = _path(platform, _actor(platform, owner), taken, kin["uncle"])
    assert _chain(result) == ["child"] and result["steps"][0]["pedigree"] == "adopted"
    assert result["generations"] is None
    # -- no link at all
    result = _path(platform, _actor(platform, owner), kin["me"], kin["loner"])
    assert not result["found"] and result["reason"] == "none"
    assert result["people"] == [] and result["steps"] == []
    # -- the same person is no step away
    result = _path(platform, _actor(platform, owner), kin["me"], kin["me"])
    assert result["found"] and result["steps"] == [] and len(result["people"]) == 1


def test_people_of_other_trees_or_nobody_are_not_found(
    platform: Platform, owner: Api, stranger: Api, kin: dict[str, str]
) -> None:
    actor = _actor(platform, owner)
    elsewhere = owner.post("/trees", {"name": "Other", "visibility": "private"})["id"]
    outsider = _person(owner, elsewhere, "Outsider")
    with pytest.raises(NotFound):
        _path(platform, actor, kin["me"], outsider)
    with pytest.raises(NotFound):
        _path(platform, actor, kin["me"], str(uuid.uuid4()))
    with pytest.raises(NotFound):
        _path(platform, actor, str(uuid.uuid4()), kin["me"])
    # a stranger on a private tree
    owner.patch(f"/trees/{kin['tree']}", {"visibility": "private"})
    with pytest.raises(NotFound):
        _path(platform, _actor(platform, stranger), kin["me"], kin["father"])


def test_hidden_ends_are_refused_and_hidden_middles_anonymised(
    platform: Platform, owner: Api, anonymous: Api, kin: dict[str, str]
) -> None:
    guest = _actor(platform, anonymous)
    for a, b in ((kin["me"], kin["son"]), (kin["son"], kin["me"]), (kin["husband"], kin["me"])):
        with pytest.raises(NotFound) as refused:
            _path(platform, guest, a, b)
        assert "Zvikomborero" not in refused.value.detail
    # the same question with a living end the reader may see is answered
    member = _path(platform, _actor(platform, owner), kin["me"], kin["son"])
    assert _chain(member) == ["parent"]

    # Between two dead people through the living husband: he is the placeholder, nameless.
    tree = kin["tree"]
    his_father = _person(owner, tree, "Hisfather", "male", events=DEAD)
    _family(owner, tree, his_father, None, [kin["husband"]])
    guest = _actor(platform, anonymous)
    result = _path(platform, guest, his_father, kin["me"])
    assert _chain(result) == ["parent", "partner"]
    middle = result["people"][1]
    assert middle["id"] == kin["husband"]
    assert middle["display_name"] == "Private" and middle["private"]
    assert middle["sex"] == "unknown" and middle["birth"] is None
    assert "Zvikomborero" not in json.dumps(result)
    owner_view = _path(platform, _actor(platform, owner), his_father, kin["me"])
    assert owner_view["people"][1]["display_name"] == "Zvikomborero Shumba"


def test_the_search_is_bounded(platform: Platform, owner: Api, kin: dict[str, str]) -> None:
    tree = kin["tree"]
    line = [_person(owner, tree, f"Line{i}", "male", events=DEAD) for i in range(9)]
    for parent, child in itertools.pairwise(line):
        _family(owner, tree, parent, None, [child])
    actor = _actor(platform, owner)
    whole = _path(platform, actor, line[0], line[-1])
    assert whole["found"] and len(whole["steps"]) == 8
    assert whole["generations"] == {"up": 0, "down": 8}
    short = _path(platform, actor, line[0], line[-1], max_steps=7)
    assert not short["found"] and short["reason"] == "steps" and short["max_steps"] == 7
    assert _path(platform, actor, line[0], line[-1], max_steps=8)["found"]
    small = _path(platform, actor, line[0], line[-1], node_budget=4)
    assert not small["found"] and small["reason"] == "budget"
    with pytest.raises(ValidationFailed):
        _path(platform, actor, line[0], line[-1], max_steps=0)


def test_unions_give_partners_as_the_reader_may_see_them(
    platform: Platform, owner: Api, anonymous: Api, kin: dict[str, str]
) -> None:
    people = [kin["me"], kin["father"], kin["loner"]]
    seen = platform.kinship.unions(_actor(platform, owner), uuid.UUID(kin["me"]), people)
    assert seen[kin["me"]][0]["partner"]["display_name"] == "Zvikomborero Shumba"
    assert seen[kin["father"]][0]["partner"]["id"] == kin["mother"]
    assert kin["loner"] not in seen
    guest = platform.kinship.unions(_actor(platform, anonymous), uuid.UUID(kin["me"]), people)
    assert guest[kin["me"]][0]["partner"]["display_name"] == "Private"
    assert "Zvikomborero" not in json.dumps(guest)


def test_the_store_reads_the_families_of_a_batch(
    platform: Platform, owner: Api, kin: dict[str, str]
) -> None:
    """``family_members``: each family any of the people is a partner or a child in, one row a
    child; with ``children=False`` their families as a partner, once each."""
    tree = uuid.UUID(kin["tree"])
    father, cousin = uuid.UUID(kin["father"]), uuid.UUID(kin["cousin"])
    with platform.store.read() as tx:
        rows = tx.family_members(tree, [father, cousin])
        as_partner = tx.family_members(tree, [father, cousin], children=False)
        elsewhere = tx.family_members(uuid.uuid4(), [father])
        nobody = tx.family_members(tree, [])
    families = {r["family_id"] for r in rows}
    assert uuid.UUID(kin["grandparents"]) in families  # father as a child
    assert len(families) == 3  # his parents', his own, and the cousin's parents'
    grandparents = [r for r in rows if r["family_id"] == uuid.UUID(kin["grandparents"])]
    assert {r["child_id"] for r in grandparents} == {father, uuid.UUID(kin["uncle"])}
    assert all(r["pedigree"] == "birth" for r in grandparents)
    assert len(as_partner) == 1 and as_partner[0]["partner1_id"] == father
    assert as_partner[0]["child_id"] is None
    assert elsewhere == [] and nobody == []
