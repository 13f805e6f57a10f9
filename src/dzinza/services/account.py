"""The account's own settings: email verification, password reset and change, email change.

Links sent by email carry one-time tokens (random, stored hashed, expiring, single use). A reset
request answers the same whether or not the address has an account, and the mail leaves on a
background thread, so neither the answer nor its timing tells. A reset ends every sign-in and
every personal access token (it is what someone does when their account may be in other hands);
a password change ends every other sign-in.
"""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from typing import Any

from dzinza.domain.errors import (
    N_,
    AuthenticationRequired,
    Conflict,
    TooManyRequests,
    ValidationFailed,
    said,
)
from dzinza.domain.languages import LANGUAGES
from dzinza.ports import Clock, PasswordHasher, Row, StoreSession, TreeStore
from dzinza.services.common import Actor
from dzinza.services.limits import (
    ACCOUNT_CHANGES_PER_USER,
    LINKS_PER_IP,
    MAIL_PER_USER,
    RESET_PER_EMAIL,
    RESET_PER_IP,
    RateLimiter,
)
from dzinza.services.mail import Outbox
from dzinza.services.passwords import password_problem
from dzinza.services.security_log import security_event
from dzinza.services.tokens import (
    aware,
    hash_token,
    issue_one_time,
    redeem_one_time,
    require_account,
)

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
VERIFY_TTL = timedelta(days=2)
RESET_TTL = timedelta(hours=1)
EMAIL_CHANGE_TTL = timedelta(days=1)


def normalise_email(email: str, field: str = "email") -> str:
    email = email.strip().lower()
    if not EMAIL.match(email) or len(email) > 320:
        raise ValidationFailed(
            said("'%(email)s' is not an email address.", email=email),
            errors=[{"field": field, "message": "not an email address"}],
        )
    return email


def email_hints(email: str) -> list[str]:
    """Words from the email that a password should not lean on."""
    local, _, domain = email.partition("@")
    return [email, local, *re.split(r"[._+-]", local), *domain.split(".")]


def check_password_policy(password: str, email: str, field: str = "password") -> None:
    problem = password_problem(password, hints=email_hints(email))
    if problem:
        raise ValidationFailed(problem, errors=[{"field": field, "message": problem}])


def account_view(user: Row, recovery_codes_left: int | None = None) -> dict[str, Any]:
    verified = user["email_verified_at"]
    view: dict[str, Any] = {
        "id": str(user["id"]),
        "email": user["email"],
        "is_admin": bool(user["is_admin"]),
        "email_verified": verified is not None,
        "email_verified_at": aware(verified).isoformat() if verified else None,
        "two_factor": user["totp_enabled_at"] is not None,
        "created_at": aware(user["created_at"]).isoformat(),
        "language": user.get("language"),
    }
    if recovery_codes_left is not None:
        view["recovery_codes_left"] = recovery_codes_left
    return view


