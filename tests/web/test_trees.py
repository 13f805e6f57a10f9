"""The tree pages: the landing page and the dashboard, creating a tree, a tree's home and its
people, its settings and deletion, its members and invitations."""

from __future__ import annotations

import contextlib
import re
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from dzinza.services.platform import Platform
from dzinza.web import tree_pages
from tests.conftest import Api, add_member, make_user
from tests.web.conftest import LANGUAGES, csrf_of, in_language, post_form, sign_in_web


def _person(
    api: Api, tree: str, given: str, surname: str, *events: tuple[str, str], **extra: Any
) -> str:
    body = {
        "names": [{"given": given, "surname": surname}],
        "events": [{"type": kind, "date": date} for kind, date in events],
        **extra,
    }
    return str(api.post(f"/trees/{tree}/people", body)["id"])


@pytest.fixture
def public_tree(owner: Api) -> dict[str, str]:
    """A public tree: two dead ancestors and a living grandson."""
    tree = owner.post(
        "/trees",
        {"name": "Publicus family", "description": "From Masvingo", "visibility": "public"},
    )["id"]
    return {
        "tree": tree,
        "old": _person(owner, tree, "Oldfather", "Publicus", ("birth", "1850"), ("death", "1920")),
        "gran": _person(owner, tree, "Oldmother", "Publicus", ("birth", "1855"), ("death", "1930")),
        "zeb": _person(owner, tree, "Zebulon", "Secretname", ("birth", "12 MAR 1990")),
    }


@pytest.fixture
def private_tree(owner: Api) -> dict[str, Any]:
    return dict(owner.post("/trees", {"name": "Hidden family", "visibility": "private"}))


def web_client(client: TestClient, email: str | None = None) -> TestClient:
    """Another visitor of the same app as ``client`` (its own cookies): building a second app
    costs a second or more in every test, a second cookie jar nothing."""
    web = TestClient(client.app, raise_server_exceptions=False)
    if email:
        sign_in_web(web, email)
    return web


@pytest.fixture
def web(client: TestClient, owner: Api) -> Iterator[TestClient]:
    """The owner signed in to the pages (``web``, without a second app)."""
    with contextlib.closing(web_client(client, "owner@example.org")) as signed_in:
        yield signed_in


@pytest.fixture
def guest(client: TestClient) -> Iterator[TestClient]:
    """A visitor who is not signed in."""
    with contextlib.closing(web_client(client)) as anonymous:
        yield anonymous


def clean(page: httpx.Response) -> None:
    assert "<script>" not in page.text and " style=" not in page.text
    assert " onclick=" not in page.text and "<style" not in page.text


def test_the_landing_page_welcomes_visitors_to_the_public_trees(
    guest: TestClient, public_tree: dict[str, str], private_tree: dict[str, Any]
) -> None:
    page = guest.get("/")
    assert page.status_code == 200
    clean(page)
    assert "Publicus family" in page.text and "From Masvingo" in page.text
    assert "Hidden family" not in page.text
    assert "2 people" in page.text  # the guest's count: the living grandson is not counted
    assert 'href="/signup"' in page.text and 'href="/signin?next=%2F"' in page.text
    assert "Shona" in page.text and "Create a tree" not in page.text
    tree = public_tree["tree"]
    home = guest.get(f"/trees/{tree}")
    assert home.status_code == 200
    clean(home)
    assert "Publicus family" in home.text
    assert f'href="/trees/{tree}/people"' in home.text
    for hidden in ("settings", "members", "import", "duplicates", "people/new"):
        assert f'href="/trees/{tree}/{hidden}"' not in home.text, hidden
    assert "Secretname" not in home.text and "Recent changes" not in home.text
    people = guest.get(f"/trees/{tree}/people")
    assert people.status_code == 200
    assert "Oldfather Publicus" in people.text and "1920" in people.text
    assert "Zebulon" not in people.text and "1990" not in people.text
    assert guest.get(f"/trees/{tree}/members").status_code == 401
    assert guest.get(f"/trees/{tree}/settings").status_code == 401


