"""Rate limits and sign-in back-off, shared by every replica.

Request limits count in Redis when the platform has a shared cache (one INCR per request, a
key per fixed window), else in the tree store; if Redis cannot be reached they fall back to the
store, so a limit never silently lapses. The API-wide limit (every request, per account or per
address) counts in the cache only: in the embedded default that is this process's memory, and
without a reachable Redis it is skipped (logged) rather than put a database write on every read.
Sign-in back-off (failures, locks) stays in the store: it must outlive a Redis restart.

Fixed windows keep it simple and predictable for people: "try again in 40 seconds" is exact.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from dzinza import telemetry
from dzinza.domain.errors import N_, TooManyRequests, said
from dzinza.ports import Cache, CacheUnavailable, Clock, TreeStore

log = logging.getLogger("dzinza.limits")


@dataclass(frozen=True)
class Limit:
    requests: int
    seconds: int


LOGIN_PER_IP = Limit(20, 60)
"""Sign-in attempts from one address, both steps (password, then the two-factor code)."""
TOKEN_REFRESH_PER_IP = Limit(120, 60)
REGISTER_PER_IP = Limit(10, 3600)
RESET_PER_IP = Limit(10, 3600)
RESET_PER_EMAIL = Limit(3, 3600)
"""Reset links mailed to one address: more are dropped silently (the answer is always 202)."""
LINKS_PER_IP = Limit(30, 3600)
"""Links from emails (verification, reset, email change) presented from one address."""
MAIL_PER_USER = Limit(5, 3600)
"""Verification mails and email changes one account may ask for."""
TOKENS_PER_USER = Limit(20, 3600)
"""Personal access tokens one account may create."""
ACCOUNT_CHANGES_PER_USER = Limit(20, 3600)
"""Password changes and two-factor setup, enabling and disabling by one account."""
FREE_ACCOUNT_FAILURES = 5
"""Failed sign-ins on one account before each further failure locks it for longer."""
FREE_IP_FAILURES = 30
BACKOFF_START = timedelta(minutes=1)
BACKOFF_MAX = timedelta(hours=1)
FAILURE_MEMORY = timedelta(hours=24)
"""A failure count starts again after this long without a failure, so a shared address (an
office, a mobile carrier) is not punished forever for old mistakes."""


def _seconds_until(later: datetime, now: datetime) -> int:
    return max(1, math.ceil((later - now).total_seconds()))


TOO_MANY = {
    "sign-ups from your address": N_(
        "Too many sign-ups from your address. Try again in %(wait)s seconds."
    ),
    "sign-in attempts from your address": N_(
        "Too many sign-in attempts from your address. Try again in %(wait)s seconds."
    ),
    "token refreshes": N_("Too many token refreshes. Try again in %(wait)s seconds."),
    "new tokens": N_("Too many new tokens. Try again in %(wait)s seconds."),
    "invitations": N_("Too many invitations. Try again in %(wait)s seconds."),
    "emails asked for": N_("Too many emails asked for. Try again in %(wait)s seconds."),
    "links opened from your address": N_(
        "Too many links opened from your address. Try again in %(wait)s seconds."
    ),
    "password reset requests": N_(
        "Too many password reset requests. Try again in %(wait)s seconds."
    ),
    "reset requests": N_("Too many reset requests. Try again in %(wait)s seconds."),
    "changes to your account": N_(
        "Too many changes to your account. Try again in %(wait)s seconds."
    ),
    "exports of your data": N_("Too many exports of your data. Try again in %(wait)s seconds."),
    "requests": N_("Too many requests. Try again in %(wait)s seconds."),
}
"""The refusal of each limit, by the ``what`` its callers name (whole sentences, so that each
is translated as a whole)."""


def too_many(what: str, wait: int) -> str:
    template = TOO_MANY.get(what)
    if template is None:  # a limit added without its sentence: said in English only
        return f"Too many {what}. Try again in {wait} seconds."
    return said(template, wait=wait)


class RateLimiter:
    def __init__(
        self,
        store: TreeStore,
        clock: Clock,
        counters: Cache | None = None,
        shared: bool = False,
        api_limit: Limit | None = None,
    ) -> None:
        self.store = store
        self.clock = clock
        self.counters = counters
        """Where request counts go: the cache (Redis when ``shared``, else this process)."""
        self.shared = shared
        self.api_limit = api_limit
        """Requests a minute per account (or per address when signed out); None: no limit."""
        self._last_warning = 0.0

    def hit(self, key: str, limit: Limit, what: str) -> None:
        """Counts one request; refuses it (429) past ``limit`` in the current window."""
        if self.shared and self.counters is not None:
            try:
                self._hit_counter(key, limit, what)
                return
            except CacheUnavailable as exc:
                self._warn(exc, "the store")
        self._hit_store(key, limit, what)

    def hit_api(self, user_id: object | None, client: str) -> None:
        """The API-wide limit of one request (see the module docstring)."""
        if self.api_limit is None or self.counters is None:
            return
        who = f"user:{user_id}" if user_id is not None else f"ip:{client}"
        try:
            self._hit_counter(f"api:{who}", self.api_limit, "requests")
        except CacheUnavailable as exc:
            self._warn(exc, "no API limit")

    def _hit_counter(self, key: str, limit: Limit, what: str) -> None:
        assert self.counters is not None
        now = self.clock.now().timestamp()
        window = int(now // limit.seconds)
        count = self.counters.incr(f"rl:{key}:{window}", 1, ttl=limit.seconds + 1)
        if count > limit.requests:
            wait = max(1, math.ceil((window + 1) * limit.seconds - now))
            raise TooManyRequests(too_many(what, wait), retry_after=wait)

    def _warn(self, exc: Exception, instead: str) -> None:
        moment = time.monotonic()
        if moment - self._last_warning > 60:
            self._last_warning = moment
            log.warning("rate limits: the cache cannot be reached (%s); using %s", exc, instead)

    def _hit_store(self, key: str, limit: Limit, what: str) -> None:
        now = self.clock.now()
        with self.store.write() as tx:
            row = tx.counter(key)
            start, count = now, 1
            if (
                row is not None
                and _aware(row["window_start"]) + timedelta(seconds=limit.seconds) > now
            ):
                start, count = _aware(row["window_start"]), row["count"] + 1
            tx.put_counter(key, start, count, None)
        if count > limit.requests:
            wait = _seconds_until(start + timedelta(seconds=limit.seconds), now)
            raise TooManyRequests(too_many(what, wait), retry_after=wait)

    def refuse_if_blocked(self, keys: list[str]) -> None:
        now = self.clock.now()
        with self.store.read() as tx:
            rows = [tx.counter(k) for k in keys]
        for row in rows:
            if row is not None and row["blocked_until"] is not None:
                until = _aware(row["blocked_until"])
                if until > now:
                    wait = _seconds_until(until, now)
                    raise TooManyRequests(
                        said(
                            "Too many failed sign-ins. Try again in %(wait)s seconds, or "
                            "reset your password.",
                            wait=wait,
                        ),
                        retry_after=wait,
                    )

    def failed(self, key: str, free: int) -> datetime | None:
        """Counts a failure; past ``free`` failures each one blocks for twice as long as the last.

        Returns the end of the block this failure started, if it started one. ``window_start``
        of a failure counter is the time of the last failure.
        """
        now = self.clock.now()
        with self.store.write() as tx:
            row = tx.counter(key)
            fresh = row is None or _aware(row["window_start"]) + FAILURE_MEMORY <= now
            count = 1 if row is None or fresh else row["count"] + 1
            blocked = None
            if count > free:
                pause = min(BACKOFF_START * 2 ** (count - free - 1), BACKOFF_MAX)
                blocked = now + pause
            tx.put_counter(key, now, count, blocked)
        return blocked

    def clear(self, key: str) -> None:
        with self.store.write() as tx:
            tx.clear_counter(key)

    # -- sign-in back-off: per account and per client address, for every step that checks a
    # password or a second factor (sign-in, two-factor code, password change, 2FA changes).
    def refuse_sign_in_if_blocked(self, email: str, client: str) -> None:
        self.refuse_if_blocked([_account_key(email), _address_key(client)])

    def failed_sign_in(self, email: str, client: str) -> datetime | None:
        """Counts a failed password or code; returns the end of the account's lock if this
        failure locked it."""
        self.failed(_address_key(client), FREE_IP_FAILURES)
        locked = self.failed(_account_key(email), FREE_ACCOUNT_FAILURES)
        telemetry.sign_in_failed(locked is not None)
        return locked

    def clear_sign_in(self, email: str) -> None:
        """A full success (or a password reset) frees the account; the address keeps its count,
        so an attacker cannot wash it with a sign-in of their own."""
        self.clear(_account_key(email))


def _account_key(email: str) -> str:
    return f"login-fail:acct:{email.strip().lower()}"


def _address_key(client: str) -> str:
    return f"login-fail:ip:{client}"


def _aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; they were written in UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
