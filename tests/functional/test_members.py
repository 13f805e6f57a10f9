"""Members and roles over HTTP: who may list, change and remove members, leaving a tree, handing
it over, branch limits, and what each role may do with the tree's records."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from dzinza import bootstrap, cli
from dzinza.services.common import Actor
from dzinza.services.platform import Platform
from tests.conftest import Api, make_user


@dataclass(frozen=True)
class Account:
    api: Api
    id: str
    email: str


def account(
    client: TestClient, platform: Platform, email: str, *, verified: bool = False
) -> Account:
    """A new account signed in through the API; ``verified`` confirms its email address (what
    the emailed link does, done directly: the account tests cover the link itself)."""
    api = Api(client, make_user(platform, email))
    me = api.get("/auth/me")
    if verified:
        with platform.store.write() as tx:
            tx.update_user(uuid.UUID(me["id"]), {"email_verified_at": datetime.now(UTC)})
    return Account(api, me["id"], email)


def join(owner: Api, tree_id: str, who: Account, role: str, **extra: Any) -> dict[str, Any]:
    """``who`` joins the tree with ``role`` through a link invitation of ``owner``."""
    made = owner.post(f"/trees/{tree_id}/invitations", {"role": role, **extra})
    joined: dict[str, Any] = who.api.post(
        "/invitations/accept", {"token": made["token"]}, expect=200
    )
    return joined


@dataclass(frozen=True)
class Crew:
    tree: str
    owner: Account
    viewer: Account
    contributor: Account
    editor: Account
    manager: Account


@pytest.fixture
def crew(client: TestClient, platform: Platform, owner: Api, tree: dict[str, Any]) -> Crew:
    """A private tree with a member of each role."""
    me = owner.get("/auth/me")
    members = {
        role: account(client, platform, f"{role}@example.org")
        for role in ("viewer", "contributor", "editor", "manager")
    }
    for role, who in members.items():
        join(owner, tree["id"], who, role)
    return Crew(tree["id"], Account(owner, me["id"], me["email"]), **members)


def etag(api: Api, path: str) -> str:
    r = api.client.get(f"/api/v1{path}", headers=api.headers)
    assert r.status_code == 200, r.text
    return str(r.headers["etag"])


# -- listing ----------------------------------------------------------------------------------
def test_members_see_the_owner_and_each_other(crew: Crew) -> None:
    for who in (crew.viewer, crew.manager, crew.owner):
        items = who.api.get(f"/trees/{crew.tree}/members")["items"]
        assert [(m["email"], m["role"]) for m in items] == [
            ("owner@example.org", "owner"),
            ("contributor@example.org", "contributor"),
            ("editor@example.org", "editor"),
            ("manager@example.org", "manager"),
            ("viewer@example.org", "viewer"),
        ]
    one = crew.viewer.api.get(f"/trees/{crew.tree}/members/{crew.editor.id}")
    assert one["role"] == "editor" and one["version"] == 1 and one["joined_at"]
    assert crew.viewer.api.get(f"/trees/{crew.tree}/members/{crew.owner.id}")["role"] == "owner"
    crew.viewer.api.get(f"/trees/{crew.tree}/members/{crew.tree}", expect=404)
    # Pages: the owner only on the first one.
    first = crew.editor.api.get(f"/trees/{crew.tree}/members?limit=2&sort=-joined")
    assert first["items"][0]["role"] == "owner" and len(first["items"]) == 3
    rest = crew.editor.api.walk(
        f"/trees/{crew.tree}/members?limit=2&sort=-joined&cursor={first['next_cursor']}"
    )
    assert [m["role"] for m in first["items"][1:] + rest] == [
        "manager",
        "editor",
        "contributor",
        "viewer",
    ]


def test_guests_and_strangers_do_not_see_members(crew: Crew, stranger: Api, anonymous: Api) -> None:
    # A private tree does not exist for a stranger.
    stranger.get(f"/trees/{crew.tree}/members", expect=404)
    crew.owner.api.patch(f"/trees/{crew.tree}", {"visibility": "public"})
    assert "members" in stranger.get(f"/trees/{crew.tree}/members", expect=403)["detail"]
    anonymous.get(f"/trees/{crew.tree}/members", expect=401)
    stranger.get(f"/trees/{crew.tree}/members/{crew.owner.id}", expect=403)


def test_tree_views_carry_the_callers_role(crew: Crew, stranger: Api, anonymous: Api) -> None:
    for who, role in (
        (crew.owner, "owner"),
        (crew.manager, "manager"),
        (crew.viewer, "viewer"),
    ):
        assert who.api.get(f"/trees/{crew.tree}")["my_role"] == role
        listed = who.api.get("/trees")["items"]
        assert [t["my_role"] for t in listed if t["id"] == crew.tree] == [role]
    crew.owner.api.patch(f"/trees/{crew.tree}", {"visibility": "members"})
    # Members-only: any signed-in account reads it as a guest; anonymous visitors do not.
    assert stranger.get(f"/trees/{crew.tree}")["my_role"] is None
    assert crew.tree in [t["id"] for t in stranger.get("/trees")["items"]]
    anonymous.get(f"/trees/{crew.tree}", expect=404)
    assert crew.tree not in [t["id"] for t in anonymous.get("/trees")["items"]]


# -- the tree's settings ----------------------------------------------------------------------
def test_managers_change_the_tree_only_the_owner_deletes_it(crew: Crew) -> None:
    path = f"/trees/{crew.tree}"
    for who in (crew.viewer, crew.contributor, crew.editor):
        problem = who.api.patch(path, {"name": "Mine"}, expect=403)
        assert "manage" in problem["detail"]
        who.api.delete(path, expect=403)
    tag = etag(crew.manager.api, path)
    changed = crew.manager.api.patch(
        path, {"name": "Renamed", "visibility": "members"}, headers={"If-Match": tag}
    )
    assert changed["name"] == "Renamed" and changed["my_role"] == "manager"
    crew.manager.api.patch(path, {"name": "Again"}, headers={"If-Match": tag}, expect=412)
    assert "own" in crew.manager.api.delete(path, expect=403)["detail"]
    crew.owner.api.patch(path, {"visibility": "nobody"}, expect=422)
    crew.owner.api.delete(path, headers={"If-Match": etag(crew.owner.api, path)})
    crew.manager.api.get(path, expect=404)


# -- changing members -------------------------------------------------------------------------
def test_who_may_change_members(crew: Crew) -> None:
    members = f"/trees/{crew.tree}/members"
    for who, other in (
        (crew.viewer, crew.contributor),
        (crew.contributor, crew.viewer),
        (crew.editor, crew.viewer),
    ):
        who.api.patch(f"{members}/{other.id}", {"role": "editor"}, expect=403)
        who.api.patch(f"{members}/{who.id}", {"role": "manager"}, expect=403)
        who.api.delete(f"{members}/{other.id}", expect=403)
    # A manager changes viewers, contributors and editors, but makes no managers ...
    m = crew.manager.api
    assert m.patch(f"{members}/{crew.viewer.id}", {"role": "contributor"})["role"] == "contributor"
    problem = m.patch(f"{members}/{crew.editor.id}", {"role": "manager"}, expect=403)
    assert "Only the owner" in problem["detail"]
    # ... and cannot change or remove another manager, nor the owner.
    crew.owner.api.patch(f"{members}/{crew.editor.id}", {"role": "manager"})
    m.patch(f"{members}/{crew.editor.id}", {"role": "viewer"}, expect=403)
    m.delete(f"{members}/{crew.editor.id}", expect=403)
    assert (
        "transfer"
        in m.patch(f"{members}/{crew.owner.id}", {"role": "viewer"}, expect=403)["detail"]
    )
    m.delete(f"{members}/{crew.owner.id}", expect=403)
    crew.owner.api.patch(f"{members}/{crew.owner.id}", {"role": "manager"}, expect=403)
    # The owner changes managers; a manager may step down themselves.
    assert crew.owner.api.patch(f"{members}/{crew.editor.id}", {"role": "editor"})["role"] == (
        "editor"
    )
    assert m.patch(f"{members}/{crew.manager.id}", {"role": "editor"})["role"] == "editor"
    m.patch(f"{members}/{crew.viewer.id}", {"role": "viewer"}, expect=403)
    # The owner role is handed over, never given.
    problem = crew.owner.api.patch(f"{members}/{crew.viewer.id}", {"role": "owner"}, expect=422)
    assert "transfer" in problem["detail"]


def test_a_manager_removes_members_and_the_removed_lose_access(crew: Crew) -> None:
    members = f"/trees/{crew.tree}/members"
    crew.manager.api.delete(f"{members}/{crew.editor.id}")
    crew.editor.api.get(f"/trees/{crew.tree}", expect=404)
    crew.manager.api.delete(f"{members}/{crew.editor.id}", expect=404)
    roles = [m["role"] for m in crew.owner.api.get(members)["items"]]
    assert roles == ["owner", "contributor", "manager", "viewer"]


def test_member_writes_honour_if_match(crew: Crew) -> None:
    path = f"/trees/{crew.tree}/members/{crew.viewer.id}"
    tag = etag(crew.owner.api, path)
    changed = crew.owner.api.patch(path, {"role": "contributor"}, headers={"If-Match": tag})
    assert changed["version"] == 2
    crew.owner.api.patch(path, {"role": "editor"}, headers={"If-Match": tag}, expect=412)
    crew.owner.api.delete(path, headers={"If-Match": tag}, expect=412)
    crew.owner.api.delete(path, headers={"If-Match": etag(crew.owner.api, path)})


def test_bad_member_input_is_a_4xx(crew: Crew) -> None:
    path = f"/trees/{crew.tree}/members/{crew.viewer.id}"
    o = crew.owner.api
    o.patch(path, {"role": "king"}, expect=422)
    o.patch(path, {"branch_steps": 11}, expect=422)
    o.patch(path, {"branch_steps": 0}, expect=422)
    o.patch(path, {"colour": "red"}, expect=422)
    o.patch(path, {"person_id": "not-a-uuid"}, expect=422)
    o.patch(f"/trees/{crew.tree}/members/not-a-uuid", {"role": "viewer"}, expect=422)
    o.patch(f"/trees/{crew.tree}/members/{crew.tree}", {"role": "viewer"}, expect=404)
    o.delete(f"/trees/{crew.tree}/members/{crew.tree}", expect=404)
    o.post(f"/trees/{crew.tree}/transfer", {}, expect=422)


# -- branch limits ----------------------------------------------------------------------------
def test_branch_limits_need_a_person_of_this_tree(crew: Crew, owner: Api) -> None:
    o = crew.owner.api
    path = f"/trees/{crew.tree}/members/{crew.viewer.id}"
    me = o.post(f"/trees/{crew.tree}/people", {"names": [{"given": "Tariro"}]})
    elsewhere = owner.post("/trees", {"name": "Another"})
    theirs = o.post(f"/trees/{elsewhere['id']}/people", {"names": [{"given": "Other"}]})
    problem = o.patch(path, {"branch_steps": 2}, expect=422)
    assert "person_id" in problem["detail"]
    o.patch(path, {"person_id": theirs["id"], "branch_steps": 2}, expect=404)
    o.patch(path, {"person_id": crew.tree, "branch_steps": 2}, expect=404)
    limited = o.patch(path, {"person_id": me["id"], "branch_steps": 2})
    assert limited["person_id"] == me["id"] and limited["branch_steps"] == 2
    # Editors see the whole tree: a limit would mean nothing, so it is refused, not ignored.
    assert "branch_steps" in o.patch(path, {"role": "editor"}, expect=422)["detail"]
    promoted = o.patch(path, {"role": "editor", "branch_steps": None})
    assert promoted["branch_steps"] is None and promoted["person_id"] == me["id"]


def branch_family(crew: Crew) -> dict[str, str]:
    """Living people around the viewer's own person (Rudo): the grandmother is two family links
    away, the aunt three, the cousin four; the viewer is limited to two."""
    o, t = crew.owner.api, crew.tree

    def living(name: str) -> str:
        made = o.post(f"/trees/{t}/people", {"living": True, "names": [{"given": name}]})
        return str(made["id"])

    people = {n: living(n) for n in ("Gogo", "Amai", "Rudo", "Tete", "Far")}
    o.post(
        f"/trees/{t}/families",
        {
            "partner1_id": people["Gogo"],
            "children": [{"child_id": people["Amai"]}, {"child_id": people["Tete"]}],
        },
    )
    o.post(
        f"/trees/{t}/families",
        {"partner1_id": people["Amai"], "children": [{"child_id": people["Rudo"]}]},
    )
    o.post(
        f"/trees/{t}/families",
        {"partner1_id": people["Tete"], "children": [{"child_id": people["Far"]}]},
    )
    path = f"/trees/{t}/members/{crew.viewer.id}"
    o.patch(path, {"person_id": people["Rudo"], "branch_steps": 2})
    return people


def test_a_branch_limited_viewer_sees_the_living_only_near_their_person(crew: Crew) -> None:
    branch_family(crew)
    listed = crew.viewer.api.walk(f"/trees/{crew.tree}/people?sort=name")
    # Beyond two links, the living aunt and cousin are hidden, as from a guest.
    assert sorted(p["display_name"] for p in listed) == ["Amai", "Gogo", "Rudo"]
    # Without the limit the same viewer sees everyone, the living included.
    crew.owner.api.patch(f"/trees/{crew.tree}/members/{crew.viewer.id}", {"branch_steps": None})
    listed = crew.viewer.api.walk(f"/trees/{crew.tree}/people?sort=name")
    assert sorted(p["display_name"] for p in listed) == ["Amai", "Far", "Gogo", "Rudo", "Tete"]


def test_a_branch_limited_viewer_reads_person_pages(crew: Crew) -> None:
    people = branch_family(crew)
    v = crew.viewer.api
    assert v.get(f"/people/{people['Gogo']}")["display_name"] == "Gogo"
    far = v.get(f"/people/{people['Far']}")
    assert far["private"] is True and far["names"] == []


# -- leaving and handing over -----------------------------------------------------------------
def test_members_leave_the_owner_cannot(crew: Crew, stranger: Api) -> None:
    members = f"/trees/{crew.tree}/members"
    crew.viewer.api.delete(f"{members}/{crew.viewer.id}")
    crew.viewer.api.get(f"/trees/{crew.tree}", expect=404)
    crew.manager.api.delete(f"{members}/{crew.manager.id}")
    problem = crew.owner.api.delete(f"{members}/{crew.owner.id}", expect=409)
    assert "transfer" in problem["detail"]
    crew.owner.api.patch(f"/trees/{crew.tree}", {"visibility": "public"})
    me = stranger.get("/auth/me")["id"]
    assert "not a member" in stranger.delete(f"{members}/{me}", expect=404)["detail"]


def test_the_owner_hands_the_tree_over_and_stays_a_manager(crew: Crew, stranger: Api) -> None:
    path = f"/trees/{crew.tree}"
    for who in (crew.manager, crew.editor):
        who.api.post(f"{path}/transfer", {"user_id": who.id}, expect=403)
    o = crew.owner.api
    problem = o.post(f"{path}/transfer", {"user_id": stranger.get("/auth/me")["id"]}, expect=422)
    assert "not a member" in problem["detail"]
    o.post(f"{path}/transfer", {"user_id": crew.owner.id}, expect=409)
    stale = etag(o, path)
    o.patch(path, {"description": "changed"})
    o.post(f"{path}/transfer", {"user_id": crew.editor.id}, headers={"If-Match": stale}, expect=412)
    done = o.post(
        f"{path}/transfer",
        {"user_id": crew.editor.id},
        headers={"If-Match": etag(o, path)},
        expect=200,
    )
    assert done["owner_id"] == crew.editor.id and done["my_role"] == "manager"
    assert crew.editor.api.get(path)["my_role"] == "owner"
    roles = {m["email"]: m["role"] for m in o.get(f"{path}/members")["items"]}
    assert roles["editor@example.org"] == "owner" and roles["owner@example.org"] == "manager"
    o.delete(path, expect=403)
    # The former owner may now leave; the new one can delete the tree.
    o.delete(f"{path}/members/{crew.owner.id}")
    crew.editor.api.delete(path)


# -- what each role may do with records -------------------------------------------------------
def test_contributors_change_what_they_added_editors_anything(crew: Crew) -> None:
    t = crew.tree
    by_owner = crew.owner.api.post(f"/trees/{t}/people", {"names": [{"given": "Sekuru"}]})
    crew.viewer.api.post(f"/trees/{t}/people", {"names": [{"given": "No"}]}, expect=403)
    mine = crew.contributor.api.post(f"/trees/{t}/people", {"names": [{"given": "Chipo"}]})
    renamed = crew.contributor.api.patch(f"/people/{mine['id']}", {"names": [{"given": "Chiedza"}]})
    assert renamed["display_name"] == "Chiedza"
    crew.contributor.api.patch(
        f"/people/{by_owner['id']}", {"names": [{"given": "Changed"}]}, expect=403
    )
    crew.contributor.api.delete(f"/people/{by_owner['id']}", expect=403)
    crew.editor.api.patch(f"/people/{by_owner['id']}", {"names": [{"given": "Sekuru Tendai"}]})
    crew.editor.api.patch(f"/people/{mine['id']}", {"sex": "female"})
    crew.editor.api.delete(f"/people/{mine['id']}")


def test_a_viewer_of_a_private_tree_reads_the_living(crew: Crew, stranger: Api) -> None:
    alive = crew.owner.api.post(
        f"/trees/{crew.tree}/people", {"living": True, "names": [{"given": "Nyasha"}]}
    )
    seen = crew.viewer.api.get(f"/people/{alive['id']}")
    assert seen["display_name"] == "Nyasha" and seen["names"][0]["given"] == "Nyasha"
    listed = crew.viewer.api.get(f"/trees/{crew.tree}/people")["items"]
    assert [p["display_name"] for p in listed] == ["Nyasha"]
    crew.viewer.api.patch(f"/people/{alive['id']}", {"sex": "female"}, expect=403)
    stranger.get(f"/people/{alive['id']}", expect=404)


# -- the audit log ----------------------------------------------------------------------------
def audit_trail(platform: Platform, tree_id: str) -> list[tuple[str, str | None, Any]]:
    """(action, target id, detail) of the tree's audit entries, oldest first."""
    with platform.store.read() as tx:
        rows = tx.audit_entries(after_seq=0, limit=500, tree_id=uuid.UUID(tree_id))
    return [
        (r["action"], str(r["target_id"]) if r["target_id"] else None, r["detail"]) for r in rows
    ]