def test_the_dashboard_lists_my_trees_and_their_recent_changes(
    platform: Platform,
    web: TestClient,
    owner: Api,
    private_tree: dict[str, Any],
    stranger: Api,
) -> None:
    rudo = _person(owner, private_tree["id"], "Rudo", "Moyo", ("birth", "1931"))
    theirs = stranger.post("/trees", {"name": "Stranger kin", "visibility": "public"})["id"]
    page = web.get("/")
    assert page.status_code == 200
    clean(page)
    assert "My trees" in page.text and 'href="/trees/new"' in page.text
    mine, _, others = page.text.partition("Other trees you can see")
    assert f'href="/trees/{private_tree["id"]}"' in mine and "Owner" in mine
    assert "1 person" in mine
    assert f'href="/trees/{theirs}"' in others
    # The latest changes, who made them and what they touched, linked.
    assert "Added a person" in page.text and f'href="/people/{rudo}">Rudo Moyo</a>' in page.text
    assert "owner@example.org" in page.text
    assert "Recent changes in my trees" in page.text


def test_creating_a_tree(web: TestClient, owner: Api, guest: TestClient) -> None:
    form = web.get("/trees/new")
    assert form.status_code == 200 and 'name="visibility" value="members"' in form.text
    clean(form)
    assert (
        guest.get("/trees/new", follow_redirects=False)
        .headers["location"]
        .startswith("/signin?next=")
    )
    fields = {"name": "Ncube family", "description": "Bulawayo", "visibility": "members"}
    made = post_form(web, "/trees/new", "/trees/new", fields)
    assert made.status_code == 303
    tree_id = made.headers["location"].removeprefix("/trees/")
    tree = owner.get(f"/trees/{tree_id}")
    assert (tree["name"], tree["description"], tree["visibility"]) == (
        "Ncube family",
        "Bulawayo",
        "members",
    )
    assert tree["my_role"] == "owner"
    home = web.get(made.headers["location"])
    assert home.status_code == 200 and "Ncube family" in home.text
    fields = {"name": "  ", "description": "Kept words", "visibility": "everyone"}
    page = post_form(web, "/trees/new", "/trees/new", fields)
    assert page.status_code == 422
    assert "Give the tree a name." in page.text and "Choose who may see the tree." in page.text
    assert "Kept words" in page.text and 'aria-invalid="true"' in page.text
    assert 'aria-describedby="name-error"' in page.text
    forged = web.post("/trees/new", data={"csrf": "x" * 64, "name": "Sneaky"})
    assert forged.status_code == 403
    assert [t["name"] for t in owner.get("/trees")["items"]] == ["Ncube family"]


def test_the_tree_home_for_its_owner(
    platform: Platform, web: TestClient, owner: Api, public_tree: dict[str, str]
) -> None:
    tree = public_tree["tree"]
    page = web.get(f"/trees/{tree}")
    assert page.status_code == 200
    clean(page)
    assert "Publicus family" in page.text and "Public" in page.text
    for link in ("people", "search", "duplicates", "import", "export", "media", "settings"):
        assert f'href="/trees/{tree}/{link}"' in page.text, link
    assert f'href="/trees/{tree}/members"' in page.text
    assert f'href="/trees/{tree}/people/new"' in page.text
    assert re.search(r'class="stat">3</span>\s*people', page.text)
    assert f'href="/trees/{tree}/people?name=Publicus">Publicus</a>' in page.text
    assert "Births recorded from 1850 to 1990." in page.text
    assert "Recent changes" in page.text and "Zebulon Secretname" in page.text
    assert 'class="breadcrumbs"' in page.text


def test_a_stranger_finds_no_private_tree(
    client: TestClient, guest: TestClient, stranger: Api, private_tree: dict[str, Any]
) -> None:
    tree = private_tree["id"]
    with contextlib.closing(web_client(client, "stranger@example.org")) as stranger_web:
        for visitor in (stranger_web, guest):
            for path in ("", "/people", "/settings", "/members", "/delete"):
                page = visitor.get(f"/trees/{tree}{path}")
                assert page.status_code == 404, path
                assert "Hidden family" not in page.text
        fields = {"name": "Taken", "visibility": "public", "description": ""}
        refused = post_form(stranger_web, "/", f"/trees/{tree}/settings", fields)
        assert refused.status_code == 404
        assert "Hidden family" not in stranger_web.get("/").text


