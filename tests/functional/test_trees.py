"""Trees over HTTP: visibility, ownership, ETags and preconditions."""

from __future__ import annotations

from typing import Any

from tests.conftest import Api


def test_anonymous_lists_public_trees_only(owner: Api, anonymous: Api) -> None:
    public = owner.post("/trees", {"name": "Open family", "visibility": "public"})
    owner.post("/trees", {"name": "Closed family"})
    names = [t["name"] for t in anonymous.get("/trees")["items"]]
    assert names == [public["name"]]
    assert sorted(t["name"] for t in owner.get("/trees")["items"]) == [
        "Closed family",
        "Open family",
    ]


def test_private_tree_refused_without_token_and_to_strangers(
    tree: dict[str, Any], anonymous: Api, stranger: Api
) -> None:
    # A private tree does not exist for those who may not see it: the same 404 as a wrong id.
    for who in (anonymous, stranger):
        problem = who.get(f"/trees/{tree['id']}", expect=404)
        assert "no tree" in problem["detail"]
        who.get(f"/trees/{tree['id']}/people", expect=404)
        who.post(f"/trees/{tree['id']}/people", {"names": [{"given": "Intruder"}]}, expect=404)


def test_public_tree_is_read_only_for_others(owner: Api, anonymous: Api, stranger: Api) -> None:
    t = owner.post("/trees", {"name": "Open", "visibility": "public"})
    anonymous.get(f"/trees/{t['id']}/people")
    anonymous.post(f"/trees/{t['id']}/people", {"names": [{"given": "X"}]}, expect=401)
    stranger.patch(f"/trees/{t['id']}", {"name": "Mine now"}, expect=403)
    stranger.delete(f"/trees/{t['id']}", expect=403)


def test_creating_a_tree_needs_a_token(anonymous: Api) -> None:
    anonymous.post("/trees", {"name": "Nobody's"}, expect=401)


def test_bad_token_is_refused(client: Any) -> None:
    bad = Api(client, "not-a-real-token")
    assert "expired" in bad.get("/trees", expect=401)["detail"]
    r = client.get("/api/v1/trees", headers={"Authorization": "Basic abc"})
    assert r.status_code == 400


def test_etag_if_none_match_and_if_match(owner: Api, tree: dict[str, Any]) -> None:
    path = f"/api/v1/trees/{tree['id']}"
    r = owner.client.get(path, headers=owner.headers)
    etag = r.headers["etag"]
    again = owner.client.get(path, headers={**owner.headers, "If-None-Match": etag})
    assert again.status_code == 304
    owner.patch(f"/trees/{tree['id']}", {"description": "first"}, headers={"If-Match": etag})
    stale = owner.patch(
        f"/trees/{tree['id']}", {"description": "second"}, expect=412, headers={"If-Match": etag}
    )
    assert "changed since you read it" in stale["detail"]
    assert owner.get(f"/trees/{tree['id']}")["description"] == "first"


def test_update_and_delete_tree_removes_everything(owner: Api, tree: dict[str, Any]) -> None:
    t = tree["id"]
    owner.patch(f"/trees/{t}", {"name": "Renamed", "visibility": "public"})
    person = owner.post(f"/trees/{t}/people", {"names": [{"given": "Rudo"}]})
    owner.delete(f"/trees/{t}")
    owner.get(f"/trees/{t}", expect=404)
    owner.get(f"/people/{person['id']}", expect=404)


def test_tree_list_paginates(owner: Api) -> None:
    for i in range(5):
        owner.post("/trees", {"name": f"Tree {i}"})
    first = owner.get("/trees?limit=2")
    assert len(first["items"]) == 2 and first["next_cursor"]
    seen = [t["name"] for t in first["items"]]
    cursor = first["next_cursor"]
    while cursor:
        page = owner.get(f"/trees?limit=2&cursor={cursor}")
        seen += [t["name"] for t in page["items"]]
        cursor = page["next_cursor"]
    assert seen == [f"Tree {i}" for i in range(5)]


def test_renaming_a_tree_is_recorded_with_before_and_after(
    client: Any, platform: Any, owner: Api
) -> None:
    from tests.conftest import make_user

    t = owner.post("/trees", {"name": "Moyo", "description": "Old"})
    owner.patch(f"/trees/{t['id']}", {"name": "Moyo family", "description": "Old"})
    admin = Api(client, make_user(platform, "admin@example.org", admin=True))
    [entry] = admin.get(f"/admin/audit?action=tree.settings&tree_id={t['id']}")["items"]
    assert entry["detail"] == {"name": {"from": "Moyo", "to": "Moyo family"}}
