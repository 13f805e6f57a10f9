"""The dashboard's invitations: those sent to the signed-in user's confirmed address are listed
above their trees, with forms to accept (joining, then opening the tree) or decline them."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from dzinza.services.platform import Platform
from tests.conftest import Api, make_user
from tests.web.conftest import LANGUAGES, csrf_of, in_language, post_form, sign_in_web

CHIPO = "chipo@example.org"


def clean(page: httpx.Response) -> None:
    assert "<script>" not in page.text and " style=" not in page.text
    assert " onclick=" not in page.text and "<style" not in page.text


def signed_in(client: TestClient, platform: Platform, email: str, *, verified: bool) -> TestClient:
    """A new account signed in to the pages (its address confirmed or not)."""
    make_user(platform, email)
    if verified:
        with platform.store.write() as tx:
            user = tx.user_by_email(email)
            assert user is not None
            tx.update_user(user["id"], {"email_verified_at": datetime.now(UTC)})
    web = TestClient(client.app, raise_server_exceptions=False)
    sign_in_web(web, email)
    return web


@pytest.fixture
def chipo(client: TestClient, platform: Platform) -> Iterator[TestClient]:
    with contextlib.closing(signed_in(client, platform, CHIPO, verified=True)) as web:
        yield web


@pytest.fixture
def invited(owner: Api, tree: dict[str, Any]) -> dict[str, Any]:
    """An invitation for chipo@example.org to be an editor of the owner's private tree."""
    made: dict[str, Any] = owner.post(
        f"/trees/{tree['id']}/invitations", {"role": "editor", "email": CHIPO}
    )
    return made


def test_the_dashboard_lists_the_invitation_above_the_trees(
    chipo: TestClient, invited: dict[str, Any], tree: dict[str, Any]
) -> None:
    page = chipo.get("/")
    assert page.status_code == 200
    text = page.text
    assert 'id="invitations"' in text and tree["name"] in text
    assert "owner@example.org invites you to join this family tree." in text
    assert f'action="/invitations/{invited["id"]}/accept"' in text
    assert f'action="/invitations/{invited["id"]}/decline"' in text
    assert text.index('id="invitations"') < text.index('id="my-trees"')
    assert invited["token"] not in text
    clean(page)


def test_no_invitations_without_a_confirmed_address(
    client: TestClient, platform: Platform, invited: dict[str, Any], tree: dict[str, Any]
) -> None:
    with contextlib.closing(signed_in(client, platform, CHIPO, verified=False)) as web:
        page = web.get("/")
        assert page.status_code == 200 and 'id="invitations"' not in page.text
        assert tree["name"] not in page.text
        done = post_form(web, "/", f"/invitations/{invited['id']}/accept", {})
        assert done.status_code == 404


def test_accepting_joins_the_tree_and_opens_it(
    chipo: TestClient, invited: dict[str, Any], tree: dict[str, Any], owner: Api
) -> None:
    done = post_form(chipo, "/", f"/invitations/{invited['id']}/accept", {})
    assert done.status_code == 303 and done.headers["location"] == f"/trees/{tree['id']}"
    page = chipo.get(done.headers["location"])
    assert page.status_code == 200 and tree["name"] in page.text
    members = owner.get(f"/trees/{tree['id']}/members")["items"]
    assert {m["email"]: m["role"] for m in members}[CHIPO] == "editor"
    assert 'id="invitations"' not in chipo.get("/").text
    again = post_form(chipo, "/", f"/invitations/{invited['id']}/accept", {})
    assert again.status_code == 410 and "already accepted" in again.text


def test_declining_removes_it_from_the_dashboard(
    chipo: TestClient, invited: dict[str, Any], tree: dict[str, Any], owner: Api
) -> None:
    done = post_form(chipo, "/", f"/invitations/{invited['id']}/decline", {})
    assert done.status_code == 303 and done.headers["location"] == "/?done=declined"
    page = chipo.get(done.headers["location"])
    assert "The invitation was declined." in page.text
    assert 'id="invitations"' not in page.text
    assert chipo.get(f"/trees/{tree['id']}").status_code == 404
    assert owner.get(f"/trees/{tree['id']}/invitations")["items"] == []


def test_forged_and_foreign_answers_are_refused(
    client: TestClient,
    platform: Platform,
    chipo: TestClient,
    invited: dict[str, Any],
    owner: Api,
    tree: dict[str, Any],
) -> None:
    for verb in ("accept", "decline"):
        forged = chipo.post(f"/invitations/{invited['id']}/{verb}", data={"csrf": "x" * 43})
        assert forged.status_code == 403
        missing = chipo.post(f"/invitations/{invited['id']}/{verb}", data={"x": "1"})
        assert missing.status_code == 403
    with contextlib.closing(signed_in(client, platform, "tino@example.org", verified=True)) as web:
        for verb in ("accept", "decline"):
            other = post_form(web, "/", f"/invitations/{invited['id']}/{verb}", {})
            assert other.status_code == 404
            unknown = post_form(web, "/", f"/invitations/{uuid.uuid4()}/{verb}", {})
            assert unknown.status_code == 404
    with TestClient(client.app, raise_server_exceptions=False) as anonymous:
        token = csrf_of(anonymous.get("/"))
        refused = anonymous.post(f"/invitations/{invited['id']}/accept", data={"csrf": token})
        assert refused.status_code == 401
    # Still waiting for chipo.
    listed = owner.get(f"/trees/{tree['id']}/invitations")["items"]
    assert [i["id"] for i in listed] == [invited["id"]]


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_dashboard_renders_in_every_language(
    chipo: TestClient, invited: dict[str, Any], tree: dict[str, Any], language: str
) -> None:
    in_language(chipo, language)
    page = chipo.get("/")
    assert page.status_code == 200 and page.headers["content-language"] == language
    assert tree["name"] in page.text and f"/invitations/{invited['id']}/accept" in page.text
    clean(page)
    in_language(chipo, "en")
    declined = post_form(chipo, "/", f"/invitations/{invited['id']}/decline", {})
    in_language(chipo, language)
    assert chipo.get(declined.headers["location"]).status_code == 200
