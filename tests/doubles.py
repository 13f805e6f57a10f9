"""Test doubles for the ports that cannot be the real thing in a test: a clock the test moves,
and a mailer whose messages the test reads."""

from __future__ import annotations

import re
import threading
from datetime import UTC, datetime, timedelta


class FakeClock:
    def __init__(self, start: datetime = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)) -> None:
        self.moment = start

    def now(self) -> datetime:
        return self.moment

    def advance(self, **kw: float) -> None:
        self.moment += timedelta(**kw)


class Inbox:
    """A mailer that keeps what it is given; reading waits for the platform's outbox first
    (``flush`` is set to the outbox's by whoever assembles the platform)."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, str, str]] = []
        self.lock = threading.Lock()
        self.flush = lambda: None

    def send(self, to: str, subject: str, text: str) -> None:
        with self.lock:
            self.messages.append((to, subject, text))

    def to(self, address: str) -> list[tuple[str, str, str]]:
        self.flush()
        with self.lock:
            return [m for m in self.messages if m[0] == address]

    def subjects(self, address: str) -> list[str]:
        return [subject for _, subject, _ in self.to(address)]

    def token(self, address: str, page: str) -> str:
        """The token of the newest link to ``page`` mailed to ``address``."""
        for _, _, text in reversed(self.to(address)):
            found = re.search(rf"https?://\S+/{page}\?token=([\w-]+)", text)
            if found:
                return found.group(1)
        raise AssertionError(f"no {page} link was mailed to {address}")