def test_the_people_list_pages_and_filters(
    monkeypatch: pytest.MonkeyPatch, web: TestClient, owner: Api, private_tree: dict[str, Any]
) -> None:
    monkeypatch.setattr(tree_pages, "PEOPLE_PAGE", 2)
    tree = private_tree["id"]
    _person(owner, tree, "Chipo", "Banda", ("birth", "1960"), living=True)
    _person(owner, tree, "Tendai", "Moyo", ("birth", "1900"), ("death", "1970"))
    _person(owner, tree, "Rudo", "Zulu", ("birth", "1930"))
    first = web.get(f"/trees/{tree}/people")
    assert first.status_code == 200
    clean(first)
    assert "Chipo Banda" in first.text and "Tendai Moyo" in first.text
    assert "Rudo Zulu" not in first.text and "living" in first.text
    following = re.search(r'href="([^"]+)" rel="next"', first.text)
    assert following
    second = web.get(following.group(1).replace("&amp;", "&"))
    assert "Rudo Zulu" in second.text and "Chipo Banda" not in second.text
    assert 'rel="next"' not in second.text and "First page" in second.text
    by_birth = web.get(f"/trees/{tree}/people?sort=birth")
    assert by_birth.text.index("Tendai Moyo") < by_birth.text.index("Rudo Zulu")
    nxt = re.search(r'href="([^"]+)" rel="next"', by_birth.text)
    assert nxt and "sort=birth" in nxt.group(1)
    found = web.get(f"/trees/{tree}/people?name=moy")
    assert "Tendai Moyo" in found.text and "Chipo" not in found.text
    assert 'value="moy"' in found.text
    none = web.get(f"/trees/{tree}/people?name=nobody")
    assert "Nobody in this tree matches that name." in none.text
    assert web.get(f"/trees/{tree}/people?cursor=garbage").status_code == 400


