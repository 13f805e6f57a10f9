"""Token primitives shared by the account services, and personal access tokens.

Every secret handed out (access, refresh, session and personal tokens, links sent by email,
two-factor challenges) is a long random string of which only the SHA-256 is stored. One-time
tokens carry a purpose, an expiry and a used mark, and are consumed by a conditional update, so
two concurrent uses cannot both succeed.

Personal access tokens are named, optionally expiring, and scoped: every token may read what its
user may read; ``write`` allows changes; ``admin`` keeps a site admin's rights. They cannot manage
the account (passwords, email, two-factor, other tokens): that needs a real sign-in.
"""

from __future__ import annotations

import builtins
import hashlib
import secrets
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from dzinza.domain.errors import (
    N_,
    AuthenticationRequired,
    Forbidden,
    NotFound,
    ValidationFailed,
    said,
)
from dzinza.ports import Clock, Row, StoreSession, TreeStore
from dzinza.services.common import Actor
from dzinza.services.limits import TOKENS_PER_USER, RateLimiter
from dzinza.services.security_log import security_event

SCOPES = ("read", "write", "admin")
PERSONAL_PREFIX = "dzp_"
"""Lets people (and secret scanners) recognise a leaked Dzinza token."""
MAX_PERSONAL_TOKENS = 50
NEVER = datetime(9999, 12, 31, tzinfo=UTC)
"""The stored expiry of a token that does not expire (the column cannot be empty)."""


def hash_token(token: str) -> str:
    # Tokens are long random strings: a fast hash is enough, and lets us look them up by hash.
    return hashlib.sha256(token.encode()).hexdigest()


def aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; they were written in UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def require_account(actor: Actor) -> uuid.UUID:
    """The signed-in user's id, for account settings: refused to personal access tokens."""
    if actor.user_id is None:
        raise AuthenticationRequired(N_("Sign in first."))
    if actor.scopes is not None:
        raise Forbidden(
            N_(
                "Account settings need a signed-in session, not a personal access token: "
                "sign in with your password."
            )
        )
    return actor.user_id


def issue_one_time(
    tx: StoreSession,
    user_id: uuid.UUID,
    purpose: str,
    now: datetime,
    ttl: timedelta,
    *,
    new_email: str | None = None,
    replace: bool = True,
) -> str:
    """A new one-time token; with ``replace`` the user's earlier ones of this purpose die."""
    token = secrets.token_urlsafe(32)
    tx.drop_one_time(user_id, [purpose] if replace else [], now)
    tx.insert_one_time(user_id, purpose, hash_token(token), now, now + ttl, new_email)
    return token


def redeem_one_time(tx: StoreSession, token: str, purpose: str, now: datetime) -> Row:
    """Consumes a one-time token of this purpose, or refuses it saying why."""
    row = tx.one_time_by_hash(hash_token(token))
    if row is None or row["purpose"] != purpose:
        raise ValidationFailed(
            N_(
                "This link is not valid (it may have been replaced by a newer one): ask for a new one."
            ),
            errors=[{"field": "token", "message": "unknown"}],
        )
    if row["used_at"] is not None or not tx.use_one_time(row["id"], now):
        raise ValidationFailed(
            N_("This link was already used."), errors=[{"field": "token", "message": "used"}]
        )
    if aware(row["expires_at"]) <= now:
        raise ValidationFailed(
            N_("This link has expired: ask for a new one."),
            errors=[{"field": "token", "message": "expired"}],
        )
    return row


def token_view(row: Row) -> dict[str, Any]:
    expires = aware(row["expires_at"])
    return {
        "id": str(row["id"]),
        "name": row["name"],
        "scopes": row["scopes"].split(),
        "created_at": aware(row["created_at"]).isoformat(),
        "expires_at": None if expires >= NEVER - timedelta(days=1) else expires.isoformat(),
        "last_used_at": aware(row["last_used_at"]).isoformat() if row["last_used_at"] else None,
    }


