"""A tree's home person over HTTP: set, cleared, refused from another tree, part of the ETag,
and shown to each reader as the privacy rules let them see the person."""

from __future__ import annotations

from typing import Any

from dzinza.services.platform import Platform
from tests.conftest import Api, add_member


def _person(api: Api, tree: str, given: str, surname: str, **extra: Any) -> str:
    body = {"names": [{"given": given, "surname": surname}], **extra}
    return str(api.post(f"/trees/{tree}/people", body)["id"])


def _etag(api: Api, path: str) -> str:
    r = api.client.get(f"/api/v1{path}", headers=api.headers)
    assert r.status_code == 200, r.text
    return str(r.headers["etag"])


def test_setting_and_clearing_the_home_person(owner: Api, tree: dict[str, Any]) -> None:
    t = tree["id"]
    assert tree["home_person"] is None and tree["home_person_id"] is None
    dead = {"events": [{"type": "birth", "date": "1880"}, {"type": "death", "date": "1950"}]}
    rudo = _person(owner, t, "Rudo", "Moyo", **dead)
    chosen = owner.patch(f"/trees/{t}", {"home_person_id": rudo})
    assert chosen["home_person_id"] == rudo
    assert chosen["home_person"]["id"] == rudo
    assert chosen["home_person"]["display_name"] == "Rudo Moyo"
    assert chosen["home_person"]["private"] is False
    assert owner.get(f"/trees/{t}")["home_person"] == chosen["home_person"]
    listed = owner.get("/trees")["items"]
    assert [x["home_person"]["display_name"] for x in listed] == ["Rudo Moyo"]
    # Other settings leave it alone; null clears it.
    renamed = owner.patch(f"/trees/{t}", {"name": "Moyo family"})
    assert renamed["home_person"]["id"] == rudo
    cleared = owner.patch(f"/trees/{t}", {"home_person_id": None})
    assert cleared["home_person"] is None and cleared["home_person_id"] is None
    assert owner.get(f"/trees/{t}")["home_person"] is None


def test_a_person_of_another_tree_is_refused(
    owner: Api, stranger: Api, tree: dict[str, Any]
) -> None:
    t = tree["id"]
    mine = _person(owner, t, "Tendai", "Moyo")
    owner.patch(f"/trees/{t}", {"home_person_id": mine})
    other_tree = owner.post("/trees", {"name": "Other family"})["id"]
    elsewhere = _person(owner, other_tree, "Chipo", "Banda")
    theirs_tree = stranger.post("/trees", {"name": "Stranger kin"})["id"]
    theirs = _person(stranger, theirs_tree, "Farai", "Dube")
    for wrong in (elsewhere, theirs, "00000000-0000-4000-8000-000000000000"):
        problem = owner.patch(f"/trees/{t}", {"home_person_id": wrong}, expect=422)
        assert problem["errors"][0]["field"] == "home_person_id", problem
        assert "in this tree" in problem["detail"]
    problem = owner.patch(f"/trees/{t}", {"home_person_id": "not-an-id"}, expect=422)
    assert owner.get(f"/trees/{t}")["home_person_id"] == mine
    # Only managers choose it.
    stranger.patch(f"/trees/{t}", {"home_person_id": None}, expect=404)


def test_the_etag_changes_with_the_home_person(owner: Api, tree: dict[str, Any]) -> None:
    t = tree["id"]
    path = f"/trees/{t}"
    first = _person(owner, t, "Nyasha", "Zhou")
    second = _person(owner, t, "Kuda", "Zhou")
    before = _etag(owner, path)
    owner.patch(path, {"home_person_id": first}, headers={"If-Match": before})
    after = _etag(owner, path)
    assert after != before
    # The old ETag no longer fits: nothing is written.
    stale = owner.patch(path, {"home_person_id": second}, expect=412, headers={"If-Match": before})
    assert "changed since you read it" in stale["detail"]
    assert owner.get(path)["home_person_id"] == first
    # Renaming the home person changes the tree's representation, so its ETag too.
    owner.patch(f"/people/{first}", {"names": [{"given": "Nyasha Rudo", "surname": "Zhou"}]})
    renamed = _etag(owner, path)
    assert renamed != after
    assert owner.get(path)["home_person"]["display_name"] == "Nyasha Rudo Zhou"
    owner.patch(path, {"home_person_id": second}, headers={"If-Match": renamed})
    assert owner.get(path)["home_person_id"] == second
    # The tree deleted with the ETag of the view that has the home person.
    owner.delete(path, headers={"If-Match": _etag(owner, path)})
    owner.get(path, expect=404)


def test_a_guest_of_a_public_tree_never_sees_a_living_home_person(
    platform: Platform, owner: Api, anonymous: Api, stranger: Api
) -> None:
    t = owner.post("/trees", {"name": "Open family", "visibility": "public"})["id"]
    living = _person(
        owner, t, "Zebulon", "Secretname", events=[{"type": "birth", "date": "12 MAR 1990"}]
    )
    owner.patch(f"/trees/{t}", {"home_person_id": living})
    for guest in (anonymous, stranger):
        r = guest.client.get(f"/api/v1/trees/{t}", headers=guest.headers)
        assert r.status_code == 200
        assert "Zebulon" not in r.text and "Secretname" not in r.text and "1990" not in r.text
        home = r.json()["home_person"]
        assert home["display_name"] == "Private" and home["private"] is True
        assert home["birth"] is None and home["sex"] == "unknown"
        listed = guest.client.get("/api/v1/trees", headers=guest.headers)
        assert "Secretname" not in listed.text
        assert [x["home_person"]["display_name"] for x in listed.json()["items"]] == ["Private"]
    # A member sees the living, the owner too.
    viewer = Api(owner.client, add_member(platform, t, "viewer@example.org", "viewer"))
    assert viewer.get(f"/trees/{t}")["home_person"]["display_name"] == "Zebulon Secretname"
    assert owner.get(f"/trees/{t}")["home_person"]["display_name"] == "Zebulon Secretname"


def test_deleting_the_home_person_leaves_the_tree_without_one(
    owner: Api, tree: dict[str, Any]
) -> None:
    t = tree["id"]
    gone = _person(owner, t, "Tafara", "Ncube")
    owner.patch(f"/trees/{t}", {"home_person_id": gone})
    owner.delete(f"/people/{gone}")
    seen = owner.get(f"/trees/{t}")
    assert seen["home_person"] is None and seen["home_person_id"] is None
    # A tree whose home person is set deletes with everyone in it.
    kept = _person(owner, t, "Rufaro", "Ncube")
    owner.patch(f"/trees/{t}", {"home_person_id": kept})
    owner.delete(f"/trees/{t}")
    owner.get(f"/people/{kept}", expect=404)


def test_a_tree_with_a_home_person_is_handed_over_with_its_etag(
    owner: Api, tree: dict[str, Any], platform: Platform
) -> None:
    t = tree["id"]
    owner.patch(f"/trees/{t}", {"home_person_id": _person(owner, t, "Rudo", "Moyo")})
    heir = Api(owner.client, add_member(platform, t, "heir@example.org", "manager"))
    heir_id = heir.get("/auth/me")["id"]
    etag = _etag(owner, f"/trees/{t}")
    given = owner.post(
        f"/trees/{t}/transfer", {"user_id": heir_id}, headers={"If-Match": etag}, expect=200
    )
    assert given["home_person"]["display_name"] == "Rudo Moyo"
    assert heir.get(f"/trees/{t}")["my_role"] == "owner"