def test_member_changes_go_to_the_audit_log(crew: Crew, platform: Platform) -> None:
    members = f"/trees/{crew.tree}/members"
    joined = audit_trail(platform, crew.tree)
    assert [a for a, _, _ in joined].count("invitation.create") == 4
    assert [a for a, _, _ in joined].count("invitation.accept") == 4
    person = crew.owner.api.post(f"/trees/{crew.tree}/people", {"names": [{"given": "Rudo"}]})
    crew.manager.api.patch(f"{members}/{crew.viewer.id}", {"role": "contributor"})
    crew.manager.api.patch(
        f"{members}/{crew.viewer.id}", {"person_id": person["id"], "branch_steps": 1}
    )
    crew.manager.api.patch(f"{members}/{crew.viewer.id}", {"branch_steps": 1})  # no change
    crew.manager.api.delete(f"{members}/{crew.editor.id}")
    crew.contributor.api.delete(f"{members}/{crew.contributor.id}")
    crew.owner.api.post(f"/trees/{crew.tree}/transfer", {"user_id": crew.manager.id}, expect=200)
    trail = audit_trail(platform, crew.tree)[len(joined) :]
    assert trail == [
        ("member.role", crew.viewer.id, {"role": ["viewer", "contributor"]}),
        (
            "member.branch",
            crew.viewer.id,
            {"person_id": [None, person["id"]], "branch_steps": [None, 1]},
        ),
        ("member.remove", crew.editor.id, {"role": "editor"}),
        ("member.leave", crew.contributor.id, {"role": "contributor"}),
        ("tree.transfer", crew.manager.id, {"from": crew.owner.id, "to": crew.manager.id}),
    ]


