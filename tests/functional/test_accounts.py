"""Accounts over HTTP: registration with a password policy, sign-in with rotating refresh tokens
(reuse revokes the family), sign-out here and everywhere, back-off and rate limits (429)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from fastapi.testclient import TestClient

from dzinza.services.platform import Platform
from tests.conftest import Api
from tests.doubles import FakeClock

GOOD = "kraal mopane sunrise 42"


def register(
    api: Api, email: str = "rudo@example.org", password: str = GOOD, expect: int = 201
) -> Any:
    return api.post(
        "/auth/register",
        {"email": email, "password": password, "accept_terms": True},
        expect=expect,
    )


def signed_in(api: Api, tokens: dict[str, Any]) -> Api:
    return Api(api.client, tokens["access_token"])


def login(
    api: Api, email: str = "rudo@example.org", password: str = GOOD, expect: int = 200
) -> Any:
    return api.post("/auth/login", {"email": email, "password": password}, expect=expect)


def platform_of(api: Api) -> Platform:
    platform: Platform = api.client.app.state.platform  # type: ignore[attr-defined]
    return platform


def test_register_refuses_weak_passwords_with_a_reason(api: Api) -> None:
    assert "at least 10" in register(api, password="short", expect=422)["detail"]
    assert "common password" in register(api, password="password123", expect=422)["detail"]
    assert "errors" in register(api, password="qwertyuiop12", expect=422)
    body = {"email": "rudo@example.org", "password": GOOD}
    assert "terms" in api.post("/auth/register", body, expect=422)["detail"]
    register(api, email="not-an-email", expect=422)
    made = register(api)
    assert made["email"] == "rudo@example.org"
    assert "already" in register(api, email="RUDO@example.org", expect=409)["detail"]


def test_login_refresh_and_reuse_revokes_the_family(api: Api) -> None:
    register(api)
    first = api.post("/auth/login", {"email": "rudo@example.org", "password": GOOD}, expect=200)
    assert first["expires_in"] == 900 and first["refresh_token"]
    signed_in(api, first).post("/trees", {"name": "Mine"})
    second = api.post("/auth/refresh", {"refresh_token": first["refresh_token"]}, expect=200)
    assert second["refresh_token"] != first["refresh_token"]
    signed_in(api, second).get("/trees")
    # The first refresh token again: a replay. That whole sign-in ends.
    problem = api.post("/auth/refresh", {"refresh_token": first["refresh_token"]}, expect=401)
    assert "already used" in problem["detail"]
    signed_in(api, second).get("/trees", expect=401)
    api.post("/auth/refresh", {"refresh_token": second["refresh_token"]}, expect=401)


def test_access_and_refresh_tokens_expire(api: Api, clock: FakeClock) -> None:
    register(api)
    tokens = api.post("/auth/login", {"email": "rudo@example.org", "password": GOOD}, expect=200)
    clock.advance(minutes=16)
    signed_in(api, tokens).get("/trees", expect=401)
    fresh = api.post("/auth/refresh", {"refresh_token": tokens["refresh_token"]}, expect=200)
    signed_in(api, fresh).get("/trees")
    clock.advance(days=31)
    assert (
        "expired"
        in api.post("/auth/refresh", {"refresh_token": fresh["refresh_token"]}, expect=401)[
            "detail"
        ]
    )


def test_logout_here_and_everywhere(api: Api) -> None:
    register(api)
    creds = {"email": "rudo@example.org", "password": GOOD}
    phone, laptop = (api.post("/auth/login", creds, expect=200) for _ in range(2))
    signed_in(api, phone).post("/auth/logout", {}, expect=204)
    signed_in(api, phone).get("/trees", expect=401)
    api.post("/auth/refresh", {"refresh_token": phone["refresh_token"]}, expect=401)
    signed_in(api, laptop).get("/trees")
    tablet = api.post("/auth/login", creds, expect=200)
    signed_in(api, tablet).post("/auth/logout-all", {}, expect=204)
    for tokens in (laptop, tablet):
        signed_in(api, tokens).get("/trees", expect=401)
        api.post("/auth/refresh", {"refresh_token": tokens["refresh_token"]}, expect=401)
    api.post("/auth/logout-all", {}, expect=401)


def test_failed_sign_ins_back_off_per_account(api: Api, clock: FakeClock) -> None:
    register(api)
    register(api, email="chipo@example.org")
    wrong = {"email": "rudo@example.org", "password": "not the password at all"}
    for _ in range(6):
        api.post("/auth/login", wrong, expect=401)
    r = api.client.post("/api/v1/auth/login", json={"email": "rudo@example.org", "password": GOOD})
    assert r.status_code == 429 and r.headers["content-type"] == "application/problem+json"
    assert 1 <= int(r.headers["Retry-After"]) <= 60
    # Another account from the same address is not locked.
    api.post("/auth/login", {"email": "chipo@example.org", "password": GOOD}, expect=200)
    clock.advance(minutes=2)
    api.post("/auth/login", {"email": "rudo@example.org", "password": GOOD}, expect=200)
    # A success clears the account's count.
    api.post("/auth/login", wrong, expect=401)
    api.post("/auth/login", {"email": "rudo@example.org", "password": GOOD}, expect=200)


def test_rate_limits_answer_429_with_retry_after(api: Api, clock: FakeClock) -> None:
    for i in range(10):
        register(api, email=f"user{i}@example.org")
    r = api.client.post(
        "/api/v1/auth/register",
        json={"email": "x@example.org", "password": GOOD, "accept_terms": True},
    )
    assert r.status_code == 429 and int(r.headers["Retry-After"]) > 0
    creds = {"email": "user1@example.org", "password": GOOD}
    for _ in range(20):
        api.post("/auth/login", creds, expect=200)
    assert "sign-in attempts" in api.post("/auth/login", creds, expect=429)["detail"]
    clock.advance(seconds=61)
    api.post("/auth/login", creds, expect=200)


def test_refresh_and_logout_refuse_nonsense(api: Api) -> None:
    api.post("/auth/refresh", {"refresh_token": "x" * 40}, expect=401)
    api.post("/auth/refresh", {}, expect=422)
    api.post("/auth/logout", {}, expect=422)


@contextmanager
def from_address(api: Api, address: str) -> Iterator[Api]:
    """The same app, reached from another client address."""
    with TestClient(api.client.app, client=(address, 5000), raise_server_exceptions=False) as c:
        yield Api(c)


def test_failed_sign_ins_back_off_per_address_too(api: Api, clock: FakeClock) -> None:
    register(api)
    with from_address(api, "203.0.113.7") as attacker:
        # One guess at each of many accounts: no account is locked, but the address is.
        for i in range(31):
            if i == 20:
                clock.advance(seconds=61)  # under the 20 sign-ins a minute of an address
            login(attacker, email=f"guess{i}@example.org", password="a wrong guess", expect=401)
        assert "failed sign-ins" in login(attacker, expect=429)["detail"]
        login(api)  # the account itself, from elsewhere, is fine
        clock.advance(minutes=2)
        login(attacker)


def test_an_account_locked_from_one_address_is_locked_from_every_address(api: Api) -> None:
    register(api)
    with from_address(api, "203.0.113.7") as attacker:
        for _ in range(6):
            login(attacker, password="a wrong guess", expect=401)
    login(api, expect=429)


def test_failure_counts_are_forgotten_after_a_day_without_failures(
    api: Api, clock: FakeClock
) -> None:
    register(api)
    for _ in range(5):
        login(api, password="a wrong guess", expect=401)
    clock.advance(hours=25)
    for _ in range(5):
        login(api, password="a wrong guess", expect=401)
    login(api)