class TokenService:
    """Personal access tokens: created, listed and revoked by their owner."""

    def __init__(self, store: TreeStore, clock: Clock, limits: RateLimiter) -> None:
        self.store = store
        self.clock = clock
        self.limits = limits

    def create(
        self,
        actor: Actor,
        name: str,
        scopes: list[str],
        expires_in_days: int | None = None,
        client: str = "",
    ) -> dict[str, Any]:
        """A new token; its secret is in this answer only."""
        user_id = require_account(actor)
        unknown = sorted(set(scopes) - set(SCOPES))
        if unknown or not scopes:
            raise ValidationFailed(
                f"Scopes must be some of {', '.join(SCOPES)}"
                + (f" (unknown: {', '.join(unknown)})." if unknown else "."),
                errors=[{"field": "scopes", "message": "unknown or empty"}],
            )
        if "admin" in scopes and not actor.is_admin:
            raise Forbidden(N_("Only a site admin can give a token the admin scope."))
        self.limits.hit(f"tokens:user:{user_id}", TOKENS_PER_USER, "new tokens")
        now = self.clock.now()
        expires = now + timedelta(days=expires_in_days) if expires_in_days else NEVER
        chosen = " ".join(s for s in SCOPES if s in scopes)
        secret = PERSONAL_PREFIX + secrets.token_urlsafe(32)
        with self.store.write() as tx:
            if len(tx.tokens_of(user_id, "personal")) >= MAX_PERSONAL_TOKENS:
                raise ValidationFailed(
                    said(
                        "An account can hold at most %(most)s personal access tokens: revoke "
                        "some you no longer use.",
                        most=MAX_PERSONAL_TOKENS,
                    )
                )
            token_id = tx.insert_token(
                user_id,
                hash_token(secret),
                expires,
                kind="personal",
                name=name,
                scopes=chosen,
                created_at=now,
            )
            security_event(tx, "token_created", user_id, ip=client, detail={"token": str(token_id)})
            row = {
                "id": token_id,
                "name": name,
                "scopes": chosen,
                "created_at": now,
                "expires_at": expires,
                "last_used_at": None,
            }
        return {**token_view(row), "token": secret}

    def list(self, actor: Actor) -> list[dict[str, Any]]:
        user_id = require_account(actor)
        with self.store.read() as tx:
            return [token_view(r) for r in tx.tokens_of(user_id, "personal")]

    def revoke(self, actor: Actor, token_id: uuid.UUID, client: str = "") -> None:
        user_id = require_account(actor)
        with self.store.write() as tx:
            if not tx.delete_token(user_id, token_id, "personal"):
                raise NotFound(
                    said(
                        "You have no personal access token with id %(token_id)s.", token_id=token_id
                    )
                )
            security_event(tx, "token_revoked", user_id, ip=client, detail={"token": str(token_id)})

    # -- web sessions (the cookies of the web app) ----------------------------------------------
    def sessions(self, actor: Actor, current: str | None = None) -> builtins.list[dict[str, Any]]:
        """The account's web sign-ins that have not expired, oldest first; the one whose token
        is ``current`` (the asking browser's cookie) is marked."""
        user_id = require_account(actor)
        now = self.clock.now()
        with self.store.read() as tx:
            rows = tx.tokens_of(user_id, "session")
            mine = tx.token_by_hash(hash_token(current), now) if current else None
        here = mine["token_id"] if mine is not None and mine["id"] == user_id else None
        return [
            {
                "id": str(row["id"]),
                "created_at": aware(row["created_at"]).isoformat(),
                "expires_at": aware(row["expires_at"]).isoformat(),
                "last_used_at": (
                    aware(row["last_used_at"]).isoformat() if row["last_used_at"] else None
                ),
                "current": row["id"] == here,
            }
            for row in rows
            if aware(row["expires_at"]) > now
        ]

    def end_session(self, actor: Actor, session_id: uuid.UUID, client: str = "") -> None:
        """Ends one web sign-in of the account (another browser, say)."""
        user_id = require_account(actor)
        with self.store.write() as tx:
            if not tx.delete_token(user_id, session_id, "session"):
                raise NotFound(
                    said("You have no web sign-in with id %(session_id)s.", session_id=session_id)
                )
            detail = {"session": str(session_id)}
            security_event(tx, "session_ended", user_id, ip=client, detail=detail)
