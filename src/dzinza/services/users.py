"""Users, sign-in and the tokens of the API and of the web app.

Signing in gives a short-lived access token and a refresh token. Each refresh token is good for
one use and is replaced by a new one of the same family; presenting one that was already used
means it was stolen or replayed, so the whole family (that sign-in) is revoked. The command line
hands out long-lived access tokens outside any family; the web app gets a session token for its
cookie. With two-factor sign-in on, the password step only gives a short-lived challenge, which
a TOTP or recovery code turns into the tokens.

Failed passwords and codes back off per account and per client address (``limits.py``); the
account's count is cleared only by a complete sign-in, so a known password cannot be used to
wash away failed second-factor guesses.

The account's own settings are in ``account.py`` (verification, reset, password and email
changes), ``twofactor.py`` and ``tokens.py`` (personal access tokens); this service holds them.
"""

from __future__ import annotations

import secrets
import uuid
from datetime import timedelta
from typing import Any

from dzinza.domain.errors import N_, AuthenticationRequired, Conflict, ValidationFailed, said
from dzinza.ports import Clock, Mailer, PasswordHasher, Row, TreeStore
from dzinza.services.account import AccountService, check_password_policy, normalise_email
from dzinza.services.common import ANONYMOUS, Actor
from dzinza.services.limits import (
    LOGIN_PER_IP,
    REGISTER_PER_IP,
    TOKEN_REFRESH_PER_IP,
    RateLimiter,
)
from dzinza.services.mail import NoMailer, Outbox
from dzinza.services.security_log import security_event
from dzinza.services.tokens import SCOPES, TokenService, aware, hash_token, issue_one_time
from dzinza.services.twofactor import TwoFactorService, check_second_factor, is_totp_code

__all__ = ["TERMS_VERSION", "UserService", "hash_token"]

TERMS_VERSION = "2026-11"
"""The version of the terms of use and privacy policy a new account accepts."""
ACCESS_TTL = timedelta(minutes=15)
REFRESH_TTL = timedelta(days=30)
SESSION_TTL = timedelta(days=14)
"""Lifetime of a web session (the cookie's token); signing in again starts a new one."""
CHALLENGE_TTL = timedelta(minutes=5)
"""Time between the password and the two-factor code of one sign-in."""
TOUCH_EVERY = timedelta(minutes=1)
"""``last_used_at`` of personal and session tokens is written at most this often."""


