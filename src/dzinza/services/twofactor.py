"""Two-factor sign-in with TOTP (RFC 6238, any authenticator app) and one-use recovery codes.

Setting up stores a new secret; it is only switched on once the person proves their app shows
the right code, and that step hands out ten recovery codes (kept hashed). A code is accepted for
the 30 seconds before and after its own, and once only: the time step it matched is remembered
(as a one-time token) until it can no longer match.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import UTC, datetime
from typing import Any

import pyotp
from pyotp.exceptions import OTPVerificationError

from dzinza.domain.errors import N_, AuthenticationRequired, Conflict, ValidationFailed
from dzinza.ports import Clock, PasswordHasher, Row, StoreSession, TreeStore
from dzinza.services.common import Actor
from dzinza.services.limits import ACCOUNT_CHANGES_PER_USER, RateLimiter
from dzinza.services.security_log import security_event
from dzinza.services.tokens import hash_token, require_account

ISSUER = "Dzinza"
RECOVERY_CODES = 10
STEP_SECONDS = 30
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
"""No 0/o, 1/l/i: the codes are often copied by hand from paper."""


def new_recovery_code() -> str:
    chars = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(10))
    return f"{chars[:5]}-{chars[5:]}"


def _recovery_hash(code: str) -> str:
    # Recovery codes have about 49 bits of randomness and are single-use: SHA-256 suffices.
    folded = "".join(c for c in code.lower() if c.isalnum())
    return hashlib.sha256(f"recovery:{folded}".encode()).hexdigest()


def is_totp_code(code: str) -> bool:
    """Six digits: a TOTP code (recovery codes are ten characters)."""
    return len(code) == 6 and code.isdigit()


def check_totp(tx: StoreSession, user: Row, code: str, now: datetime) -> bool:
    """True once for a right code: the matched time step cannot be used again."""
    secret = user["totp_secret"]
    if not secret or not is_totp_code(code):
        return False
    try:
        step = pyotp.TOTP(secret).verify_and_get_timecode(code, for_time=now, valid_window=1)
    except OTPVerificationError:
        return False
    used = hash_token(f"totp-used:{user['id']}:{step}")
    if tx.one_time_by_hash(used) is not None:
        return False
    # The step can match until the end of the step after it; after that the mark can go.
    until = datetime.fromtimestamp((step + 2) * STEP_SECONDS, UTC)
    tx.drop_one_time(user["id"], [], now)
    tx.insert_one_time(user["id"], "totp_used", used, now, until)
    return True


def check_second_factor(tx: StoreSession, user: Row, code: str, now: datetime) -> bool:
    """A TOTP code or an unused recovery code (which is then used up)."""
    code = code.strip().replace(" ", "")
    if is_totp_code(code):
        return check_totp(tx, user, code, now)
    return bool(code) and tx.use_recovery_code(user["id"], _recovery_hash(code), now)


class TwoFactorService:
    def __init__(
        self, store: TreeStore, hasher: PasswordHasher, clock: Clock, limits: RateLimiter
    ) -> None:
        self.store = store
        self.hasher = hasher
        self.clock = clock
        self.limits = limits

    def _user(self, tx: StoreSession, user_id: uuid.UUID) -> Row:
        user = tx.user_by_id(user_id, lock=True)
        if user is None:
            raise AuthenticationRequired(N_("This account no longer exists."))
        return user

    def setup(self, actor: Actor, password: str, client: str = "") -> dict[str, Any]:
        """A new secret for the authenticator app (two-factor stays off until ``enable``).

        The password is asked for because whoever turns two-factor on decides who can sign in
        afterwards: a stolen access token alone must not be enough to lock the owner out.
        """
        user_id = require_account(actor)
        email = actor.email or ""
        self.limits.hit(
            f"account:user:{user_id}", ACCOUNT_CHANGES_PER_USER, "changes to your account"
        )
        self.limits.refuse_sign_in_if_blocked(email, client)
        secret = pyotp.random_base32()
        with self.store.write() as tx:
            user = self._user(tx, user_id)
            if user["totp_enabled_at"] is not None:
                raise Conflict(
                    N_("Two-factor sign-in is already on: turn it off first to reset it.")
                )
            right = self.hasher.verify(user["password_hash"], password)
            if right:
                tx.update_user(user_id, {"totp_secret": secret})
        if not right:
            self.limits.failed_sign_in(email, client)
            raise AuthenticationRequired(N_("The password is wrong."))
        uri = pyotp.TOTP(secret).provisioning_uri(name=user["email"], issuer_name=ISSUER)
        return {"secret": secret, "otpauth_uri": uri}

    def enable(self, actor: Actor, code: str, client: str = "") -> dict[str, Any]:
        """Switches two-factor on once the app's code is right; the recovery codes, shown once."""
        user_id = require_account(actor)
        self.limits.hit(
            f"account:user:{user_id}", ACCOUNT_CHANGES_PER_USER, "changes to your account"
        )
        now = self.clock.now()
        codes = [new_recovery_code() for _ in range(RECOVERY_CODES)]
        with self.store.write() as tx:
            user = self._user(tx, user_id)
            if user["totp_enabled_at"] is not None:
                raise Conflict(N_("Two-factor sign-in is already on."))
            if not user["totp_secret"]:
                raise ValidationFailed(
                    N_("Set two-factor sign-in up first (POST /auth/2fa/setup).")
                )
            if not check_totp(tx, user, code.strip(), now):
                raise ValidationFailed(
                    N_(
                        "The code is not right: type the 6 digits your app shows now, and check "
                        "that your phone's clock is set automatically."
                    ),
                    errors=[{"field": "code", "message": "wrong code"}],
                )
            tx.update_user(user_id, {"totp_enabled_at": now})
            tx.replace_recovery_codes(user_id, [_recovery_hash(c) for c in codes])
            security_event(tx, "two_factor_enabled", user_id, ip=client)
        return {"recovery_codes": codes}

    def disable(self, actor: Actor, password: str, code: str, client: str = "") -> None:
        """Switches two-factor off: the password and a code (or a recovery code) are needed."""
        user_id = require_account(actor)
        email = actor.email or ""
        self.limits.hit(
            f"account:user:{user_id}", ACCOUNT_CHANGES_PER_USER, "changes to your account"
        )
        self.limits.refuse_sign_in_if_blocked(email, client)
        now = self.clock.now()
        with self.store.write() as tx:
            user = self._user(tx, user_id)
            if user["totp_enabled_at"] is None:
                raise Conflict(N_("Two-factor sign-in is not on."))
            right = self.hasher.verify(user["password_hash"], password) and (
                check_second_factor(tx, user, code, now)
            )
            if right:
                tx.update_user(user_id, {"totp_secret": None, "totp_enabled_at": None})
                tx.replace_recovery_codes(user_id, [])
                tx.drop_one_time(user_id, ["totp_used", "mfa_challenge"], now)
                security_event(tx, "two_factor_disabled", user_id, ip=client)
        if not right:
            # Counted outside the transaction above, which had nothing to keep.
            self.limits.failed_sign_in(email, client)
            raise AuthenticationRequired(N_("Wrong password or code."))

    def new_recovery_codes(
        self, actor: Actor, password: str, code: str, client: str = ""
    ) -> dict[str, Any]:
        """Replaces the recovery codes with ten new ones (shown once): the password and a code
        from the app (or a recovery code) are needed, as for turning two-factor off."""
        user_id = require_account(actor)
        email = actor.email or ""
        self.limits.hit(
            f"account:user:{user_id}", ACCOUNT_CHANGES_PER_USER, "changes to your account"
        )
        self.limits.refuse_sign_in_if_blocked(email, client)
        now = self.clock.now()
        codes = [new_recovery_code() for _ in range(RECOVERY_CODES)]
        with self.store.write() as tx:
            user = self._user(tx, user_id)
            if user["totp_enabled_at"] is None:
                raise Conflict(N_("Two-factor sign-in is not on."))
            right = self.hasher.verify(user["password_hash"], password) and (
                check_second_factor(tx, user, code, now)
            )
            if right:
                tx.replace_recovery_codes(user_id, [_recovery_hash(c) for c in codes])
                security_event(tx, "recovery_codes_replaced", user_id, ip=client)
        if not right:
            self.limits.failed_sign_in(email, client)
            raise AuthenticationRequired(N_("Wrong password or code."))
        return {"recovery_codes": codes}
