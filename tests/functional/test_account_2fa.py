"""Two-factor sign-in over HTTP: setup and enabling with a TOTP code, the sign-in challenge,
codes good once, recovery codes, back-off on wrong codes, and turning it off."""

from __future__ import annotations

from typing import Any

import pyotp

from tests.conftest import Api
from tests.doubles import FakeClock
from tests.functional.test_accounts import GOOD, login, register, signed_in


def code(secret: str, clock: FakeClock) -> str:
    return pyotp.TOTP(secret).at(clock.now())


def wrong_code(secret: str, clock: FakeClock) -> str:
    """A code that matches no step the server accepts now (the one before, now, the next)."""
    totp = pyotp.TOTP(secret)
    near = {totp.at(clock.now(), counter_offset=i) for i in (-1, 0, 1)}
    return next(f"{n:06d}" for n in range(1_000_000) if f"{n:06d}" not in near)


def with_two_factor(api: Api, clock: FakeClock) -> tuple[Api, str, list[str]]:
    """A registered, signed-in user with two-factor on: (client, secret, recovery codes)."""
    register(api)
    me = signed_in(api, login(api))
    secret = me.post("/auth/2fa/setup", {"password": GOOD}, expect=200)["secret"]
    codes = me.post("/auth/2fa/enable", {"code": code(secret, clock)}, expect=200)
    clock.advance(seconds=30)  # the enabling code is used up; the next step's code is fresh
    return me, secret, codes["recovery_codes"]


def second_step(api: Api, challenge: str, value: str, expect: int = 200) -> Any:
    return api.post("/auth/login/2fa", {"challenge": challenge, "code": value}, expect=expect)


def test_setup_enable_and_sign_in_with_a_code(api: Api, clock: FakeClock) -> None:
    register(api)
    me = signed_in(api, login(api))
    assert "setup" in me.post("/auth/2fa/enable", {"code": "123456"}, expect=422)["detail"]
    # Turning two-factor on decides who can sign in: a token alone is not enough to start.
    me.post("/auth/2fa/setup", {}, expect=422)
    me.post("/auth/2fa/setup", {"password": "not my password"}, expect=401)
    setup = me.post("/auth/2fa/setup", {"password": GOOD}, expect=200)
    secret = setup["secret"]
    assert setup["otpauth_uri"].startswith("otpauth://totp/Dzinza:rudo%40example.org?")
    assert f"secret={secret}" in setup["otpauth_uri"] and "issuer=Dzinza" in setup["otpauth_uri"]
    assert "access_token" in login(api)  # not on until a code proves the app has the secret
    wrong = me.post("/auth/2fa/enable", {"code": wrong_code(secret, clock)}, expect=422)
    assert "not right" in wrong["detail"]
    right = code(secret, clock)
    recovery = me.post("/auth/2fa/enable", {"code": right}, expect=200)["recovery_codes"]
    assert len(set(recovery)) == 10 and all(len(c) == 11 and c[5] == "-" for c in recovery)
    account = me.get("/auth/me")
    assert account["two_factor"] is True and account["recovery_codes_left"] == 10
    me.post("/auth/2fa/setup", {"password": GOOD}, expect=409)
    me.post("/auth/2fa/enable", {"code": right}, expect=409)

    step = login(api)
    assert step["mfa_required"] is True and "access_token" not in step
    # The code that enabled two-factor was used: the same code cannot sign in.
    assert second_step(api, step["challenge"], right, 401)["detail"] == "Wrong code."
    clock.advance(seconds=30)
    fresh = code(secret, clock)
    tokens = second_step(api, step["challenge"], fresh)
    signed_in(api, tokens).get("/auth/me")
    assert "expired" in second_step(api, step["challenge"], fresh, 401)["detail"]
    # A code signs in once: another sign-in in the same 30 seconds needs the next code.
    again = login(api)
    second_step(api, again["challenge"], fresh, 401)
    clock.advance(seconds=30)
    second_step(api, again["challenge"], code(secret, clock))


def test_recovery_codes_sign_in_once_each(api: Api, clock: FakeClock) -> None:
    _, _, recovery = with_two_factor(api, clock)
    typed = " " + recovery[0].upper().replace("-", " ") + " "
    tokens = second_step(api, login(api)["challenge"], typed)
    assert signed_in(api, tokens).get("/auth/me")["recovery_codes_left"] == 9
    second_step(api, login(api)["challenge"], recovery[0], 401)
    second_step(api, login(api)["challenge"], "abcde-fghjk", 401)
    second_step(api, login(api)["challenge"], recovery[1])


def test_challenges_expire_and_are_bound_to_their_purpose(api: Api, clock: FakeClock) -> None:
    _, secret, _ = with_two_factor(api, clock)
    challenge = login(api)["challenge"]
    clock.advance(minutes=6)
    assert "expired" in second_step(api, challenge, code(secret, clock), 401)["detail"]
    second_step(api, "x" * 43, code(secret, clock), 401)
    api.post("/auth/login/2fa", {"challenge": challenge}, expect=422)


def test_wrong_codes_lock_the_account_and_the_password_does_not_unlock_it(
    api: Api, clock: FakeClock
) -> None:
    _, secret, _ = with_two_factor(api, clock)
    for _ in range(2):
        challenge = login(api)["challenge"]  # a right password between the guesses...
        for _ in range(3):
            second_step(api, challenge, wrong_code(secret, clock), 401)
    # ...did not reset the count: six wrong codes lock the account.
    r = api.client.post(
        "/api/v1/auth/login/2fa", json={"challenge": challenge, "code": code(secret, clock)}
    )
    assert r.status_code == 429 and int(r.headers["Retry-After"]) > 0
    login(api, expect=429)
    clock.advance(minutes=2)
    second_step(api, login(api)["challenge"], code(secret, clock))


def test_the_second_step_counts_with_sign_in_attempts_from_an_address(api: Api) -> None:
    for _ in range(20):
        second_step(api, "x" * 43, "123456", 401)
    assert "sign-in attempts" in second_step(api, "x" * 43, "123456", 429)["detail"]


def test_turning_two_factor_off_needs_the_password_and_a_code(api: Api, clock: FakeClock) -> None:
    me, secret, recovery = with_two_factor(api, clock)
    personal = me.post("/auth/tokens", {"name": "ci", "scopes": ["read", "write"]})["token"]
    Api(api.client, personal).post("/auth/2fa/disable", {}, expect=422)
    body = {"password": GOOD, "code": recovery[0]}
    Api(api.client, personal).post("/auth/2fa/disable", body, expect=403)
    Api(api.client, personal).post("/auth/2fa/setup", {"password": GOOD}, expect=403)
    me.post("/auth/2fa/disable", {**body, "password": "not my password"}, expect=401)
    me.post("/auth/2fa/disable", {**body, "code": wrong_code(secret, clock)}, expect=401)
    me.post("/auth/2fa/disable", body, expect=204)
    assert me.get("/auth/me")["two_factor"] is False
    assert "access_token" in login(api)
    me.post("/auth/2fa/disable", body, expect=409)
    # Set up again: a new secret, new recovery codes; the old ones are gone.
    secret = me.post("/auth/2fa/setup", {"password": GOOD}, expect=200)["secret"]
    me.post("/auth/2fa/enable", {"code": code(secret, clock)}, expect=200)
    second_step(api, login(api)["challenge"], recovery[1], 401)
