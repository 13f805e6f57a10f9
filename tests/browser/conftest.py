"""Fixtures of the browser tests: Chromium driven by Playwright against a live Dzinza server.

Chromium is Debian's (``DZINZA_TEST_CHROMIUM``, default /usr/bin/chromium; ``scripts/test.sh``
installs it when missing through ``scripts/services.sh chromium-ensure``). Without it the tests
skip, except under ``CI=true``, where they fail, as a missing test server does.

Each pytest-xdist worker has its own server (a free port, a data folder under the worker's
temporary folder) and its own Chromium; each test has a fresh browser context, so no cookie
outlives its test. Each test also comes from an address of its own (see ``visitor_address``), so
the per-address limits on sign-ins and sign-ups never add up across tests.

On a failure the page is saved as a PNG in ``test-artifacts/screenshots/`` and the report shows
where, with the end of the server's log and the page's script errors.
"""

from __future__ import annotations

import itertools
import os
import shutil
import subprocess
from collections.abc import Generator, Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, expect, sync_playwright

from tests.browser.support import SCREENSHOTS, LiveServer, Member, file_name, new_member, snap
from tests.conftest import unavailable
from tests.servers import BIN, free_port, wait_until_up

DEFAULT_CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    # Root in a container: Chromium's sandbox needs namespaces it cannot have there.
    "--no-sandbox",
    # No GPU on these machines: software rendering from the start, without probing for one.
    "--disable-gpu",
    # /dev/shm is small in containers; Chromium then crashes on large pages.
    "--disable-dev-shm-usage",
    # No traffic but the test's own: the machine reaches package registries only, and calls out
    # to Google's services would only wait and fail in the background.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    # No first-run dialogs or profile set-up in the way of the first page.
    "--no-first-run",
]
TIMEOUT_MS = 10_000
"""How long an action or an expectation waits for the page (the server runs on this machine)."""

expect.set_options(timeout=TIMEOUT_MS)

# Documentation addresses (RFC 5737): never routed, so nothing is ever sent to them; they only
# name the visitor in X-Forwarded-For, which the server believes from 127.0.0.1 (its default
# trusted proxy). Each worker process has its own server, so a counter per process suffices.
_ADDRESSES = itertools.cycle(
    f"{net}.{host}" for net in ("192.0.2", "198.51.100", "203.0.113") for host in range(1, 255)
)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Headless Chromium for this worker's whole session."""
    path = os.environ.get("DZINZA_TEST_CHROMIUM") or DEFAULT_CHROMIUM
    if not os.access(path, os.X_OK):
        unavailable(
            f"Chromium is not available at {path}: run scripts/services.sh chromium-ensure "
            "(make test does), or set DZINZA_TEST_CHROMIUM"
        )
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=path, headless=True, args=CHROMIUM_ARGS
        )
        yield launched
        launched.close()


@pytest.fixture(scope="session")
def live_server(
    tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path
) -> Iterator[LiveServer]:
    """``uvicorn dzinza.asgi:app`` on 127.0.0.1 and a free port, on a SQLite database of its own
    (the session's migrated template), until the end of this worker's session."""
    folder = tmp_path_factory.mktemp("live-server")
    data = folder / "data"
    data.mkdir()
    shutil.copy(sqlite_template, data / "dzinza.db")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    # None of the developer's own DZINZA_* settings (a database, Redis, OpenSearch): the embedded
    # default only, in this folder.
    env = {k: v for k, v in os.environ.items() if not k.startswith("DZINZA_")} | {
        "DZINZA_DATA_DIR": str(data),
        "DZINZA_PUBLIC_URL": url,
        # Cheap hashing: every test makes an account. No API-wide limit, as in tests/conftest.py.
        "DZINZA_PASSWORD_HASHING": "fast-for-tests-only",
        "DZINZA_API_REQUESTS_PER_MINUTE": "0",
    }
    log = folder / "server.log"
    # As `dzinza serve` runs it: the app reads forwarded headers itself, from trusted proxies
    # only, so uvicorn must not rewrite the client's address first.
    command = [str(BIN / "uvicorn"), "dzinza.asgi:app", "--no-proxy-headers"]
    with log.open("wb") as out:
        process = subprocess.Popen(
            [*command, "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            # Not the checkout: the settings would read a .env file found there.
            cwd=folder,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        # Generous: a loaded machine (the whole suite on every core) slows the imports.
        wait_until_up(f"{url}/healthz", process, log, timeout=120)
        yield LiveServer(url=url, data_dir=data, log=log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
def visitor_address() -> str:
    """The address this test's browser and API calls come from, as the server sees them."""
    return next(_ADDRESSES)


@pytest.fixture
def page(
    browser: Browser, live_server: LiveServer, visitor_address: str, request: pytest.FixtureRequest
) -> Iterator[Page]:
    """A fresh browser context and page on the live server (``page.goto("/signin")`` works):
    nothing carries over from another test."""
    # The screenshots of an earlier run of this test would pass for this run's.
    for stale in SCREENSHOTS.glob(f"{file_name(request.node.name)}--*.png"):
        stale.unlink(missing_ok=True)
    context = browser.new_context(
        base_url=live_server.url,
        extra_http_headers={"X-Forwarded-For": visitor_address},
        viewport={"width": 1280, "height": 900},
        locale="en-GB",
        timezone_id="UTC",
    )
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(TIMEOUT_MS)
    opened = context.new_page()
    # Script errors are kept for the failure report (with a content security policy, a blocked
    # script shows up only there).
    errors: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            errors.append(f"console: {message.text}")

    opened.on("pageerror", lambda exc: errors.append(f"page error: {exc}"))
    opened.on("console", on_console)
    request.node.stash[_PAGE_ERRORS] = errors
    try:
        yield opened
    finally:
        context.close()


@pytest.fixture
def member(live_server: LiveServer, visitor_address: str) -> Iterator[Member]:
    """A new account with a confirmed address, signed in to the API (not to the browser)."""
    with httpx.Client(
        base_url=live_server.url, headers={"X-Forwarded-For": visitor_address}, timeout=20
    ) as client:
        yield new_member(live_server, client)


_PAGE_ERRORS = pytest.StashKey[list[str]]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """On a failed test with a page: a screenshot, the page's script errors and the end of the
    server's log, in the report."""
    report: pytest.TestReport = yield
    funcargs = getattr(item, "funcargs", {})
    opened = funcargs.get("page")
    if report.failed and report.when == "call" and isinstance(opened, Page):
        try:
            where = str(snap(opened, "FAILED", test=item.name))
        except Exception as exc:  # a crashed page: the report matters more than the picture
            where = f"(no screenshot: {exc})"
        report.sections.append(("browser", f"screenshot of the page: {where}"))
        errors = item.stash.get(_PAGE_ERRORS, [])
        if errors:
            report.sections.append(("browser script errors", "\n".join(errors)))
        server = funcargs.get("live_server")
        if isinstance(server, LiveServer):
            report.sections.append(("live server log (end)", server.log_tail()))
    return report
