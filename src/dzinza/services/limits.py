"""Rate limits and sign-in back-off, counted in the tree store so that every replica shares them.

Fixed windows keep it simple and predictable for people: "try again in 40 seconds" is exact.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from dzinza.domain.errors import TooManyRequests
from dzinza.ports import Clock, TreeStore


@dataclass(frozen=True)
class Limit:
    requests: int
    seconds: int


LOGIN_PER_IP = Limit(20, 60)
TOKEN_REFRESH_PER_IP = Limit(120, 60)
REGISTER_PER_IP = Limit(10, 3600)
FREE_ACCOUNT_FAILURES = 5
"""Failed sign-ins on one account before each further failure locks it for longer."""
FREE_IP_FAILURES = 30
BACKOFF_START = timedelta(minutes=1)
BACKOFF_MAX = timedelta(hours=1)


def _seconds_until(later: datetime, now: datetime) -> int:
    return max(1, math.ceil((later - now).total_seconds()))


class RateLimiter:
    def __init__(self, store: TreeStore, clock: Clock) -> None:
        self.store = store
        self.clock = clock

    def hit(self, key: str, limit: Limit, what: str) -> None:
        """Counts one request; refuses it (429) past ``limit`` in the current window."""
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
            raise TooManyRequests(
                f"Too many {what}. Try again in {wait} seconds.", retry_after=wait
            )

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
                        "Too many failed sign-ins. Try again in "
                        f"{wait} seconds, or reset your password.",
                        retry_after=wait,
                    )

    def failed(self, key: str, free: int) -> None:
        """Counts a failure; past ``free`` failures each one blocks for twice as long as the last."""
        now = self.clock.now()
        with self.store.write() as tx:
            row = tx.counter(key)
            count = 1 if row is None else row["count"] + 1
            start = now if row is None else _aware(row["window_start"])
            blocked = None
            if count > free:
                pause = min(BACKOFF_START * 2 ** (count - free - 1), BACKOFF_MAX)
                blocked = now + pause
            tx.put_counter(key, start, count, blocked)

    def clear(self, key: str) -> None:
        with self.store.write() as tx:
            tx.clear_counter(key)


def _aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; they were written in UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
