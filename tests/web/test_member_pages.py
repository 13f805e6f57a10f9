"""A member's own person and branch limit, set on their page and on an invitation: the limit
takes effect on what they see, the rules are said at the fields in the reader's language, and
a change made by someone else in between is shown, not overwritten."""

from __future__ import annotations

import contextlib
import re
import uuid
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from dzinza.services.platform import Platform
from tests.conftest import Api, add_member
from tests.web.conftest import csrf_of, in_language, sign_in_web

OWNER = "owner@example.org"
COUSIN = "cousin@example.org"


def _person(api: Api, tree: str, given: str, surname: str, born: str) -> str:
    body = {
        "names": [{"given": given, "surname": surname}],
        "events": [{"type": "birth", "date": born}],
    }
    return str(api.post(f"/trees/{tree}/people", body)["id"])


@pytest.fixture
def family(owner: Api, platform: Platform) -> dict[str, str]:
    """A private tree of living people: Tendai, his mother Ruvimbo, and Farai, who is not
    related to them; the cousin is a viewer with no own person yet."""
    tree = owner.post("/trees", {"name": "Moyo family", "visibility": "private"})["id"]
    people = {
        "tree": tree,
        "tendai": _person(owner, tree, "Tendai", "Moyo", "1990"),
        "ruvimbo": _person(owner, tree, "Ruvimbo", "Moyo", "1962"),
        "farai": _person(owner, tree, "Farai", "Sibanda", "1971"),
        # A second Tendai, so that the name alone fits two people.
        "other": _person(owner, tree, "Tendai", "Moyana", "1985"),
    }
    owner.post(
        f"/trees/{tree}/families",
        {"partner1_id": people["ruvimbo"], "children": [{"child_id": people["tendai"]}]},
    )
    token = add_member(platform, tree, COUSIN, "viewer")
    people["cousin"] = Api(owner.client, token).get("/auth/me")["id"]
    return people


@pytest.fixture
def web(owner_web: TestClient) -> TestClient:
    return owner_web


def _form(page: httpx.Response) -> dict[str, str]:
    version = re.search(r'name="version" value="([^"]+)"', page.text)
    assert version, page.text[:2000]
    return {"csrf": csrf_of(page), "version": version.group(1).replace("&#34;", '"')}


def _edit(family: dict[str, str]) -> str:
    return f"/trees/{family['tree']}/members/{family['cousin']}/edit"


def _member(owner: Api, family: dict[str, str]) -> dict[str, Any]:
    return dict(owner.get(f"/trees/{family['tree']}/members/{family['cousin']}"))


def test_a_branch_limit_set_on_the_page_limits_what_the_member_sees(
    client: TestClient, web: TestClient, owner: Api, family: dict[str, str]
) -> None:
    members = web.get(f"/trees/{family['tree']}/members")
    assert f'href="{_edit(family)}"' in members.text
    page = web.get(_edit(family))
    assert page.status_code == 200 and "No person in the tree is marked as this member" in page.text
    assert " style=" not in page.text and "<script>" not in page.text
    # The page's script puts the chosen person's id in own_id.
    fields = _form(page) | {"role": "viewer", "own_id": family["tendai"], "branch_steps": "1"}
    saved = web.post(_edit(family), data=fields, follow_redirects=False)
    assert saved.status_code == 303, saved.text[:3000]
    shown = web.get(saved.headers["location"])
    assert "The member&#39;s person and branch were saved." in shown.text
    assert "Sees 1 family link around them" in shown.text
    assert (
        _member(owner, family).items() >= {"person_id": family["tendai"], "branch_steps": 1}.items()
    )

    with TestClient(client.app, raise_server_exceptions=False) as cousin:
        sign_in_web(cousin, COUSIN)
        assert "Ruvimbo Moyo" in cousin.get(f"/people/{family['ruvimbo']}").text
        outside = cousin.get(f"/people/{family['farai']}")
        assert "Farai" not in outside.text and "Private" in outside.text

        page = web.get(_edit(family))
        assert "This member is" in page.text and "Tendai Moyo" in page.text
        fields = _form(page) | {"role": "viewer", "branch_steps": ""}
        assert web.post(_edit(family), data=fields, follow_redirects=False).status_code == 303
        assert "Farai Sibanda" in cousin.get(f"/people/{family['farai']}").text


