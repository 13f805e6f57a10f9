"""Security events of accounts reach the hash-chained audit log: who (the owner, or nobody for a
failed sign-in), on which account, from which address, and never an email address."""

from __future__ import annotations

import uuid
from typing import Any

import pyotp

from dzinza.services import audit
from dzinza.services.platform import Platform
from tests.conftest import Api
from tests.doubles import FakeClock, Inbox
from tests.functional.test_accounts import GOOD, login, register, signed_in

NEW = "baobab thunder kettle 77"


def entries(platform: Platform) -> list[dict[str, Any]]:
    with platform.store.read() as tx:
        return tx.audit_entries(after_seq=0, limit=1000)


def test_security_events_are_audited(
    api: Api, platform: Platform, clock: FakeClock, inbox: Inbox
) -> None:
    user = uuid.UUID(register(api)["id"])
    for _ in range(6):
        login(api, password="a wrong guess", expect=401)
    login(api, email="nobody@example.org", password="a wrong guess", expect=401)
    clock.advance(minutes=2)
    me = signed_in(api, login(api))
    made = me.post("/auth/tokens", {"name": "ci", "scopes": ["read"]})
    me.delete(f"/auth/tokens/{made['id']}")
    secret = me.post("/auth/2fa/setup", {"password": GOOD}, expect=200)["secret"]
    me.post("/auth/2fa/enable", {"code": pyotp.TOTP(secret).at(clock.now())}, expect=200)
    clock.advance(seconds=30)
    disable = {"password": GOOD, "code": pyotp.TOTP(secret).at(clock.now())}
    me.post("/auth/2fa/disable", disable, expect=204)
    me.post("/auth/password", {"current_password": GOOD, "new_password": NEW}, expect=204)
    api.post("/auth/verify-email", {"token": inbox.token("rudo@example.org", "verify-email")}, 200)
    me.post("/auth/email", {"password": NEW, "new_email": "rudo.moyo@example.org"}, expect=202)
    token = inbox.token("rudo.moyo@example.org", "confirm-email")
    api.post("/auth/email/confirm", {"token": token}, expect=200)
    api.post("/auth/password-reset", {"email": "rudo.moyo@example.org"}, expect=202)
    token = inbox.token("rudo.moyo@example.org", "reset-password")
    api.post("/auth/password-reset/confirm", {"token": token, "new_password": GOOD}, expect=204)
    platform.users.set_admin("rudo.moyo@example.org", True)

    log = entries(platform)
    mine = [(e["action"], e["actor_id"]) for e in log if e["target_id"] == user]
    owner, nobody = user, None
    assert mine == [
        *[("account.sign_in_failed", nobody)] * 6,
        ("account.locked", nobody),
        ("account.signed_in", owner),
        ("account.token_created", owner),
        ("account.token_revoked", owner),
        ("account.two_factor_enabled", owner),
        ("account.two_factor_disabled", owner),
        ("account.password_changed", owner),
        ("account.email_verified", owner),
        ("account.email_change_requested", owner),
        ("account.email_changed", owner),
        ("account.password_reset_requested", nobody),
        ("account.password_reset", owner),
        ("admin.promote", nobody),
    ]
    # The failure on an unknown account is there too, pointing at no account.
    assert [e["action"] for e in log if e["target_id"] is None] == ["account.sign_in_failed"]
    assert {e["ip"] for e in log} == {"testclient", "cli"}
    assert not any("@" in str(e["detail"]) for e in log)
    assert audit.verify(platform.store).intact
