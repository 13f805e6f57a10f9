"""The page an invitation link opens: signed out it asks to sign in; signed in it joins the tree
or declines, by a form post with the session's CSRF token, never by opening the link alone."""

from __future__ import annotations

from urllib.parse import urlsplit

from fastapi.testclient import TestClient

from dzinza.services.platform import Platform
from tests.conftest import Api
from tests.functional.test_account_web import csrf_of, sign_in
from tests.functional.test_accounts import GOOD


def _invite(owner: Api, tree: str) -> str:
    made = owner.post(f"/trees/{tree}/invitations", {"role": "viewer"})
    url = urlsplit(made["accept_url"])
    assert url.path == "/invitations/accept"
    return f"{url.path}?{url.query}"


def test_joining_a_tree_from_the_invitation_page(
    client: TestClient, platform: Platform, owner: Api, tree: dict[str, str]
) -> None:
    link = _invite(owner, tree["id"])
    signed_out = client.get(link)
    assert signed_out.status_code == 200 and "Sign in" in signed_out.text
    assert "Join the tree" not in signed_out.text

    platform.users.create("cousin@example.org", GOOD)
    assert sign_in(client, "cousin@example.org").status_code == 303
    page = client.get(link)
    assert "Join the tree" in page.text
    forged = client.post(link.split("?")[0], data={"csrf": "x" * 43, "token": "t"})
    assert forged.status_code == 403

    token = link.split("token=")[1]
    form = {"csrf": csrf_of(page), "token": token, "answer": "accept"}
    joined = client.post("/invitations/accept", data=form, follow_redirects=False)
    assert joined.status_code == 303 and joined.headers["location"] == f"/trees/{tree['id']}"
    assert tree["name"] in client.get(joined.headers["location"]).text
    again = client.post("/invitations/accept", data=form)
    assert again.status_code == 410 and "Join the tree" in again.text


def test_declining_from_the_invitation_page(
    client: TestClient, platform: Platform, owner: Api, tree: dict[str, str]
) -> None:
    link = _invite(owner, tree["id"])
    platform.users.create("cousin@example.org", GOOD)
    sign_in(client, "cousin@example.org")
    form = {
        "csrf": csrf_of(client.get(link)),
        "token": link.split("token=")[1],
        "answer": "decline",
    }
    assert client.post("/invitations/accept", data=form, follow_redirects=False).status_code == 303
    assert client.get(f"/trees/{tree['id']}").status_code == 404
    assert owner.get(f"/trees/{tree['id']}/invitations")["items"] == []
