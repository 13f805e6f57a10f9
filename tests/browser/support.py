"""What browser tests share besides fixtures: the live server's description, screenshots
(``snap``), and accounts made the way a person makes one (register, confirm the mailed link,
sign in) over the live server's API."""

from __future__ import annotations

import os
import re
import time
import uuid
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from urllib.parse import urlsplit

import httpx
from playwright.sync_api import ConsoleMessage, Page, WebError

from tests.conftest import Api

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
"""Where ``snap`` and failed tests leave their PNGs (kept out of git by .gitignore)."""
PASSWORD = "msasa kopje drizzle 1887"
"""The password of every account the browser tests make (strong enough for the policy)."""


@dataclass(frozen=True)
class LiveServer:
    """A ``uvicorn dzinza.asgi:app`` process on SQLite, its data in a folder of its own."""

    url: str
    data_dir: Path
    log: Path

    @property
    def mail_dir(self) -> Path:
        # The embedded default's mailer writes each message there as an .eml file.
        return self.data_dir / "mail"

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError as exc:
            return f"(the server log could not be read: {exc})"


def file_name(text: str) -> str:
    """``text`` with nothing a file name should not hold."""
    return re.sub(r"[^\w.-]+", "_", text).strip("_")


def current_test() -> str:
    """The running test's name (pytest says which test runs in PYTEST_CURRENT_TEST:
    ``path::name[params] (phase)``)."""
    running = os.environ.get("PYTEST_CURRENT_TEST", "outside-a-test").split(" ")[0]
    return running.split("::")[-1]


def snap(page: Page, name: str, *, test: str | None = None) -> Path:
    """A full-page PNG of what the page shows now, named after the test (the running one by
    default) and ``name``: ``test-artifacts/screenshots/TEST--NAME.png``."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{file_name(test or current_test())}--{file_name(name)}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def _messages_to(folder: Path, address: str) -> list[EmailMessage]:
    found = []
    # The mailer renames each file into place once written: a listed .eml is whole.
    for path in sorted(folder.glob("*.eml")):
        message = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
        assert isinstance(message, EmailMessage)
        if message["To"] == address:
            found.append(message)
    return found


def mailed_token(server: LiveServer, address: str, page: str, timeout: float = 10.0) -> str:
    """The token of the newest link to ``page`` (``verify-email``...) mailed to ``address``;
    waits for it, since the server mails from its outbox after answering."""
    pattern = re.compile(rf"https?://\S+/{re.escape(page)}\?token=([\w-]+)")
    deadline = time.monotonic() + timeout
    while True:
        for message in reversed(_messages_to(server.mail_dir, address)):
            body = message.get_body(preferencelist=("plain",))
            text = body.get_content() if isinstance(body, EmailMessage) else ""
            found = pattern.search(text)
            if found:
                return found.group(1)
        if time.monotonic() > deadline:
            raise AssertionError(f"no {page} link was mailed to {address} in {timeout} s")
        time.sleep(0.1)


@dataclass(frozen=True)
class Member:
    """An account with a confirmed address, and its API client (signed in with a bearer
    token)."""

    email: str
    password: str
    api: Api


def new_member(server: LiveServer, client: httpx.Client) -> Member:
    """Registers an account over the API, confirms its address with the link mailed to it, and
    signs in; ``client`` is an ``httpx.Client`` on the server's root URL."""
    email = f"member-{uuid.uuid4().hex[:12]}@example.org"
    guest = Api(client)
    made = guest.post(
        "/auth/register", {"email": email, "password": PASSWORD, "accept_terms": True}
    )
    assert made["email_verified"] is False
    token = mailed_token(server, email, "verify-email")
    assert guest.post("/auth/verify-email", {"token": token}, expect=200)["email_verified"]
    tokens = guest.post("/auth/login", {"email": email, "password": PASSWORD}, expect=200)
    return Member(email=email, password=PASSWORD, api=Api(client, tokens["access_token"]))


# -- what a page complains about: script errors and the content security policy -----------------
VIOLATION_RECORDER = """
(() => {
  window.__violations = [];
  document.addEventListener("securitypolicyviolation", (event) => {
    const found = {
      page: location.pathname,
      directive: event.violatedDirective,
      blocked: event.blockedURI,
      source: event.sourceFile,
      line: event.lineNumber,
      sample: event.sample,
    };
    window.__violations.push(found);
    // Kept by the test too: a document's own list is gone once the next page opens.
    if (typeof window.__dzinzaViolation === "function") { window.__dzinzaViolation(found); }
  });
})();
"""
"""An init script: each ``securitypolicyviolation`` of a document goes into
``window.__violations`` and to the test (``watch_page``)."""


IGNORED_CONSOLE_SOURCES: frozenset[str] = frozenset()
"""Resources whose failure is not the page's doing (none today: the pages link their icon,
and /favicon.ico answers too)."""


@dataclass
class PageProblems:
    """What the pages of one browser page complained about, across its navigations."""

    errors: list[str]
    violations: list[dict[str, object]]

    def report(self) -> str:
        lines = [*self.errors, *(f"CSP violation: {v}" for v in self.violations)]
        return "\n".join(lines) or "(none)"


def watch_page(page: Page) -> PageProblems:
    """Starts collecting the console's errors, uncaught script errors and content security
    policy violations of every document opened from now on in ``page``'s browser context
    (this page and the tabs opened from it)."""
    problems = PageProblems(errors=[], violations=[])
    context = page.context

    def on_violation(found: dict[str, object]) -> None:
        problems.violations.append(found)

    context.expose_function("__dzinzaViolation", on_violation)
    context.add_init_script(VIOLATION_RECORDER)

    def on_console(message: ConsoleMessage) -> None:
        if message.type != "error":
            return
        # For a resource that failed to load, the message's location is that resource.
        source = message.location.get("url") or ""
        if urlsplit(source).path in IGNORED_CONSOLE_SOURCES:
            return
        where = message.page.url if message.page else "?"
        problems.errors.append(f"console error on {where} ({source}): {message.text}")

    def on_error(error: WebError) -> None:
        where = error.page.url if error.page else "?"
        problems.errors.append(f"script error on {where}: {error.error}")

    context.on("console", on_console)
    context.on("weberror", on_error)
    return problems


def violations_here(page: Page) -> list[dict[str, object]]:
    """The violations the current document recorded in ``window.__violations``."""
    found = page.evaluate("() => window.__violations || []")
    assert isinstance(found, list)
    return found
