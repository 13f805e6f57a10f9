"""Account mail over HTTP: the verification link sent at registration, password reset (without
telling which emails have accounts), password change and email change."""

from __future__ import annotations

from tests.conftest import Api
from tests.doubles import FakeClock, Inbox
from tests.functional.test_accounts import GOOD, login, register, signed_in

NEW = "baobab thunder kettle 77"


def test_registration_mails_a_link_that_confirms_the_address_once(api: Api, inbox: Inbox) -> None:
    assert register(api)["email_verified"] is False
    [(_, subject, text)] = inbox.to("rudo@example.org")
    assert "Confirm your email" in subject and "https://dzinza.test/verify-email?token=" in text
    me = signed_in(api, login(api))
    assert me.get("/auth/me")["email_verified"] is False
    token = inbox.token("rudo@example.org", "verify-email")
    done = api.post("/auth/verify-email", {"token": token}, expect=200)
    assert done["email_verified"] is True and done["email"] == "rudo@example.org"
    assert "already used" in api.post("/auth/verify-email", {"token": token}, expect=422)["detail"]
    assert me.get("/auth/me")["email_verified"] is True
    api.post("/auth/verify-email", {"token": "x" * 43}, expect=422)
    api.post("/auth/verify-email", {}, expect=422)
    assert "already" in me.post("/auth/verify-email/resend", {}, expect=409)["detail"]


def test_a_new_verification_link_replaces_the_old_and_links_expire(
    api: Api, inbox: Inbox, clock: FakeClock
) -> None:
    register(api)
    me = signed_in(api, login(api))
    first = inbox.token("rudo@example.org", "verify-email")
    me.post("/auth/verify-email/resend", {}, expect=202)
    second = inbox.token("rudo@example.org", "verify-email")
    assert second != first
    assert "not valid" in api.post("/auth/verify-email", {"token": first}, expect=422)["detail"]
    clock.advance(days=3)
    assert "expired" in api.post("/auth/verify-email", {"token": second}, expect=422)["detail"]
    # Asking again is limited per account.
    me = signed_in(api, login(api))
    for _ in range(5):
        me.post("/auth/verify-email/resend", {}, expect=202)
    me.post("/auth/verify-email/resend", {}, expect=429)
    api.post("/auth/verify-email/resend", {}, expect=401)


def test_reset_requests_answer_alike_whether_or_not_the_account_exists(
    api: Api, inbox: Inbox
) -> None:
    register(api)
    known = api.post("/auth/password-reset", {"email": "Rudo@Example.org"}, expect=202)
    unknown = api.post("/auth/password-reset", {"email": "nobody@example.org"}, expect=202)
    assert known == unknown
    assert inbox.to("nobody@example.org") == []
    assert "reset-password?token=" in inbox.to("rudo@example.org")[-1][2]
    api.post("/auth/password-reset", {"email": "not an email"}, expect=422)


def test_a_reset_sets_the_password_and_ends_every_sign_in_and_token(api: Api, inbox: Inbox) -> None:
    register(api)
    session = login(api)
    personal = signed_in(api, session).post("/auth/tokens", {"name": "script", "scopes": ["read"]})[
        "token"
    ]
    api.post("/auth/password-reset", {"email": "rudo@example.org"}, expect=202)
    token = inbox.token("rudo@example.org", "reset-password")
    # A refused password leaves the link usable.
    weak = {"token": token, "new_password": "password123"}
    assert "common" in api.post("/auth/password-reset/confirm", weak, expect=422)["detail"]
    api.post("/auth/password-reset/confirm", {"token": token, "new_password": NEW}, expect=204)
    signed_in(api, session).get("/auth/me", expect=401)
    api.post("/auth/refresh", {"refresh_token": session["refresh_token"]}, expect=401)
    Api(api.client, personal).get("/auth/me", expect=401)
    login(api, expect=401)
    assert signed_in(api, login(api, password=NEW)).get("/auth/me")["email_verified"] is True
    again = {"token": token, "new_password": "another fine sentence 9"}
    assert "already used" in api.post("/auth/password-reset/confirm", again, expect=422)["detail"]
    assert "was changed" in inbox.to("rudo@example.org")[-1][1]


def test_reset_links_expire_after_an_hour(api: Api, inbox: Inbox, clock: FakeClock) -> None:
    register(api)
    api.post("/auth/password-reset", {"email": "rudo@example.org"}, expect=202)
    token = inbox.token("rudo@example.org", "reset-password")
    clock.advance(minutes=61)
    body = {"token": token, "new_password": NEW}
    assert "expired" in api.post("/auth/password-reset/confirm", body, expect=422)["detail"]
    login(api)


