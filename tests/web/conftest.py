"""Fixtures of the web-page tests: the app on SQLite (pages are one layer above the services,
whose tests run on both databases), a tree owner signed in through the sign-in form, and
helpers to read the CSRF token and post forms.

``owner`` (from tests/conftest.py) is the same account as ``owner_web``: the API client builds
the data, the browser-like client looks at the pages."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from tests.conftest import Api

OWNER_EMAIL = "owner@example.org"
PASSWORD = "correct horse battery"  # tests/conftest.py make_user's password
LANGUAGES = ("en", "sn", "nd")


@pytest.fixture
def database_url(tmp_path: Path, sqlite_template: Path) -> str:
    """SQLite only (overrides the two-database fixture of tests/conftest.py)."""
    path = tmp_path / "dzinza.db"
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"


def csrf_of(page: httpx.Response) -> str:
    """The CSRF token of a page's forms."""
    found = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert found, page.text[:2000]
    return found.group(1)


def sign_in_web(web: TestClient, email: str, password: str = PASSWORD) -> None:
    form = {"csrf": csrf_of(web.get("/signin")), "email": email, "password": password}
    done = web.post("/signin", data=form, follow_redirects=False)
    assert done.status_code == 303, done.text[:2000]


@pytest.fixture
def site(client: TestClient) -> Iterator[TestClient]:
    """An anonymous visitor of the pages: the ``client`` fixture's app (building an app and its
    routes costs more than a second), with a cookie jar of its own."""
    with TestClient(client.app, raise_server_exceptions=False) as c:
        yield c


@pytest.fixture
def owner_web(client: TestClient, owner: Api) -> Iterator[TestClient]:
    """The ``owner`` account, signed in to the pages (the same app as ``owner``'s client)."""
    with TestClient(client.app, raise_server_exceptions=False) as c:
        sign_in_web(c, OWNER_EMAIL)
        yield c


def post_form(
    web: TestClient, page_url: str, action: str, fields: dict[str, Any], **kw: Any
) -> httpx.Response:
    """Opens ``page_url``, then posts ``fields`` to ``action`` with that page's CSRF token
    (redirects not followed, so the test sees the 303)."""
    token = csrf_of(web.get(page_url))
    return web.post(action, data={"csrf": token, **fields}, follow_redirects=False, **kw)


def in_language(web: TestClient, language: str) -> None:
    """Makes the client ask for pages in ``language`` (the switcher's cookie)."""
    web.cookies.set("dzinza_lang", language)
