"""The web app's sign-in: the session cookie (HttpOnly, SameSite=Lax, Secure over TLS), CSRF
tokens on every form, pages that see the signed-in user, sign-out, two-factor, and the pages the
account emails link to."""

from __future__ import annotations

import re

import httpx
import pyotp
from fastapi.testclient import TestClient

from dzinza.api.app import create_app
from dzinza.services.platform import Platform
from dzinza.web.forms import MAX_FORM_BYTES
from tests.conftest import Api
from tests.doubles import FakeClock, Inbox
from tests.functional.conftest import account_api
from tests.functional.test_accounts import GOOD, login, platform_of, register, signed_in


def csrf_of(page: httpx.Response) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert found, page.text
    return found.group(1)


def sign_in(
    web: TestClient, email: str = "rudo@example.org", password: str = GOOD, next: str = ""
) -> httpx.Response:
    form = {"csrf": csrf_of(web.get("/signin")), "email": email, "password": password}
    if next:
        form["next"] = next
    return web.post("/signin", data=form, follow_redirects=False)


def test_signing_in_sets_a_protected_cookie_and_pages_see_the_user(api: Api) -> None:
    register(api)
    tree = signed_in(api, login(api)).post(
        "/trees", {"name": "Moyo family", "visibility": "private"}
    )
    web = api.client
    assert web.get(f"/trees/{tree['id']}").status_code in (401, 403, 404)
    page = web.get("/signin")
    # The first page seen (the refusal above) gave the visitor the double-submit cookie.
    assert page.status_code == 200 and len(web.cookies["dzinza_csrf"]) >= 32
    assert page.headers["x-frame-options"] == "DENY"
    form = {"csrf": csrf_of(page), "email": "rudo@example.org", "password": "not my password"}
    refused = web.post("/signin", data=form)
    assert refused.status_code == 401 and "Wrong email or password" in refused.text
    assert web.post("/signin", data={**form, "csrf": "forged" * 8}).status_code == 403
    done = sign_in(web)
    assert done.status_code == 303 and done.headers["location"] == "/"
    cookie = done.headers["set-cookie"]
    assert cookie.startswith("dzinza_session=") and "HttpOnly" in cookie
    assert "SameSite=lax" in cookie and "Path=/" in cookie and "Secure" not in cookie
    session = web.cookies["dzinza_session"]

    shown = web.get(f"/trees/{tree['id']}")
    assert shown.status_code == 200 and "Moyo family" in shown.text
    account = web.get("/account")
    assert "rudo@example.org" in account.text and "not confirmed yet" in account.text
    # The API takes bearer tokens only, and not the cookie's token as one.
    Api(web, session).get("/auth/me", expect=401)

    assert web.post("/signout", data={"csrf": "forged" * 8}).status_code == 403
    out = web.post("/signout", data={"csrf": csrf_of(account)}, follow_redirects=False)
    assert out.status_code == 303 and 'dzinza_session=""' in out.headers["set-cookie"]
    assert web.get("/account", follow_redirects=False).headers["location"].startswith("/signin")
    web.cookies.set("dzinza_session", session)  # the old token, put back by hand
    assert web.get(f"/trees/{tree['id']}").status_code != 200


def test_the_cookie_is_secure_over_tls(platform: Platform, clock: FakeClock) -> None:
    with account_api(platform, clock, Inbox()) as api:
        register(api)
        timed = platform_of(api)
    with TestClient(create_app(timed), base_url="https://testserver") as web:
        done = sign_in(web)
        assert done.status_code == 303 and "Secure" in done.headers["set-cookie"]
        assert "rudo@example.org" in web.get("/account").text


def test_after_signing_in_only_paths_of_this_site_are_followed(api: Api) -> None:
    register(api)
    for target, where in [
        ("/trees", "/trees"),
        ("https://evil.example/", "/"),
        ("//evil.example/", "/"),
        ("/\\evil.example", "/"),
    ]:
        api.client.cookies.clear()
        assert sign_in(api.client, next=target).headers["location"] == where


def test_web_sign_in_with_two_factor(api: Api, clock: FakeClock) -> None:
    register(api)
    me = signed_in(api, login(api))
    secret = me.post("/auth/2fa/setup", {"password": GOOD}, expect=200)["secret"]
    me.post("/auth/2fa/enable", {"code": pyotp.TOTP(secret).at(clock.now())}, expect=200)
    clock.advance(seconds=30)
    web = api.client
    step = sign_in(web)
    assert step.status_code == 200 and "authenticator" in step.text
    challenge = re.search(r'name="challenge" value="([^"]+)"', step.text)
    assert challenge
    form = {"csrf": csrf_of(step), "challenge": challenge.group(1), "code": "abcde-fghjk"}
    wrong = web.post("/signin/2fa", data=form)
    assert wrong.status_code == 401 and "Wrong code" in wrong.text
    assert "dzinza_session" not in web.cookies
    form["code"] = pyotp.TOTP(secret).at(clock.now())
    done = web.post("/signin/2fa", data=form, follow_redirects=False)
    assert done.status_code == 303 and "dzinza_session=" in done.headers["set-cookie"]
    assert "Two-factor sign-in: on" in web.get("/account").text


def test_emailed_links_open_pages_that_act_only_when_confirmed(api: Api, inbox: Inbox) -> None:
    register(api)
    me = signed_in(api, login(api))
    web = api.client
    token = inbox.token("rudo@example.org", "verify-email")
    page = web.get(f"/verify-email?token={token}")
    assert page.status_code == 200 and page.headers["referrer-policy"] == "no-referrer"
    assert me.get("/auth/me")["email_verified"] is False  # opening the link used nothing
    done = web.post("/verify-email", data={"csrf": csrf_of(page), "token": token})
    assert done.status_code == 200 and "is confirmed" in done.text
    assert me.get("/auth/me")["email_verified"] is True
    again = web.post("/verify-email", data={"csrf": csrf_of(page), "token": token})
    assert again.status_code == 422 and "already used" in again.text

    ask = web.get("/reset-password")
    sent = web.post(
        "/reset-password/request", data={"csrf": csrf_of(ask), "email": "rudo@example.org"}
    )
    assert sent.status_code == 200 and "Check your mail" in sent.text
    token = inbox.token("rudo@example.org", "reset-password")
    choose = web.get(f"/reset-password?token={token}")
    form = {"csrf": csrf_of(choose), "token": token, "new_password": "password123"}
    weak = web.post("/reset-password", data=form)
    assert weak.status_code == 422 and "common" in weak.text
    form["new_password"] = "baobab thunder kettle 77"
    assert "Password changed" in web.post("/reset-password", data=form).text
    me.get("/auth/me", expect=401)
    login(api, password="baobab thunder kettle 77")


def test_forms_must_be_urlencoded_and_small(api: Api) -> None:
    web = api.client
    assert web.post("/signin", json={"email": "x"}).status_code == 415
    big = web.post(
        "/signin",
        content=b"a=" + b"x" * (MAX_FORM_BYTES + 1),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert big.status_code == 413
