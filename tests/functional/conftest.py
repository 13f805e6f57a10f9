"""Fixtures of the account tests: the app on the test database with a clock the test moves
(``clock``) and a mailer whose messages it reads (``inbox``)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from fastapi.testclient import TestClient

from dzinza.api.app import create_app
from dzinza.services.platform import Platform
from tests.conftest import Api
from tests.doubles import FakeClock, Inbox


@contextmanager
def account_api(platform: Platform, clock: FakeClock, inbox: Inbox) -> Iterator[Api]:
    """The app on the test database, with a clock the test moves and an inbox it reads."""
    timed = Platform(
        store=platform.store,
        hasher=platform.hasher,
        clock=clock,
        mailer=inbox,
        base_url="https://dzinza.test",
    )
    inbox.flush = timed.users.outbox.flush
    with TestClient(create_app(timed), raise_server_exceptions=False) as c:
        yield Api(c)
    timed.users.outbox.close()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def inbox() -> Inbox:
    return Inbox()


@pytest.fixture
def api(platform: Platform, clock: FakeClock, inbox: Inbox) -> Iterator[Api]:
    with account_api(platform, clock, inbox) as a:
        yield a
