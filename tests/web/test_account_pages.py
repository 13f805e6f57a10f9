"""The account pages: creating an account, and every form of the settings page (email,
language, password, two-factor sign-in, sign-ins and personal tokens, the copy of one's data,
consent, deleting the account), each checked through the API and refused without its CSRF
token; and the service methods these pages added (web sign-ins listed and ended one by one,
new recovery codes)."""

from __future__ import annotations

import email
import email.policy
import io
import re
import uuid
import zipfile
from pathlib import Path
from urllib.parse import quote

import httpx
import pyotp
import pytest
from fastapi.testclient import TestClient

from dzinza.api.app import create_app
from dzinza.domain.errors import AuthenticationRequired, Conflict, NotFound
from dzinza.services.common import Actor
from dzinza.services.platform import Platform
from dzinza.web.auth_pages import qr_code
from tests.conftest import Api, add_member, make_user
from tests.web.conftest import (
    LANGUAGES,
    OWNER_EMAIL,
    PASSWORD,
    csrf_of,
    in_language,
    post_form,
    sign_in_web,
)

NEW_PASSWORD = "baobab thunder kettle 77"
FORGED = "x" * 43


def clean(page: httpx.Response) -> None:
    """No inline script or style: the Content-Security-Policy would block them."""
    assert "<script>" not in page.text and " style=" not in page.text
    assert "onclick" not in page.text


def field_error(page: httpx.Response, field_id: str) -> str:
    """The message shown at a field (by the field's id), checking the field points at it."""
    found = re.search(rf'<span class="field-error" id="{field_id}-error">([^<]*)</span>', page.text)
    assert found, page.text[:3000]
    assert re.search(rf'id="{field_id}"[^>]*aria-invalid="true"', page.text), field_id
    return found.group(1)


def api_of(web: TestClient, platform: Platform, address: str = OWNER_EMAIL) -> Api:
    """A fresh API token for an account (the old ones may have been ended by the test)."""
    return Api(web, platform.users.token_for_email(address)["access_token"])


def mailed_token(platform: Platform, folder: Path, address: str, page: str) -> str:
    """The token of the newest link to ``page`` mailed to ``address`` (the .eml files)."""
    platform.users.outbox.flush()
    for path in sorted(folder.glob("*.eml"), reverse=True):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        if message["To"] != address:
            continue
        body = message.get_body(("plain",))
        assert body is not None
        found = re.search(rf"/{page}\?token=([\w-]+)", body.get_content())
        if found:
            return found.group(1)
    raise AssertionError(f"no {page} link was mailed to {address}")


