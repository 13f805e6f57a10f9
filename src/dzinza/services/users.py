"""Users and the bearer tokens that open private trees. Full accounts (verification, refresh
tokens, two-factor sign-in, roles per tree) build on this in a later step."""

from __future__ import annotations

import hashlib
import re
import secrets
import uuid
from datetime import timedelta
from typing import Any

from dzinza.domain.errors import AuthenticationRequired, Conflict, ValidationFailed
from dzinza.ports import Clock, PasswordHasher, TreeStore
from dzinza.services.common import ANONYMOUS, Actor

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MIN_PASSWORD = 10


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
        self._dummy_hash = hasher.hash(secrets.token_urlsafe(16))

    def create(self, email: str, password: str, *, is_admin: bool = False) -> dict[str, Any]:
        email = email.strip().lower()
        if not EMAIL.match(email):
            raise ValidationFailed(f"'{email}' is not an email address.")
        if len(password) < MIN_PASSWORD:
            raise ValidationFailed(f"The password must be at least {MIN_PASSWORD} characters long.")
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
                },
            )
        return {"id": str(uid), "email": email, "is_admin": is_admin}

    def issue_token(self, email: str, password: str) -> dict[str, Any]:
        with self.store.read() as tx:
            user = tx.user_by_email(email.strip().lower())
        stored = user["password_hash"] if user else self._dummy_hash
        # Verify even when there is no such user, so timing does not tell which emails exist.
        if not self.hasher.verify(stored, password) or user is None:
            raise AuthenticationRequired("Wrong email or password.")
        return self._token_for(user["id"])

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