def test_a_reset_unlocks_an_account_locked_by_failed_sign_ins(api: Api, inbox: Inbox) -> None:
    register(api)
    for _ in range(6):
        login(api, password="not the password at all", expect=401)
    login(api, expect=429)
    api.post("/auth/password-reset", {"email": "rudo@example.org"}, expect=202)
    token = inbox.token("rudo@example.org", "reset-password")
    api.post("/auth/password-reset/confirm", {"token": token, "new_password": NEW}, expect=204)
    login(api, password=NEW)


def test_reset_requests_are_limited_per_address_and_per_email(api: Api, inbox: Inbox) -> None:
    register(api)
    for _ in range(5):
        api.post("/auth/password-reset", {"email": "rudo@example.org"}, expect=202)
    # Three links an hour reach one inbox; the rest are dropped without a different answer.
    assert sum("reset-password" in text for _, _, text in inbox.to("rudo@example.org")) == 3
    for i in range(5):
        api.post("/auth/password-reset", {"email": f"x{i}@example.org"}, expect=202)
    r = api.client.post("/api/v1/auth/password-reset", json={"email": "rudo@example.org"})
    assert r.status_code == 429 and int(r.headers["Retry-After"]) > 0


def test_changing_the_password_needs_the_current_one_and_ends_other_sign_ins(
    api: Api, inbox: Inbox
) -> None:
    register(api)
    phone, laptop = login(api), login(api)
    personal = signed_in(api, laptop).post(
        "/auth/tokens", {"name": "backup", "scopes": ["read", "write"]}
    )["token"]
    me = signed_in(api, phone)
    wrong = {"current_password": "not my password", "new_password": NEW}
    assert "wrong" in me.post("/auth/password", wrong, expect=401)["detail"]
    weak = {"current_password": GOOD, "new_password": "rudo example"}
    me.post("/auth/password", weak, expect=422)
    # A personal access token cannot change the password, even with the write scope.
    body = {"current_password": GOOD, "new_password": NEW}
    assert (
        "personal access token"
        in (Api(api.client, personal).post("/auth/password", body, expect=403)["detail"])
    )
    me.post("/auth/password", body, expect=204)
    me.get("/auth/me")
    api.post("/auth/refresh", {"refresh_token": phone["refresh_token"]}, expect=200)
    signed_in(api, laptop).get("/auth/me", expect=401)
    api.post("/auth/refresh", {"refresh_token": laptop["refresh_token"]}, expect=401)
    Api(api.client, personal).get("/auth/me")
    login(api, expect=401)
    login(api, password=NEW)
    assert "was changed" in inbox.to("rudo@example.org")[-1][1]
    api.post("/auth/password", body, expect=401)


def test_changing_the_email_is_confirmed_from_the_new_address(api: Api, inbox: Inbox) -> None:
    register(api)
    register(api, email="chipo@example.org")
    api.post("/auth/password-reset", {"email": "rudo@example.org"}, expect=202)
    old_reset = inbox.token("rudo@example.org", "reset-password")
    me = signed_in(api, login(api))
    change = {"password": GOOD, "new_email": "rudo.moyo@example.org"}
    me.post("/auth/email", {**change, "password": "not my password"}, expect=401)
    me.post("/auth/email", {**change, "new_email": "chipo@example.org"}, expect=409)
    me.post("/auth/email", {**change, "new_email": "not-an-email"}, expect=422)
    me.post("/auth/email", change, expect=202)
    assert me.get("/auth/me")["email"] == "rudo@example.org"
    token = inbox.token("rudo.moyo@example.org", "confirm-email")
    done = api.post("/auth/email/confirm", {"token": token}, expect=200)
    assert done["email"] == "rudo.moyo@example.org" and done["email_verified"] is True
    assert "was changed" in inbox.to("rudo@example.org")[-1][1]
    login(api, expect=401)
    login(api, email="rudo.moyo@example.org")
    api.post("/auth/email/confirm", {"token": token}, expect=422)
    # The reset link went to the old address: it died with it.
    body = {"token": old_reset, "new_password": NEW}
    api.post("/auth/password-reset/confirm", body, expect=422)
    # The new address can be taken in the meantime: the confirmation then refuses.
    me = signed_in(api, login(api, email="chipo@example.org"))
    me.post("/auth/email", {"password": GOOD, "new_email": "taken@example.org"}, expect=202)
    register(api, email="taken@example.org")
    token = inbox.token("taken@example.org", "confirm-email")
    api.post("/auth/email/confirm", {"token": token}, expect=409)


def test_links_presented_from_one_address_are_limited(api: Api) -> None:
    for i in range(30):
        path = ("/auth/verify-email", "/auth/email/confirm")[i % 2]
        api.post(path, {"token": f"{i:02d}" + "x" * 41}, expect=422)
    body = {"token": "x" * 43, "new_password": NEW}
    assert "links" in api.post("/auth/password-reset/confirm", body, expect=429)["detail"]