def test_a_name_typed_without_the_script_is_looked_up_and_a_choice_offered(
    web: TestClient, owner: Api, family: dict[str, str]
) -> None:
    page = web.get(_edit(family))
    fields = _form(page) | {"role": "viewer", "own_query": "Tendai", "branch_steps": "2"}
    choose = web.post(_edit(family), data=fields)
    assert choose.status_code == 200 and "Which person did you mean?" in choose.text
    assert _member(owner, family)["person_id"] is None  # nothing saved yet
    picked = fields | {"own_query": "", "own_id": family["other"]}
    assert web.post(_edit(family), data=picked, follow_redirects=False).status_code == 303
    assert _member(owner, family)["person_id"] == family["other"]
    one = _form(web.get(_edit(family))) | {"role": "viewer", "own_query": "Farai Sib"}
    assert web.post(_edit(family), data=one, follow_redirects=False).status_code == 303
    assert _member(owner, family)["person_id"] == family["farai"]
    # "No own person" takes it away, and with it the branch limit it was counted from.
    none = _form(web.get(_edit(family))) | {"role": "viewer", "own_none": "1"}
    assert web.post(_edit(family), data=none, follow_redirects=False).status_code == 303
    assert _member(owner, family).items() >= {"person_id": None, "branch_steps": None}.items()


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"role": "editor", "branch_steps": "2"}, "branch_steps", "Editors and managers see"),
        ({"role": "viewer", "branch_steps": "2"}, "own_query", "A branch is counted from"),
        ({"role": "viewer", "branch_steps": "11"}, "branch_steps", "Choose a branch from"),
        ({"role": "owner"}, "role", "Choose a role from the list."),
        ({"role": "viewer", "own_query": "Nobody Likethis"}, "own_query", "Nobody in this tree"),
        (
            {"role": "viewer", "own_query": "Farai", "own_none": "1"},
            "own_query",
            "Either give the name",
        ),
    ],
)
def test_mistakes_are_said_at_their_field_and_nothing_is_saved(
    web: TestClient,
    owner: Api,
    family: dict[str, str],
    fields: dict[str, str],
    field: str,
    message: str,
) -> None:
    page = web.get(_edit(family))
    refused = web.post(_edit(family), data=_form(page) | fields)
    assert refused.status_code == 422
    error = re.search(rf'id="{field}-error">([^<]+)<', refused.text)
    assert error and error.group(1).startswith(message), refused.text[:3000]
    for typed in fields.values():
        assert f'value="{typed}"' in refused.text or typed in ("owner", "11", "1")
    assert _member(owner, family).items() >= {"role": "viewer", "person_id": None}.items()


def test_the_rules_are_said_in_the_readers_language(
    web: TestClient, family: dict[str, str]
) -> None:
    in_language(web, "sn")
    page = web.get(_edit(family))
    refused = web.post(_edit(family), data=_form(page) | {"role": "viewer", "branch_steps": "3"})
    assert refused.status_code == 422
    assert "A branch is counted from" not in refused.text and 'lang="sn"' in refused.text


def test_a_change_made_in_between_is_shown_beside_the_readers_own(
    web: TestClient, owner: Api, family: dict[str, str]
) -> None:
    page = web.get(_edit(family))
    owner.patch(
        f"/trees/{family['tree']}/members/{family['cousin']}",
        {"role": "contributor", "person_id": family["ruvimbo"], "branch_steps": 3},
    )
    # As the page's script sends a chosen person: the label typed, and the id.
    chosen = {"own_query": "Tendai Moyo (1990 -)", "own_id": family["tendai"]}
    mine = _form(page) | {"role": "viewer", "branch_steps": "1"} | chosen
    stale = web.post(_edit(family), data=mine)
    assert stale.status_code == 412 and "Someone else changed this member" in stale.text
    assert "Saved now: Contributor" in stale.text and "Saved now: 3 family links" in stale.text
    assert "Saved now: Ruvimbo Moyo" in stale.text
    assert _member(owner, family)["branch_steps"] == 3
    # The form came back with the name typed (and without the id): saved again, it is found.
    assert 'value="Tendai Moyo (1990 -)"' in stale.text
    again = _form(stale) | {
        "role": "viewer",
        "own_query": "Tendai Moyo (1990 -)",
        "branch_steps": "1",
    }
    assert web.post(_edit(family), data=again, follow_redirects=False).status_code == 303
    expected = {"role": "viewer", "person_id": family["tendai"], "branch_steps": 1}
    assert _member(owner, family).items() >= expected.items()