class UserService:
    def __init__(
        self,
        store: TreeStore,
        hasher: PasswordHasher,
        clock: Clock,
        token_ttl: timedelta,
        mailer: Mailer | None = None,
        base_url: str = "http://127.0.0.1:8000",
        documents: tuple[str, str] = (TERMS_VERSION, TERMS_VERSION),
        limits: RateLimiter | None = None,
    ) -> None:
        self.documents = documents
        """The versions of the terms of use and of the privacy policy in force."""
        self.store = store
        self.hasher = hasher
        self.clock = clock
        self.token_ttl = token_ttl
        self.limits = limits or RateLimiter(store, clock)
        self.outbox = Outbox(mailer or NoMailer())
        self.account = AccountService(store, hasher, clock, self.limits, self.outbox, base_url)
        self.twofactor = TwoFactorService(store, hasher, clock, self.limits)
        self.tokens = TokenService(store, clock, self.limits)
        self._dummy_hash = hasher.hash(secrets.token_urlsafe(16))

    def create(
        self,
        email: str,
        password: str,
        *,
        is_admin: bool = False,
        consent: tuple[str, str] | None = None,
    ) -> dict[str, Any]:
        """An account; ``consent``: the versions of the terms and the privacy policy it agreed
        to (recorded in ``consents`` as well as on the account)."""
        email = normalise_email(email)
        check_password_policy(password, email)
        now = self.clock.now()
        with self.store.write() as tx:
            if tx.user_by_email(email) is not None:
                raise Conflict(
                    said("There is already a user with the email %(email)s.", email=email)
                )
            uid = tx.insert(
                "user",
                {
                    "id": uuid.uuid4(),
                    "email": email,
                    "password_hash": self.hasher.hash(password),
                    "is_admin": is_admin,
                    "terms_version": consent[0] if consent else None,
                    "terms_accepted_at": now if consent else None,
                },
            )
            if consent:
                for document, version in zip(("terms", "privacy"), consent, strict=True):
                    tx.add_consent(uid, document, version, now, via="registration")
        return {"id": str(uid), "email": email, "is_admin": is_admin}

    def register(
        self, email: str, password: str, accept_terms: bool, client: str
    ) -> dict[str, Any]:
        """Self-service sign-up from the API (the command line uses ``create``); mails a link
        to confirm the address."""
        self.limits.hit(f"register:ip:{client}", REGISTER_PER_IP, "sign-ups from your address")
        if not accept_terms:
            raise ValidationFailed(
                said(
                    "To create an account, accept the terms of use (version %(value)s) and the privacy policy (version %(value2)s).",
                    value=self.documents[0],
                    value2=self.documents[1],
                ),
                errors=[{"field": "accept_terms", "message": "must be true"}],
            )
        made = self.create(email, password, consent=self.documents)
        self.account.send_verification(uuid.UUID(made["id"]), made["email"])
        return {**made, "email_verified": False}

    def set_admin(self, email: str, is_admin: bool) -> dict[str, Any]:
        """For the command line: makes a user a site admin, or not."""
        with self.store.write() as tx:
            user = tx.user_by_email(email.strip().lower())
            if user is None:
                raise ValidationFailed(
                    said("There is no user with the email %(email)s.", email=email)
                )
            tx.update_user(user["id"], {"is_admin": is_admin})
            security_event(
                tx,
                "admin.promote" if is_admin else "admin.demote",
                user["id"],
                by_owner=False,
                ip="cli",
            )
        return {"id": str(user["id"]), "email": user["email"], "is_admin": is_admin}

    # -- signing in ---------------------------------------------------------------------------
    def login(self, email: str, password: str, client: str, *, web: bool = False) -> dict[str, Any]:
        """Email and password for an access token and a refresh token (a new token family), or
        for a web session; with two-factor on, for a challenge that ``login_2fa`` completes."""
        email = email.strip().lower()
        self.limits.hit(f"login:ip:{client}", LOGIN_PER_IP, "sign-in attempts from your address")
        self.limits.refuse_sign_in_if_blocked(email, client)
        with self.store.read() as tx:
            user = tx.user_by_email(email)
        stored = user["password_hash"] if user else self._dummy_hash
        # Verify even when there is no such user, so timing does not tell which emails exist.
        if not self.hasher.verify(stored, password) or user is None:
            self._failed(user["id"] if user else None, email, client, "password")
            raise AuthenticationRequired(N_("Wrong email or password."))
        if user["totp_enabled_at"] is not None:
            now = self.clock.now()
            with self.store.write() as tx:
                challenge = issue_one_time(
                    tx, user["id"], "mfa_challenge", now, CHALLENGE_TTL, replace=False
                )
            return {
                "mfa_required": True,
                "challenge": challenge,
                "expires_in": int(CHALLENGE_TTL.total_seconds()),
            }
        self.limits.clear_sign_in(email)
        return self._signed_in(user, client, web)

    def login_2fa(
        self, challenge: str, code: str, client: str, *, web: bool = False
    ) -> dict[str, Any]:
        """The second step: the challenge of the password step and a TOTP or recovery code."""
        self.limits.hit(f"login:ip:{client}", LOGIN_PER_IP, "sign-in attempts from your address")
        expired = AuthenticationRequired(
            N_("This sign-in has expired or is unknown: sign in again with your password.")
        )
        with self.store.read() as tx:
            row = tx.one_time_by_hash(hash_token(challenge))
            user = tx.user_by_id(row["user_id"]) if row else None
        if row is None or user is None or row["purpose"] != "mfa_challenge":
            raise expired
        self.limits.refuse_sign_in_if_blocked(user["email"], client)
        now = self.clock.now()
        with self.store.write() as tx:
            # Read again under the write lock: two codes sent at once must not both sign in.
            row = tx.one_time_by_hash(hash_token(challenge))
            user = tx.user_by_id(user["id"], lock=True)
            if (
                row is None
                or user is None
                or row["used_at"] is not None
                or aware(row["expires_at"]) <= now
                or user["totp_enabled_at"] is None
            ):
                raise expired
            right = check_second_factor(tx, user, code, now)
            if right:
                tx.use_one_time(row["id"], now)
                if not is_totp_code(code.strip().replace(" ", "")):
                    left = tx.recovery_codes_left(user["id"])
                    security_event(
                        tx, "recovery_code_used", user["id"], ip=client, detail={"left": left}
                    )
        if not right:
            self._failed(user["id"], user["email"], client, "second factor")
            raise AuthenticationRequired(N_("Wrong code."))
        self.limits.clear_sign_in(user["email"])
        return self._signed_in(user, client, web)

    def _failed(self, user_id: uuid.UUID | None, email: str, client: str, what: str) -> None:
        locked = self.limits.failed_sign_in(email, client)
        with self.store.write() as tx:
            detail = {"wrong": what}
            security_event(tx, "sign_in_failed", user_id, by_owner=False, ip=client, detail=detail)
            if locked is not None and user_id is not None:
                until = {"until": locked.isoformat()}
                security_event(tx, "locked", user_id, by_owner=False, ip=client, detail=until)

    def _signed_in(self, user: Row, client: str, web: bool) -> dict[str, Any]:
        if web:
            return self._web_session(user["id"], client)
        return self._session(user["id"], uuid.uuid4(), client)

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
                raise AuthenticationRequired(N_("The refresh token is unknown: sign in again."))
            if row["used_at"] is not None and row["revoked_at"] is None:
                # Someone replayed a token that was already exchanged: end that sign-in.
                tx.revoke_family(row["family_id"], now)
                security_event(tx, "refresh_token_reused", row["user_id"], ip=client)
                revoked = True
            else:
                revoked = False
                if row["revoked_at"] is not None or aware(row["expires_at"]) <= now:
                    raise AuthenticationRequired(
                        N_("The refresh token has expired: sign in again.")
                    )
                tx.mark_refresh_used(row["id"], now)
        if revoked:
            raise AuthenticationRequired(
                N_(
                    "This refresh token was already used, so this sign-in has been ended everywhere. "
                    "Sign in again."
                )
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
                raise ValidationFailed(N_("Nothing to sign out of: send the refresh token."))
            tx.revoke_family(family, now)

    def logout_everywhere(self, actor: Actor, client: str = "") -> None:
        """Ends every sign-in (API, web, command line); personal access tokens stay until they
        are revoked one by one (or a password reset ends them)."""
        if actor.user_id is None:
            raise AuthenticationRequired(N_("Sign in first."))
        with self.store.write() as tx:
            tx.revoke_user_tokens(actor.user_id, self.clock.now(), personal=False)
            security_event(tx, "signed_out_everywhere", actor.user_id, ip=client)

    def _session(
        self, user_id: uuid.UUID, family_id: uuid.UUID, client: str | None = None
    ) -> dict[str, Any]:
        """Tokens for a sign-in (``client`` given) or a refresh (the same family)."""
        access, refresh = secrets.token_urlsafe(32), secrets.token_urlsafe(48)
        now = self.clock.now()
        with self.store.write() as tx:
            tx.insert_token(
                user_id, hash_token(access), now + ACCESS_TTL, family_id, created_at=now
            )
            tx.insert_refresh(user_id, family_id, hash_token(refresh), now + REFRESH_TTL)
            if client is not None:
                security_event(tx, "signed_in", user_id, ip=client, detail={"via": "api"})
        return {
            "access_token": access,
            "token_type": "bearer",
            "expires_in": int(ACCESS_TTL.total_seconds()),
            "refresh_token": refresh,
            "refresh_expires_in": int(REFRESH_TTL.total_seconds()),
        }

    # -- the web app's session cookie ---------------------------------------------------------
    def _web_session(self, user_id: uuid.UUID, client: str) -> dict[str, Any]:
        token = secrets.token_urlsafe(32)
        now = self.clock.now()
        with self.store.write() as tx:
            tx.insert_token(
                user_id, hash_token(token), now + SESSION_TTL, kind="session", created_at=now
            )
            security_event(tx, "signed_in", user_id, ip=client, detail={"via": "web"})
        return {"session": token, "expires_in": int(SESSION_TTL.total_seconds())}

    def end_web_session(self, token: str) -> None:
        with self.store.write() as tx:
            tx.delete_token_by_hash(hash_token(token))

    def actor_for_session(self, token: str | None) -> Actor:
        """The signed-in user of a web session cookie; anonymous if it is unknown or expired
        (the page is then shown signed out rather than refused)."""
        if not token:
            return ANONYMOUS
        with self.store.read() as tx:
            row = tx.token_by_hash(hash_token(token), self.clock.now())
        if row is None or _kind(row) != "session":
            return ANONYMOUS
        return self._actor(row)

    # -- bearer tokens ------------------------------------------------------------------------
    def token_for_email(self, email: str) -> dict[str, Any]:
        """For the command line, which already holds the database: no password asked."""
        with self.store.read() as tx:
            user = tx.user_by_email(email.strip().lower())
        if user is None:
            raise ValidationFailed(said("There is no user with the email %(email)s.", email=email))
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
            row = tx.token_by_hash(hash_token(token), self.clock.now())
        # A session token lives in an HttpOnly cookie; as a bearer token it was lifted from one.
        if row is None or _kind(row) == "session":
            raise AuthenticationRequired(
                N_("The bearer token is unknown or has expired: ask for a new one.")
            )
        return self._actor(row)

    def _actor(self, row: Row) -> Actor:
        kind = _kind(row)
        if kind in ("personal", "session"):
            now = self.clock.now()
            last = row["token_last_used_at"]
            if last is None or now - aware(last) >= TOUCH_EVERY:
                with self.store.write() as tx:
                    tx.touch_token(row["token_id"], now)
        scopes = None
        if kind == "personal":
            # An empty scope list (not made by this API) means everything the user may do.
            scopes = frozenset(row["token_scopes"].split() or SCOPES)
        is_admin = bool(row["is_admin"]) and (scopes is None or "admin" in scopes)
        return Actor(
            user_id=row["id"],
            is_admin=is_admin,
            email=row["email"],
            scopes=scopes,
            language=row.get("language"),
        )


def _kind(row: Row) -> str:
    """'access', 'personal' or 'session': the kind of the token a row was found by."""
    return str(row["token_kind"])
