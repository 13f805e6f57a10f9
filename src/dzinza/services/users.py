"""Users, sign-in and the tokens of the API.

Signing in gives a short-lived access token and a refresh token. Each refresh token is good for
one use and is replaced by a new one of the same family; presenting one that was already used
means it was stolen or replayed, so the whole family (that sign-in) is revoked. The command line
hands out long-lived access tokens outside any family.

Not built yet (issue 3 goes on): email verification and password reset, web session cookies,
personal access tokens with scopes, TOTP two-factor sign-in, roles per tree.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from dzinza.domain.errors import AuthenticationRequired, Conflict, ValidationFailed
from dzinza.ports import Clock, PasswordHasher, TreeStore
from dzinza.services.common import ANONYMOUS, Actor
from dzinza.services.limits import (
    FREE_ACCOUNT_FAILURES,
    FREE_IP_FAILURES,
    LOGIN_PER_IP,
    REGISTER_PER_IP,
    TOKEN_REFRESH_PER_IP,
    RateLimiter,
)
from dzinza.services.passwords import password_problem

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
TERMS_VERSION = "2026-11"
"""The version of the terms of use and privacy policy a new account accepts."""
ACCESS_TTL = timedelta(minutes=15)
REFRESH_TTL = timedelta(days=30)


def _hints(email: str) -> list[str]:
    """Words from the email that a password should not lean on."""
    local, _, domain = email.partition("@")
    return [email, local, *re.split(r"[._+-]", local), *domain.split(".")]


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def hash_token(token: str) -> str:
    # Tokens are long random strings: a fast hash is enough, and lets us look them up by hash.
    return hashlib.sha256(token.encode()).hexdigest()


class UserService:
    def __init__(
        self, store: TreeStore, hasher: PasswordHasher, clock: Clock, token_ttl: timedelta
    ) -> None:
        self.store = store
        self.hasher = hasher
        self.clock = clock
        self.token_ttl = token_ttl
        self.limits = RateLimiter(store, clock)
        self._dummy_hash = hasher.hash(secrets.token_urlsafe(16))

    def create(
        self,
        email: str,
        password: str,
        *,
        is_admin: bool = False,
        accepted_terms: str | None = None,
    ) -> dict[str, Any]:
        email = email.strip().lower()
        if not EMAIL.match(email):
            raise ValidationFailed(f"'{email}' is not an email address.")
        problem = password_problem(password, hints=_hints(email))
        if problem:
            raise ValidationFailed(problem, errors=[{"field": "password", "message": problem}])
        with self.store.write() as tx:
            if tx.user_by_email(email) is not None:
                raise Conflict(f"There is already a user with the email {email}.")
            uid = tx.insert(
                "user",
                {
                    "id": uuid.uuid4(),
                    "email": email,
                    "password_hash": self.hasher.hash(password),
                    "is_admin": is_admin,
                    "terms_version": accepted_terms,
                    "terms_accepted_at": self.clock.now() if accepted_terms else None,
                },
            )
        return {"id": str(uid), "email": email, "is_admin": is_admin}

    def register(
        self, email: str, password: str, accept_terms: bool, client: str
    ) -> dict[str, Any]:
        """Self-service sign-up from the API (the command line uses ``create``)."""
        self.limits.hit(f"register:ip:{client}", REGISTER_PER_IP, "sign-ups from your address")
        if not accept_terms:
            raise ValidationFailed(
                "To create an account, accept the terms of use and the privacy policy "
                f"(version {TERMS_VERSION}).",
                errors=[{"field": "accept_terms", "message": "must be true"}],
            )
        return self.create(email, password, accepted_terms=TERMS_VERSION)

    def login(self, email: str, password: str, client: str) -> dict[str, Any]:
        """Email and password for an access token and a refresh token (a new token family)."""
        email = email.strip().lower()
        account, address = f"login-fail:acct:{email}", f"login-fail:ip:{client}"
        self.limits.hit(f"login:ip:{client}", LOGIN_PER_IP, "sign-in attempts from your address")
        self.limits.refuse_if_blocked([account, address])
        with self.store.read() as tx:
            user = tx.user_by_email(email)
        stored = user["password_hash"] if user else self._dummy_hash
        # Verify even when there is no such user, so timing does not tell which emails exist.
        if not self.hasher.verify(stored, password) or user is None:
            self.limits.failed(account, FREE_ACCOUNT_FAILURES)
            self.limits.failed(address, FREE_IP_FAILURES)
            raise AuthenticationRequired("Wrong email or password.")
        self.limits.clear(account)
        return self._session(user["id"], uuid.uuid4())

    def issue_token(self, email: str, password: str, client: str = "cli") -> dict[str, Any]:
        """``POST /auth/token``: the same as signing in."""
        return self.login(email, password, client)

    def refresh(self, refresh_token: str, client: str) -> dict[str, Any]:
        """A used refresh token for a new pair. Reuse of an old one revokes its whole family."""
        self.limits.hit(f"refresh:ip:{client}", TOKEN_REFRESH_PER_IP, "token refreshes")
        now = self.clock.now()
        with self.store.write() as tx:
            row = tx.refresh_by_hash(hash_token(refresh_token))
            if row is None:
                raise AuthenticationRequired("The refresh token is unknown: sign in again.")
            if row["used_at"] is not None and row["revoked_at"] is None:
                # Someone replayed a token that was already exchanged: end that sign-in.
                tx.revoke_family(row["family_id"], now)
                revoked = True
            else:
                revoked = False
                if row["revoked_at"] is not None or _aware(row["expires_at"]) <= now:
                    raise AuthenticationRequired("The refresh token has expired: sign in again.")
                tx.mark_refresh_used(row["id"], now)
        if revoked:
            raise AuthenticationRequired(
                "This refresh token was already used, so this sign-in has been ended everywhere. "
                "Sign in again."
            )
        return self._session(row["user_id"], row["family_id"])

    def logout(self, actor: Actor, access_token: str | None, refresh_token: str | None) -> None:
        """Ends the sign-in the given tokens belong to."""
        now = self.clock.now()
        with self.store.write() as tx:
            family = tx.token_family(hash_token(access_token)) if access_token else None
            if family is None and refresh_token:
                row = tx.refresh_by_hash(hash_token(refresh_token))
                family = row["family_id"] if row else None
            if family is None:
                raise ValidationFailed("Nothing to sign out of: send the refresh token.")
            tx.revoke_family(family, now)

    def logout_everywhere(self, actor: Actor) -> None:
        if actor.user_id is None:
            raise AuthenticationRequired("Sign in first.")
        with self.store.write() as tx:
            tx.revoke_user_tokens(actor.user_id, self.clock.now())

    def _session(self, user_id: uuid.UUID, family_id: uuid.UUID) -> dict[str, Any]:
        access, refresh = secrets.token_urlsafe(32), secrets.token_urlsafe(48)
        now = self.clock.now()
        with self.store.write() as tx:
            tx.insert_token(user_id, hash_token(access), now + ACCESS_TTL, family_id)
            tx.insert_refresh(user_id, family_id, hash_token(refresh), now + REFRESH_TTL)
        return {
            "access_token": access,
            "token_type": "bearer",
            "expires_in": int(ACCESS_TTL.total_seconds()),
            "refresh_token": refresh,
            "refresh_expires_in": int(REFRESH_TTL.total_seconds()),
        }

    def token_for_email(self, email: str) -> dict[str, Any]:
        """For the command line, which already holds the database: no password asked."""
        with self.store.read() as tx:
            user = tx.user_by_email(email.strip().lower())
        if user is None:
            raise ValidationFailed(f"There is no user with the email {email}.")
        return self._token_for(user["id"])

    def _token_for(self, user_id: uuid.UUID) -> dict[str, Any]:
        token = secrets.token_urlsafe(32)
        with self.store.write() as tx:
            tx.insert_token(user_id, hash_token(token), self.clock.now() + self.token_ttl)
        return {
            "access_token": token,
            "token_type": "bearer",
            "expires_in": int(self.token_ttl.total_seconds()),
        }

    def actor_for_token(self, token: str | None) -> Actor:
        if not token:
            return ANONYMOUS
        with self.store.read() as tx:
            user = tx.user_by_token(hash_token(token), self.clock.now())
        if user is None:
            raise AuthenticationRequired(
                "The bearer token is unknown or has expired: ask for a new one."
            )
        return Actor(user_id=user["id"], is_admin=bool(user["is_admin"]), email=user["email"])