class AccountService:
    def __init__(
        self,
        store: TreeStore,
        hasher: PasswordHasher,
        clock: Clock,
        limits: RateLimiter,
        outbox: Outbox,
        base_url: str,
    ) -> None:
        self.store = store
        self.hasher = hasher
        self.clock = clock
        self.limits = limits
        self.outbox = outbox
        self.base_url = base_url.rstrip("/")

    def _link(self, page: str, token: str) -> str:
        return f"{self.base_url}/{page}?token={token}"

    def me(self, actor: Actor) -> dict[str, Any]:
        if actor.user_id is None:
            raise AuthenticationRequired(N_("Sign in first."))
        with self.store.read() as tx:
            user = tx.user_by_id(actor.user_id)
            if user is None:
                raise AuthenticationRequired(N_("This account no longer exists."))
            left = tx.recovery_codes_left(user["id"]) if user["totp_enabled_at"] else None
        return account_view(user, left)

    def set_language(self, actor: Actor, language: str | None) -> dict[str, Any]:
        """The language pages are shown in for this account; None follows the browser."""
        user_id = require_account(actor)
        if language is not None and language not in LANGUAGES:
            problem = f"Choose one of {', '.join(LANGUAGES)}, or none to follow the browser."
            raise ValidationFailed(problem, errors=[{"field": "language", "message": problem}])
        with self.store.write() as tx:
            tx.update_user(user_id, {"language": language})
        return self.me(actor)

    # -- email verification -------------------------------------------------------------------
    def send_verification(self, user_id: uuid.UUID, email: str) -> None:
        now = self.clock.now()
        with self.store.write() as tx:
            token = issue_one_time(tx, user_id, "verify_email", now, VERIFY_TTL)
        self.outbox.post(
            email,
            "Confirm your email address for Dzinza",
            "Welcome to Dzinza.\n\n"
            "Open this link within 2 days to confirm that this address is yours:\n\n"
            f"{self._link('verify-email', token)}\n\n"
            "If you did not create an account, ignore this message.\n",
        )

    def resend_verification(self, actor: Actor) -> None:
        user_id = require_account(actor)
        with self.store.read() as tx:
            user = tx.user_by_id(user_id)
        if user is None:
            raise AuthenticationRequired(N_("This account no longer exists."))
        if user["email_verified_at"] is not None:
            raise Conflict(N_("Your email address is already confirmed."))
        self.limits.hit(f"mail:user:{user_id}", MAIL_PER_USER, "emails asked for")
        self.send_verification(user_id, user["email"])

    def verify_email(self, token: str, client: str) -> dict[str, Any]:
        self.limits.hit(f"links:ip:{client}", LINKS_PER_IP, "links opened from your address")
        now = self.clock.now()
        with self.store.write() as tx:
            row = redeem_one_time(tx, token, "verify_email", now)
            user = tx.user_by_id(row["user_id"], lock=True)
            assert user is not None  # the token's foreign key cascades on delete
            if user["email_verified_at"] is None:
                tx.update_user(user["id"], {"email_verified_at": now})
                user = {**user, "email_verified_at": now}
            security_event(tx, "email_verified", user["id"], ip=client)
        return account_view(user)

    # -- password reset -----------------------------------------------------------------------
    def request_reset(self, email: str, client: str) -> None:
        """Mails a reset link if the address has an account; says nothing either way."""
        self.limits.hit(f"reset:ip:{client}", RESET_PER_IP, "password reset requests")
        email = normalise_email(email)
        try:
            # Counted for every address, known or not, so the count tells nothing either.
            self.limits.hit(f"reset:email:{email}", RESET_PER_EMAIL, "reset requests")
        except TooManyRequests:
            return  # Dropped quietly: that inbox has had enough links for now.
        now = self.clock.now()
        with self.store.write() as tx:
            user = tx.user_by_email(email)
            if user is None:
                return
            token = issue_one_time(tx, user["id"], "reset_password", now, RESET_TTL, replace=False)
            security_event(tx, "password_reset_requested", user["id"], by_owner=False, ip=client)
        self.outbox.post(
            email,
            "Reset your Dzinza password",
            "Someone (we hope you) asked to reset the password of your Dzinza account.\n\n"
            "Open this link within an hour to choose a new password:\n\n"
            f"{self._link('reset-password', token)}\n\n"
            "If it was not you, ignore this message: your password stays as it is.\n",
        )

    def confirm_reset(self, token: str, new_password: str, client: str) -> None:
        self.limits.hit(f"links:ip:{client}", LINKS_PER_IP, "links opened from your address")
        now = self.clock.now()
        with self.store.write() as tx:
            row = tx.one_time_by_hash(hash_token(token))
            user = tx.user_by_id(row["user_id"]) if row is not None else None
            if user is not None:
                # Checked before the token is used up, so a refused password can be retried.
                check_password_policy(new_password, user["email"], "new_password")
            row = redeem_one_time(tx, token, "reset_password", now)
            assert user is not None
            tx.update_user(
                user["id"],
                {
                    "password_hash": self.hasher.hash(new_password),
                    # The link reached this mailbox: the address is confirmed too.
                    "email_verified_at": user["email_verified_at"] or now,
                },
            )
            tx.revoke_user_tokens(user["id"], now)
            tx.drop_one_time(user["id"], ["reset_password", "mfa_challenge"], now)
            security_event(tx, "password_reset", user["id"], ip=client)
        # The lock from failed sign-ins ends: this is the way out the 429 message points to.
        self.limits.clear_sign_in(user["email"])
        self._notify_password_changed(user["email"])

    def _notify_password_changed(self, email: str) -> None:
        self.outbox.post(
            email,
            "Your Dzinza password was changed",
            "The password of your Dzinza account was just changed, and your other sign-ins "
            "were ended.\n\nIf it was not you, reset your password now and check your "
            "personal access tokens and two-factor settings.\n",
        )

    # -- password and email change (signed in) ------------------------------------------------
    def _check_password(self, tx: StoreSession, user_id: uuid.UUID, password: str) -> Row | None:
        user = tx.user_by_id(user_id, lock=True)
        if user is None:
            raise AuthenticationRequired(N_("This account no longer exists."))
        return user if self.hasher.verify(user["password_hash"], password) else None

    def change_password(
        self,
        actor: Actor,
        current_password: str,
        new_password: str,
        keep_token: str | None,
        client: str,
    ) -> None:
        """Needs the current password; ends every other sign-in (``keep_token``'s stays)."""
        user_id = require_account(actor)
        email = actor.email or ""
        self.limits.hit(
            f"account:user:{user_id}", ACCOUNT_CHANGES_PER_USER, "changes to your account"
        )
        self.limits.refuse_sign_in_if_blocked(email, client)
        check_password_policy(new_password, email, "new_password")
        now = self.clock.now()
        with self.store.write() as tx:
            user = self._check_password(tx, user_id, current_password)
            if user is not None:
                tx.update_user(user_id, {"password_hash": self.hasher.hash(new_password)})
                keep = hash_token(keep_token) if keep_token else None
                tx.revoke_user_tokens(user_id, now, keep_hash=keep, personal=False)
                tx.drop_one_time(user_id, ["reset_password"], now)
                security_event(tx, "password_changed", user_id, ip=client)
        if user is None:
            self.limits.failed_sign_in(email, client)
            raise AuthenticationRequired(N_("The current password is wrong."))
        self._notify_password_changed(email)

    def change_email(self, actor: Actor, password: str, new_email: str, client: str) -> None:
        """Needs the password; the change happens when the link mailed to the new address is
        opened."""
        user_id = require_account(actor)
        email = actor.email or ""
        new_email = normalise_email(new_email, "new_email")
        if new_email == email:
            raise ValidationFailed(N_("This is already your email address."))
        self.limits.hit(f"mail:user:{user_id}", MAIL_PER_USER, "emails asked for")
        self.limits.refuse_sign_in_if_blocked(email, client)
        now = self.clock.now()
        with self.store.write() as tx:
            user = self._check_password(tx, user_id, password)
            if user is not None:
                if tx.user_by_email(new_email) is not None:
                    raise Conflict(
                        said("There is already a user with the email %(email)s.", email=new_email)
                    )
                token = issue_one_time(
                    tx, user_id, "change_email", now, EMAIL_CHANGE_TTL, new_email=new_email
                )
                security_event(tx, "email_change_requested", user_id, ip=client)
        if user is None:
            self.limits.failed_sign_in(email, client)
            raise AuthenticationRequired(N_("The password is wrong."))
        self.outbox.post(
            new_email,
            "Confirm your new email address for Dzinza",
            f"You asked to use this address for your Dzinza account instead of {email}.\n\n"
            "Open this link within a day to confirm it:\n\n"
            f"{self._link('confirm-email', token)}\n\n"
            "If it was not you, ignore this message.\n",
        )

    def confirm_email(self, token: str, client: str) -> dict[str, Any]:
        self.limits.hit(f"links:ip:{client}", LINKS_PER_IP, "links opened from your address")
        now = self.clock.now()
        with self.store.write() as tx:
            row = redeem_one_time(tx, token, "change_email", now)
            new_email = row["new_email"]
            if tx.user_by_email(new_email) is not None:
                raise Conflict(
                    said("There is already a user with the email %(email)s.", email=new_email)
                )
            user = tx.user_by_id(row["user_id"], lock=True)
            assert user is not None
            tx.update_user(user["id"], {"email": new_email, "email_verified_at": now})
            # Reset links went to the old address: they die with it.
            tx.drop_one_time(user["id"], ["reset_password", "change_email"], now)
            security_event(tx, "email_changed", user["id"], ip=client)
        self.outbox.post(
            user["email"],
            "Your Dzinza email address was changed",
            f"Your Dzinza account now uses {new_email} instead of this address.\n\n"
            "If it was not you, write to the site's administrators.\n",
        )
        return account_view({**user, "email": new_email, "email_verified_at": now})