# -- the command line -------------------------------------------------------------------------
def test_the_command_line_lists_and_adds_members(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DZINZA_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("DZINZA_DATABASE_URL", raising=False)
    runner = CliRunner()
    assert runner.invoke(cli.app, ["db", "upgrade"]).exit_code == 0
    platform = bootstrap.build()
    try:
        made = platform.users.create("gogo@example.org", "correct horse battery")
        platform.users.create("rudo@example.org", "correct horse battery")
        gogo = Actor(user_id=uuid.UUID(made["id"]), email=made["email"])
        tree = str(platform.trees.create(gogo, {"name": "Moyo family"})["id"])
    finally:
        platform.close()
    r = runner.invoke(cli.app, ["tree", "add-member", tree, "Rudo@example.org", "editor"])
    assert r.exit_code == 0 and "as editor" in r.output, r.output
    r = runner.invoke(cli.app, ["tree", "members", tree])
    assert r.exit_code == 0, r.output
    assert [line.split() for line in r.output.splitlines()] == [
        ["owner", "gogo@example.org"],
        ["editor", "rudo@example.org"],
    ]
    for args, message in (
        ([tree, "rudo@example.org", "viewer"], "already a member"),
        ([tree, "gogo@example.org", "viewer"], "already the owner"),
        ([tree, "nobody@example.org", "viewer"], "no account"),
        ([tree, "rudo@example.org", "owner"], "transfer"),
        ([str(uuid.uuid4()), "rudo@example.org", "viewer"], "no tree"),
    ):
        r = runner.invoke(cli.app, ["tree", "add-member", *args])
        assert r.exit_code == 1 and message in r.output, r.output
    assert runner.invoke(cli.app, ["tree", "members", "not-a-uuid"]).exit_code == 2