def test_editing_the_settings(web: TestClient, owner: Api, private_tree: dict[str, Any]) -> None:
    tree = private_tree["id"]
    page = web.get(f"/trees/{tree}/settings")
    assert page.status_code == 200
    clean(page)
    assert 'value="Hidden family"' in page.text and f'href="/trees/{tree}/delete"' in page.text
    fields = {"name": "Open family", "description": "Now public", "visibility": "public"}
    done = post_form(web, f"/trees/{tree}/settings", f"/trees/{tree}/settings", fields)
    assert done.status_code == 303
    assert done.headers["location"] == f"/trees/{tree}/settings?saved=1"
    assert "The settings were saved." in web.get(done.headers["location"]).text
    seen = owner.get(f"/trees/{tree}")
    assert (seen["name"], seen["description"], seen["visibility"]) == (
        "Open family",
        "Now public",
        "public",
    )
    bad = post_form(
        web, f"/trees/{tree}/settings", f"/trees/{tree}/settings", {**fields, "name": ""}
    )
    assert bad.status_code == 422 and "Now public" in bad.text
    forged = web.post(f"/trees/{tree}/settings", data={**fields, "csrf": "y" * 64})
    assert forged.status_code == 403

    # Saved by someone else in between: both versions are shown, nothing typed is lost.
    page = web.get(f"/trees/{tree}/settings")
    version = re.search(r'name="version" value="([^"]+)"', page.text)
    assert version
    owner.patch(f"/trees/{tree}", {"name": "Renamed by a cousin"})
    mine = {
        "csrf": csrf_of(page),
        "version": version.group(1).replace("&#34;", '"'),
        "name": "My new name",
        "description": "",
        "visibility": "private",
    }
    clash = web.post(f"/trees/{tree}/settings", data=mine, follow_redirects=False)
    assert clash.status_code == 412
    assert 'value="My new name"' in clash.text and "Saved now: Renamed by a cousin" in clash.text
    assert owner.get(f"/trees/{tree}")["name"] == "Renamed by a cousin"
    fresh = re.search(r'name="version" value="([^"]+)"', clash.text)
    assert fresh
    again = {**mine, "version": fresh.group(1).replace("&#34;", '"')}
    saved = web.post(f"/trees/{tree}/settings", data=again, follow_redirects=False)
    assert saved.status_code == 303 and owner.get(f"/trees/{tree}")["name"] == "My new name"

    # Deleting asks first.
    confirm = web.get(f"/trees/{tree}/delete")
    assert confirm.status_code == 200 and "data-confirm=" in confirm.text
    clean(confirm)
    version = re.search(r'name="version" value="([^"]+)"', confirm.text)
    assert version
    form = {"csrf": csrf_of(confirm), "version": version.group(1).replace("&#34;", '"')}
    done = web.post(f"/trees/{tree}/delete", data=form, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/"
    owner.get(f"/trees/{tree}", expect=404)


def test_inviting_changing_roles_removing_and_withdrawing(
    platform: Platform, web: TestClient, owner: Api, private_tree: dict[str, Any]
) -> None:
    tree = private_tree["id"]
    cousin = add_member(platform, tree, "cousin@example.org", "viewer")
    cousin_id = Api(owner.client, cousin).get("/auth/me")["id"]
    page = web.get(f"/trees/{tree}/members")
    assert page.status_code == 200
    clean(page)
    assert "cousin@example.org" in page.text and "owner@example.org" in page.text

    invited = post_form(
        web,
        f"/trees/{tree}/members",
        f"/trees/{tree}/invitations",
        {"email": "aunt@example.org", "role": "contributor"},
    )
    assert invited.status_code == 303
    pending = owner.get(f"/trees/{tree}/invitations")["items"]
    assert [(i["email"], i["role"]) for i in pending] == [("aunt@example.org", "contributor")]
    shown = web.get(invited.headers["location"])
    assert "The invitation was sent." in shown.text and "aunt@example.org" in shown.text

    twice = post_form(
        web,
        f"/trees/{tree}/members",
        f"/trees/{tree}/invitations",
        {"email": "cousin@example.org", "role": "editor"},
    )
    assert twice.status_code == 409 and 'value="cousin@example.org"' in twice.text
    bad = post_form(
        web,
        f"/trees/{tree}/members",
        f"/trees/{tree}/invitations",
        {"email": "not an address", "role": "viewer"},
    )
    assert bad.status_code == 422 and 'value="not an address"' in bad.text

    members = web.get(f"/trees/{tree}/members")
    version = re.search(
        rf'/members/{cousin_id}/role".*?name="version" value="([^"]+)"', members.text, re.S
    )
    assert version
    role = {
        "csrf": csrf_of(members),
        "version": version.group(1).replace("&#34;", '"'),
        "role": "editor",
    }
    changed = web.post(f"/trees/{tree}/members/{cousin_id}/role", data=role, follow_redirects=False)
    assert changed.status_code == 303
    assert owner.get(f"/trees/{tree}/members/{cousin_id}")["role"] == "editor"
    stale = web.post(f"/trees/{tree}/members/{cousin_id}/role", data=role)
    assert stale.status_code == 412 and "changed by someone else" in stale.text

    confirm = web.get(f"/trees/{tree}/members/{cousin_id}/remove")
    assert confirm.status_code == 200 and "cousin@example.org" in confirm.text
    clean(confirm)
    remove_version = re.search(r'name="version" value="([^"]+)"', confirm.text)
    assert remove_version
    removed = web.post(
        f"/trees/{tree}/members/{cousin_id}/remove",
        data={"csrf": csrf_of(confirm), "version": remove_version.group(1).replace("&#34;", '"')},
        follow_redirects=False,
    )
    assert removed.status_code == 303
    assert [m["email"] for m in owner.get(f"/trees/{tree}/members")["items"]] == [
        "owner@example.org"
    ]

    invitation = pending[0]["id"]
    revoked = post_form(
        web, f"/trees/{tree}/members", f"/trees/{tree}/invitations/{invitation}/revoke", {}
    )
    assert revoked.status_code == 303
    assert owner.get(f"/trees/{tree}/invitations")["items"] == []
    forged = web.post(
        f"/trees/{tree}/invitations", data={"csrf": "z" * 64, "email": "x@example.org"}
    )
    assert forged.status_code == 403


def test_members_see_what_their_role_allows_and_may_leave(
    platform: Platform, client: TestClient, owner: Api, public_tree: dict[str, str]
) -> None:
    tree = public_tree["tree"]
    add_member(
        platform, tree, "viewer@example.org", "viewer", person_id=uuid.UUID(public_tree["zeb"])
    )
    add_member(platform, tree, "editor@example.org", "editor")
    with contextlib.closing(web_client(client, "editor@example.org")) as editor:
        assert editor.get(f"/trees/{tree}/settings").status_code == 403
        home = editor.get(f"/trees/{tree}")
        assert home.status_code == 200 and f"/trees/{tree}/settings" not in home.text
        assert "Recent changes" in home.text and f'href="/trees/{tree}/import"' in home.text
        fields = {"name": "Mine now", "visibility": "private", "description": ""}
        refused = post_form(editor, "/", f"/trees/{tree}/settings", fields)
        assert refused.status_code == 403
        assert editor.get(f"/trees/{tree}/delete").status_code == 403
    make_user(platform, "guest@example.org")
    with contextlib.closing(web_client(client, "viewer@example.org")) as viewer:
        page = viewer.get(f"/trees/{tree}/members")
        assert page.status_code == 200 and "owner@example.org" in page.text
        assert "/invitations" not in page.text and "/role" not in page.text
        assert "Leave the tree" in page.text
        home = viewer.get(f"/trees/{tree}")
        assert "You in this tree" in home.text
        assert f'href="/people/{public_tree["zeb"]}/pedigree"' in home.text
        me = Api(owner.client, platform.users.token_for_email("viewer@example.org")["access_token"])
        my_id = me.get("/auth/me")["id"]
        invited = post_form(
            viewer,
            f"/trees/{tree}/members",
            f"/trees/{tree}/invitations",
            {"email": "x@example.org", "role": "viewer"},
        )
        assert invited.status_code == 403
        left = post_form(
            viewer,
            f"/trees/{tree}/members/{my_id}/remove",
            f"/trees/{tree}/members/{my_id}/remove",
            {},
        )
        assert left.status_code == 303 and left.headers["location"] == "/"
        assert viewer.get(f"/trees/{tree}/members").status_code == 403
    with contextlib.closing(web_client(client, "guest@example.org")) as guest:
        assert guest.get(f"/trees/{tree}/members").status_code == 403


def test_every_tree_page_speaks_each_language(
    platform: Platform, web: TestClient, guest: TestClient, owner: Api, public_tree: dict[str, str]
) -> None:
    tree = public_tree["tree"]
    cousin = add_member(platform, tree, "cousin@example.org", "viewer")
    cousin_id = Api(owner.client, cousin).get("/auth/me")["id"]
    owner.post(f"/trees/{tree}/invitations", {"role": "viewer", "email": "aunt@example.org"})
    paths = [
        "/",
        "/trees/new",
        f"/trees/{tree}",
        f"/trees/{tree}/people",
        f"/trees/{tree}/people?name=zzz",
        f"/trees/{tree}/settings",
        f"/trees/{tree}/delete",
        f"/trees/{tree}/members",
        f"/trees/{tree}/members/{cousin_id}/remove",
    ]
    for language in LANGUAGES:
        in_language(web, language)
        in_language(guest, language)
        for path in paths:
            page = web.get(path)
            assert page.status_code == 200, (language, path)
            assert page.headers["content-language"] == language
            clean(page)
        for path in ("/", f"/trees/{tree}", f"/trees/{tree}/people"):
            page = guest.get(path)
            assert page.status_code == 200 and page.headers["content-language"] == language
            clean(page)
        errors = post_form(web, "/trees/new", "/trees/new", {"name": "", "visibility": "x"})
        assert errors.status_code == 422 and errors.headers["content-language"] == language