def test_promoting_a_limited_member_to_editor_lifts_the_limit(
    web: TestClient, owner: Api, family: dict[str, str]
) -> None:
    owner.patch(
        f"/trees/{family['tree']}/members/{family['cousin']}",
        {"person_id": family["tendai"], "branch_steps": 2},
    )
    members = web.get(f"/trees/{family['tree']}/members")
    version = re.search(
        rf'/members/{family["cousin"]}/role".*?name="version" value="([^"]+)"', members.text, re.S
    )
    assert version
    role = {"csrf": csrf_of(members), "version": version.group(1).replace("&#34;", '"')}
    changed = web.post(
        f"/trees/{family['tree']}/members/{family['cousin']}/role",
        data=role | {"role": "editor"},
        follow_redirects=False,
    )
    assert changed.status_code == 303, changed.text[:2000]
    assert (
        _member(owner, family).items()
        >= {
            "role": "editor",
            "person_id": family["tendai"],
            "branch_steps": None,
        }.items()
    )


def test_invitations_carry_a_person_and_a_branch(
    web: TestClient, owner: Api, family: dict[str, str]
) -> None:
    tree = family["tree"]
    members = web.get(f"/trees/{tree}/members")
    assert 'name="branch_steps"' in members.text and 'name="invite_person_query"' in members.text
    base = {"csrf": csrf_of(members), "email": "aunt@example.org", "role": "viewer"}
    lonely = web.post(f"/trees/{tree}/invitations", data=base | {"branch_steps": "2"})
    assert lonely.status_code == 422 and 'id="invite_person_query-error"' in lonely.text
    assert '<details class="branch" open>' in lonely.text
    several = web.post(
        f"/trees/{tree}/invitations",
        data=base | {"branch_steps": "2", "invite_person_query": "Tendai"},
    )
    assert several.status_code == 200 and "Which person did you mean?" in several.text
    assert owner.get(f"/trees/{tree}/invitations")["items"] == []
    sent = web.post(
        f"/trees/{tree}/invitations",
        data=base | {"branch_steps": "2", "invite_person_id": family["tendai"]},
        follow_redirects=False,
    )
    assert sent.status_code == 303, sent.text[:2000]
    (invitation,) = owner.get(f"/trees/{tree}/invitations")["items"]
    assert invitation.items() >= {"person_id": family["tendai"], "branch_steps": 2}.items()
    listed = web.get(f"/trees/{tree}/members")
    assert "Sees 2 family links around them" in listed.text


def test_only_those_who_may_change_a_member_get_the_page(
    client: TestClient,
    platform: Platform,
    web: TestClient,
    owner: Api,
    family: dict[str, str],
) -> None:
    tree = family["tree"]
    me = owner.get("/auth/me")["id"]
    assert web.get(f"/trees/{tree}/members/{me}/edit").status_code == 403
    add_member(platform, tree, "manager@example.org", "manager")
    add_member(platform, tree, "other-manager@example.org", "manager")
    other = Api(client, platform.users.token_for_email("other-manager@example.org")["access_token"])
    other_id = other.get("/auth/me")["id"]
    with contextlib.closing(TestClient(client.app, raise_server_exceptions=False)) as manager:
        sign_in_web(manager, "manager@example.org")
        assert manager.get(_edit(family)).status_code == 200
        refused = manager.get(f"/trees/{tree}/members/{other_id}/edit")
        assert (
            refused.status_code == 403
            and "Only the tree&#39;s owner may change a manager" in refused.text
        )
    with contextlib.closing(TestClient(client.app, raise_server_exceptions=False)) as cousin:
        sign_in_web(cousin, COUSIN)
        assert cousin.get(_edit(family)).status_code == 403
        page = cousin.get(f"/trees/{tree}/members")
        assert "/edit" not in page.text
        forged = cousin.post(
            _edit(family),
            data={"csrf": csrf_of(page), "role": "manager", "version": ""},
        )
        assert forged.status_code == 403
    assert _member(owner, family)["role"] == "viewer"
    with contextlib.closing(TestClient(client.app, raise_server_exceptions=False)) as nobody:
        assert nobody.get(_edit(family)).status_code == 404  # a private tree is not there
    assert web.get(f"/trees/{tree}/members/{uuid.uuid4()}/edit").status_code == 404


def test_a_refusal_built_with_values_is_said_in_the_readers_language(
    web: TestClient, family: dict[str, str]
) -> None:
    in_language(web, "sn")
    members = web.get(f"/trees/{family['tree']}/members")
    fields = {"csrf": csrf_of(members), "email": COUSIN, "role": "viewer"}
    refused = web.post(f"/trees/{family['tree']}/invitations", data=fields)
    assert refused.status_code == 409
    error = re.search(r'class="notice error" role="alert">([^<]+)<', refused.text)
    assert error and COUSIN in error.group(1), refused.text[:3000]
    assert "already a member" not in error.group(1)
    missing = web.get(f"/people/{uuid.uuid4()}")
    assert missing.status_code == 404 and "There is no person with id" not in missing.text