# -- creating an account -------------------------------------------------------------------------
def test_signing_up_creates_the_account_with_consent_and_signs_in(
    site: TestClient, platform: Platform
) -> None:
    page = site.get("/signup")
    assert page.status_code == 200 and "2026-11" in page.text
    clean(page)
    form = {
        "csrf": csrf_of(page),
        "email": "Chipo@Example.org",
        "password": NEW_PASSWORD,
        "accept_terms": "yes",
        "next": "/search",
    }
    done = site.post("/signup", data=form, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/search"
    assert "dzinza_session=" in done.headers["set-cookie"]
    account = site.get("/account")
    assert account.status_code == 200 and "chipo@example.org" in account.text
    assert "not confirmed yet" in account.text
    me = api_of(site, platform, "chipo@example.org")
    assert me.get("/auth/me")["email_verified"] is False
    consents = me.get("/account")["consents"]
    assert consents["terms"]["accepted"] and consents["privacy"]["accepted"]
    # Signed in, the form is not offered again.
    assert site.get("/signup", follow_redirects=False).status_code == 303


def test_sign_up_refusals_are_shown_at_their_field(site: TestClient, platform: Platform) -> None:
    make_user(platform, "taken@example.org")
    page = site.get("/signup")
    form = {"csrf": csrf_of(page), "email": "new@example.org", "accept_terms": "yes"}

    weak = site.post("/signup", data={**form, "password": "password123"})
    assert weak.status_code == 422 and "common" in field_error(weak, "signup-password")
    assert 'value="new@example.org"' in weak.text and "dzinza_session" not in site.cookies
    clean(weak)

    no_terms = {k: v for k, v in form.items() if k != "accept_terms"}
    refused = site.post("/signup", data={**no_terms, "password": NEW_PASSWORD})
    assert refused.status_code == 422 and "terms" in field_error(refused, "signup-accept_terms")

    bad = site.post("/signup", data={**form, "email": "not an address", "password": NEW_PASSWORD})
    assert bad.status_code == 422 and field_error(bad, "signup-email")

    taken = site.post(
        "/signup", data={**form, "email": "taken@example.org", "password": NEW_PASSWORD}
    )
    assert taken.status_code == 409 and "already a user" in field_error(taken, "signup-email")

    forged = site.post("/signup", data={**form, "csrf": FORGED, "password": NEW_PASSWORD})
    assert forged.status_code == 403
    assert "dzinza_session" not in site.cookies

    # Sign-ups from one address are limited (10 an hour): the page says so, and for how long.
    for _ in range(6):
        site.post("/signup", data=no_terms)
    limited = site.post("/signup", data={**form, "password": NEW_PASSWORD})
    assert limited.status_code == 429 and "Too many sign-ups" in limited.text
    assert int(limited.headers["retry-after"]) > 0
    assert 'value="new@example.org"' in limited.text


def test_the_invitation_page_offers_to_sign_up_and_comes_back(site: TestClient) -> None:
    here = "/invitations/accept?token=abcdefghijkl"
    page = site.get(here)
    link = f'href="/signup?next={quote(here, safe="")}"'
    assert page.status_code == 200 and link in page.text
    signup = site.get(f"/signup?next={quote(here, safe='')}")
    form = {
        "csrf": csrf_of(signup),
        "email": "cousin@example.org",
        "password": NEW_PASSWORD,
        "accept_terms": "yes",
        "next": here,
    }
    done = site.post("/signup", data=form, follow_redirects=False)
    assert done.headers["location"] == here
    assert "Join the tree" in site.get(here).text


# -- who may see the pages, in which languages ---------------------------------------------------
def test_signed_out_visitors_are_sent_to_sign_in(site: TestClient) -> None:
    for path in ("/account", "/account/delete"):
        gone = site.get(path, follow_redirects=False)
        assert gone.status_code == 303 and gone.headers["location"].startswith("/signin?next=")
    # A form posted signed out (with the visitor's own token) changes nothing and goes there too.
    sent = post_form(site, "/signin", "/account/password", {"current_password": "x"})
    assert sent.status_code == 303 and sent.headers["location"].startswith("/signin")


def test_the_pages_speak_every_language(
    owner_web: TestClient, site: TestClient, owner: Api
) -> None:
    owner.post("/trees", {"name": "Moyo family", "visibility": "private"})
    for language in LANGUAGES:
        in_language(owner_web, language)
        in_language(site, language)
        for web, path in (
            (owner_web, "/account"),
            (owner_web, "/account/delete"),
            (site, "/signup"),
            (site, "/signin?done=everywhere"),
            (site, "/signin?done=deletion"),
            (site, "/invitations/accept?token=abcdefghijkl"),
        ):
            page = web.get(path)
            assert page.status_code == 200, (language, path)
            assert page.headers["content-language"] == language
            clean(page)


# -- the settings forms --------------------------------------------------------------------------
def test_every_settings_form_refuses_a_forged_token(owner_web: TestClient, owner: Api) -> None:
    any_id = uuid.uuid4()
    for action in (
        "/account/email",
        "/account/email/resend",
        "/account/language",
        "/account/password",
        "/account/two-factor/setup",
        "/account/two-factor/enable",
        "/account/two-factor/recovery-codes",
        "/account/two-factor/disable",
        f"/account/sessions/{any_id}/end",
        "/account/sessions/end-all",
        "/account/tokens",
        f"/account/tokens/{any_id}/revoke",
        "/account/export",
        "/account/consent",
        "/account/delete",
        "/account/delete/cancel",
    ):
        sent = owner_web.post(action, data={"csrf": FORGED, "password": PASSWORD})
        assert sent.status_code == 403, action
    assert owner.get("/auth/me")["email"] == OWNER_EMAIL  # still signed in, nothing changed


def test_changing_the_password(owner_web: TestClient, owner: Api, platform: Platform) -> None:
    wrong = post_form(
        owner_web,
        "/account",
        "/account/password",
        {"current_password": "not my password", "new_password": NEW_PASSWORD},
    )
    assert wrong.status_code == 401
    assert "current password is wrong" in field_error(wrong, "password-current_password")
    clean(wrong)
    weak = post_form(
        owner_web,
        "/account",
        "/account/password",
        {"current_password": PASSWORD, "new_password": "password123"},
    )
    assert weak.status_code == 422 and "common" in field_error(weak, "password-new_password")

    done = post_form(
        owner_web,
        "/account",
        "/account/password",
        {"current_password": PASSWORD, "new_password": NEW_PASSWORD},
    )
    assert done.status_code == 303 and done.headers["location"] == "/account?done=password#password"
    shown = owner_web.get(done.headers["location"])
    assert "Your password is changed" in shown.text  # this browser stays signed in
    owner.get("/auth/me", expect=401)  # the other sign-ins ended
    with TestClient(create_app(platform)) as other:
        sign_in_web(other, OWNER_EMAIL, NEW_PASSWORD)


def test_changing_the_email_address(
    owner_web: TestClient, owner: Api, platform: Platform, tmp_path: Path
) -> None:
    wrong = post_form(
        owner_web,
        "/account",
        "/account/email",
        {"new_email": "tendai@example.org", "password": "not my password"},
    )
    assert wrong.status_code == 401 and "wrong" in field_error(wrong, "email-password")
    assert 'value="tendai@example.org"' in wrong.text
    bad = post_form(
        owner_web, "/account", "/account/email", {"new_email": "nope", "password": PASSWORD}
    )
    assert bad.status_code == 422 and field_error(bad, "email-new_email")

    done = post_form(
        owner_web,
        "/account",
        "/account/email",
        {"new_email": "tendai@example.org", "password": PASSWORD},
    )
    assert done.status_code == 303 and "tendai" not in done.headers["location"]
    assert "Check your mail" in owner_web.get(done.headers["location"]).text
    assert owner.get("/auth/me")["email"] == OWNER_EMAIL  # not until the link is opened
    token = mailed_token(platform, tmp_path / "mail", "tendai@example.org", "confirm-email")
    page = owner_web.get(f"/confirm-email?token={token}")
    confirmed = owner_web.post("/confirm-email", data={"csrf": csrf_of(page), "token": token})
    assert confirmed.status_code == 200
    assert owner.get("/auth/me")["email"] == "tendai@example.org"
    assert "It is confirmed" in owner_web.get("/account").text


def test_sending_the_confirmation_link_again(
    owner_web: TestClient, owner: Api, platform: Platform, tmp_path: Path
) -> None:
    page = owner_web.get("/account")
    assert "not confirmed yet" in page.text and "Send the link again" in page.text
    done = post_form(owner_web, "/account", "/account/email/resend", {})
    assert done.headers["location"] == "/account?done=verification#verification"
    token = mailed_token(platform, tmp_path / "mail", OWNER_EMAIL, "verify-email")
    owner_web.post("/verify-email", data={"csrf": csrf_of(page), "token": token})
    assert owner.get("/auth/me")["email_verified"] is True
    assert "Send the link again" not in owner_web.get("/account").text
    again = owner_web.post("/account/email/resend", data={"csrf": csrf_of(page)})
    assert again.status_code == 409 and "already confirmed" in again.text


def test_choosing_the_language(owner_web: TestClient, owner: Api) -> None:
    done = post_form(owner_web, "/account", "/account/language", {"language": "sn"})
    assert done.status_code == 303 and "dzinza_lang=sn" in done.headers["set-cookie"]
    assert owner.get("/auth/me")["language"] == "sn"
    page = owner_web.get("/account")
    assert page.headers["content-language"] == "sn"
    assert '<option value="sn" lang="sn" selected>' in page.text

    follow = post_form(owner_web, "/account", "/account/language", {"language": ""})
    assert follow.status_code == 303 and 'dzinza_lang=""' in follow.headers["set-cookie"]
    assert owner.get("/auth/me")["language"] is None
    english = owner_web.get("/account", headers={"accept-language": "nd"})
    assert english.headers["content-language"] == "nd"

    bad = post_form(owner_web, "/account", "/account/language", {"language": "fr"})
    assert bad.status_code == 422 and "Choose one of" in bad.text
    assert owner.get("/auth/me")["language"] is None


def test_two_factor_sign_in_from_enrolment_to_off(owner_web: TestClient, owner: Api) -> None:
    assert "Two-factor sign-in: off" in owner_web.get("/account").text
    wrong = post_form(owner_web, "/account", "/account/two-factor/setup", {"password": "nope"})
    assert wrong.status_code == 401 and "wrong" in field_error(wrong, "setup-password")

    for language in LANGUAGES:  # each setup makes a new key: the last one is used
        in_language(owner_web, language)
        setup = post_form(
            owner_web, "/account", "/account/two-factor/setup", {"password": PASSWORD}
        )
        assert setup.status_code == 200 and setup.headers["cache-control"] == "no-store"
        clean(setup)
    in_language(owner_web, "en")
    secret = re.search(r'name="secret" value="([A-Z2-7]+)"', setup.text)
    assert secret
    key = secret.group(1)
    assert " ".join(key[i : i + 4] for i in range(0, len(key), 4)) in setup.text
    assert 'href="otpauth://totp/Dzinza:owner%40example.org?secret=' in setup.text
    assert "<svg" in setup.text and '<path d="M' in setup.text
    assert owner.get("/auth/me")["two_factor"] is False  # not until a code proves the app

    form = {"csrf": csrf_of(setup), "secret": key, "uri": f"otpauth://totp/Dzinza?secret={key}"}
    refused = owner_web.post("/account/two-factor/enable", data={**form, "code": "000000"})
    if refused.status_code != 200:  # 000000 could, once in a million, be the right code
        assert refused.status_code == 422 and field_error(refused, "enable-code")
        assert "The code is not right" in refused.text
        assert key in refused.text  # the key is still there to try again
    # A key or link the page did not make is not shown back.
    forged = {**form, "uri": "javascript:alert(1)", "code": "12"}
    assert "javascript:" not in owner_web.post("/account/two-factor/enable", data=forged).text

    on = owner_web.post("/account/two-factor/enable", data={**form, "code": pyotp.TOTP(key).now()})
    assert on.status_code == 200 and "Two-factor sign-in is on" in on.text
    codes = re.findall(r"<li><code>([a-z2-9]{5}-[a-z2-9]{5})</code></li>", on.text)
    assert len(set(codes)) == 10
    clean(on)
    me = owner.get("/auth/me")
    assert me["two_factor"] is True and me["recovery_codes_left"] == 10
    assert "Two-factor sign-in: on (10 recovery codes left)" in owner_web.get("/account").text

    fresh = post_form(
        owner_web,
        "/account",
        "/account/two-factor/recovery-codes",
        {"password": PASSWORD, "code": codes[0]},
    )
    assert fresh.status_code == 200 and "Your new recovery codes" in fresh.text
    new_codes = re.findall(r"<li><code>([a-z2-9]{5}-[a-z2-9]{5})</code></li>", fresh.text)
    assert len(new_codes) == 10 and not set(new_codes) & set(codes)
    assert owner.get("/auth/me")["recovery_codes_left"] == 10

    old = post_form(
        owner_web,
        "/account",
        "/account/two-factor/disable",
        {"password": PASSWORD, "code": codes[1]},
    )
    assert old.status_code == 401 and "Wrong password or code" in old.text
    off = post_form(
        owner_web,
        "/account",
        "/account/two-factor/disable",
        {"password": PASSWORD, "code": new_codes[0]},
    )
    assert off.status_code == 303 and off.headers["location"].startswith("/account?done=two-")
    assert owner.get("/auth/me")["two_factor"] is False
    assert "Two-factor sign-in is off." in owner_web.get(off.headers["location"]).text


def test_the_qr_code_is_a_path_of_whole_modules() -> None:
    drawn = qr_code("otpauth://totp/Dzinza:a%40b.org?secret=JBSWY3DPEHPK3PXP&issuer=Dzinza")
    modules = drawn["size"] - 8  # the quiet zone: 4 modules on each side
    assert modules >= 21 and (modules - 21) % 4 == 0  # the side of a QR code of some version
    assert re.fullmatch(r"(M\d+ \d+h\d+v1h-\d+z)+", drawn["path"])


def test_sign_ins_and_personal_tokens(
    owner_web: TestClient, owner: Api, platform: Platform
) -> None:
    with TestClient(create_app(platform)) as other:
        sign_in_web(other, OWNER_EMAIL)
        page = owner_web.get("/account")
        clean(page)
        ends = re.findall(r'action="/account/sessions/([0-9a-f-]{36})/end"', page.text)
        assert len(ends) == 1 and page.text.count("This browser") == 1  # the other one
        done = post_form(owner_web, "/account", f"/account/sessions/{ends[0]}/end", {})
        assert done.headers["location"] == "/account?done=session#sessions"
        assert other.get("/account", follow_redirects=False).status_code == 303
    unknown = post_form(owner_web, "/account", f"/account/sessions/{uuid.uuid4()}/end", {})
    assert unknown.status_code == 404 and "no web sign-in" in unknown.text
    assert post_form(owner_web, "/account", "/account/sessions/nonsense/end", {}).status_code == 404

    nameless = post_form(owner_web, "/account", "/account/tokens", {"name": " ", "scopes": "read"})
    assert nameless.status_code == 422 and field_error(nameless, "token-name")
    admin = post_form(
        owner_web, "/account", "/account/tokens", {"name": "x", "scopes": "read write admin"}
    )
    assert admin.status_code == 403 and "site admin" in admin.text
    made = post_form(
        owner_web,
        "/account",
        "/account/tokens",
        {"name": "Backup script", "scopes": "read write", "expires_in_days": "30"},
    )
    assert made.status_code == 200 and made.headers["cache-control"] == "no-store"
    secret = re.search(r'id="new-token-value">(dzp_[\w-]+)<', made.text)
    assert secret
    by_token = Api(owner_web, secret.group(1))
    listed = owner.get("/auth/tokens")["items"]
    assert [(t["name"], t["scopes"]) for t in listed] == [("Backup script", ["read", "write"])]
    assert listed[0]["expires_at"] is not None
    assert by_token.get("/trees")["items"] == []
    page = owner_web.get("/account")
    assert "Backup script" in page.text and "Read and change" in page.text
    assert secret.group(1) not in page.text  # shown once only
    revoked = post_form(owner_web, "/account", f"/account/tokens/{listed[0]['id']}/revoke", {})
    assert revoked.headers["location"] == "/account?done=token#tokens"
    by_token.get("/trees", expect=401)

    everywhere = post_form(owner_web, "/account", "/account/sessions/end-all", {})
    assert everywhere.headers["location"] == "/signin?done=everywhere"
    assert 'dzinza_session=""' in everywhere.headers["set-cookie"]
    owner.get("/auth/me", expect=401)
    assert "signed out everywhere" in owner_web.get("/signin?done=everywhere").text
    assert owner_web.get("/account", follow_redirects=False).status_code == 303


def test_downloading_a_copy_of_ones_data(owner_web: TestClient, owner: Api) -> None:
    owner.post("/trees", {"name": "Moyo family", "visibility": "private"})
    sent = post_form(owner_web, "/account", "/account/export", {})
    assert sent.status_code == 200 and sent.headers["content-type"] == "application/zip"
    assert "attachment" in sent.headers["content-disposition"]
    assert sent.headers["cache-control"] == "no-store"
    archive = zipfile.ZipFile(io.BytesIO(sent.content))
    assert archive.namelist() and b"Moyo family" in b"".join(
        archive.read(name) for name in archive.namelist()
    )


def test_accepting_the_terms_in_force(owner_web: TestClient, owner: Api) -> None:
    page = owner_web.get("/account")  # made by the command line: no consent recorded
    assert "I accept them" in page.text
    done = post_form(
        owner_web, "/account", "/account/consent", {"terms": "2026-11", "privacy": "2026-11"}
    )
    assert done.headers["location"] == "/account?done=consent#data"
    current = owner.get("/account/consents")["current"]
    assert current["terms"]["accepted"] and current["privacy"]["accepted"]
    assert "I accept them" not in owner_web.get("/account").text
    old = post_form(owner_web, "/account", "/account/consent", {"terms": "1999-01"})
    assert old.status_code == 422 and "current version" in old.text


def test_deleting_the_account_and_changing_ones_mind(
    owner_web: TestClient, owner: Api, platform: Platform
) -> None:
    tree = owner.post("/trees", {"name": "Moyo family", "visibility": "private"})
    add_member(platform, tree["id"], "heir@example.org", "editor")
    heir = api_of(owner_web, platform, "heir@example.org").get("/auth/me")["id"]
    page = owner_web.get("/account/delete")
    assert page.status_code == 200 and "Moyo family" in page.text
    assert "Hand it over to heir@example.org" in page.text and "30 days" in page.text
    clean(page)

    field = f"tree-{tree['id']}"
    wrong = post_form(
        owner_web, "/account/delete", "/account/delete", {field: heir, "password": "nope"}
    )
    assert wrong.status_code == 401 and "wrong" in field_error(wrong, "delete-password")
    assert f'value="{heir}" selected' in wrong.text  # the plan is kept
    nonsense = post_form(
        owner_web, "/account/delete", "/account/delete", {field: "x", "password": PASSWORD}
    )
    assert nonsense.status_code == 422 and field_error(nonsense, f"delete-{field}")

    done = post_form(
        owner_web, "/account/delete", "/account/delete", {field: heir, "password": PASSWORD}
    )
    assert done.status_code == 303 and done.headers["location"] == "/signin?done=deletion"
    assert 'dzinza_session=""' in done.headers["set-cookie"]
    assert "deleted in 30 days" in owner_web.get(done.headers["location"]).text
    owner.get("/auth/me", expect=401)  # signed out everywhere
    me = api_of(owner_web, platform)
    scheduled = me.get("/account")["deletion"]
    assert scheduled["plan"]["transfer_to"] == {tree["id"]: heir}

    sign_in_web(owner_web, OWNER_EMAIL)  # allowed during the grace period, to cancel
    account = owner_web.get("/account")
    assert "Keep my account" in account.text and "Delete my account…" not in account.text
    kept = post_form(owner_web, "/account", "/account/delete/cancel", {})
    assert kept.headers["location"] == "/account?done=deletion-cancelled#deletion"
    assert me.get("/account")["deletion"] is None
    again = post_form(owner_web, "/account", "/account/delete/cancel", {})
    assert again.status_code == 409 and "No deletion" in again.text


# -- the service methods the pages added ---------------------------------------------------------
def test_one_cannot_list_or_end_another_accounts_sign_ins(
    owner_web: TestClient, platform: Platform
) -> None:
    make_user(platform, "stranger@example.org")
    owner_id = uuid.UUID(api_of(owner_web, platform).get("/auth/me")["id"])
    owner = Actor(user_id=owner_id, email=OWNER_EMAIL)
    session = owner_web.cookies["dzinza_session"]
    listed = platform.users.tokens.sessions(owner, session)
    assert [s["current"] for s in listed] == [True]
    stranger = platform.users.actor_for_token(
        platform.users.token_for_email("stranger@example.org")["access_token"]
    )
    assert platform.users.tokens.sessions(stranger, session) == []
    with pytest.raises(NotFound):
        platform.users.tokens.end_session(stranger, uuid.UUID(listed[0]["id"]))
    assert owner_web.get("/account").status_code == 200
    with pytest.raises(Conflict):  # two-factor is off: there are no codes to replace
        platform.users.twofactor.new_recovery_codes(owner, PASSWORD, "123456")
    platform.users.tokens.end_session(owner, uuid.UUID(listed[0]["id"]))
    assert owner_web.get("/account", follow_redirects=False).status_code == 303
    with pytest.raises(AuthenticationRequired):
        platform.users.tokens.sessions(Actor())
