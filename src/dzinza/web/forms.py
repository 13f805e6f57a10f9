"""Who is signed in to the web app, and the forms it posts: CSRF tokens and form parsing.

The web app keeps its sign-in in a cookie holding a session token (stored hashed, like every
token): HttpOnly so scripts cannot read it, SameSite=Lax so other sites' forms do not carry it,
Secure when the page came over TLS. The API never reads this cookie (it takes bearer tokens
only), and the cookie's token is refused as a bearer token.

Every form posted carries a CSRF token in a hidden field (or, from the pages' scripts, in the
``X-CSRF-Token`` header). Signed in, it is derived from the session token (a hash no other site
can compute); signed out (the sign-in form, the emailed links), it is a random value that must
match a cookie of its own (double submit).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Annotated
from urllib.parse import parse_qsl

from fastapi import Depends, HTTPException, Request

from dzinza import logs
from dzinza.api.http import platform_of
from dzinza.services.common import Actor

SESSION_COOKIE = "dzinza_session"
CSRF_COOKIE = "dzinza_csrf"
CSRF_HEADER = "x-csrf-token"
MAX_FORM_BYTES = 65_536
MAX_FORM_FIELDS = 200


def web_actor(request: Request) -> Actor:
    """The signed-in user of the web app (anonymous without a valid session cookie); looked up
    once per request."""
    known = getattr(request.state, "web_actor", None)
    if isinstance(known, Actor):
        return known
    actor = platform_of(request).users.actor_for_session(request.cookies.get(SESSION_COOKIE))
    request.state.web_actor = actor
    logs.bind(user_id=actor.user_id)
    return actor


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def is_secure(request: Request) -> bool:
    return request.url.scheme == "https"


# -- CSRF ----------------------------------------------------------------------------------------
def _derived(session: str) -> str:
    return hashlib.sha256(f"csrf:{session}".encode()).hexdigest()


def csrf_token(request: Request) -> tuple[str, str | None]:
    """The form token for this visitor, and a new double-submit cookie value if one is needed."""
    session = request.cookies.get(SESSION_COOKIE)
    if session:
        return _derived(session), None
    existing = request.cookies.get(CSRF_COOKIE, "")
    if len(existing) >= 32:
        return existing, None
    fresh = secrets.token_urlsafe(32)
    return fresh, fresh


def csrf_ok(request: Request, offered: str | None = None) -> bool:
    """Whether the token offered (the form's field, else the X-CSRF-Token header) is this
    visitor's."""
    token = offered if offered else request.headers.get(CSRF_HEADER, "")
    session = request.cookies.get(SESSION_COOKIE)
    expected = _derived(session) if session else request.cookies.get(CSRF_COOKIE, "")
    return bool(expected) and hmac.compare_digest(expected.encode(), token.encode())


# -- form bodies ---------------------------------------------------------------------------------
async def form_fields(request: Request) -> dict[str, str]:
    """The fields of a urlencoded form (the only kind these pages post, uploads aside). A field
    given twice keeps its last value; see ``form_lists`` for multi-valued fields."""
    return dict(await _pairs(request))


async def form_lists(request: Request) -> dict[str, list[str]]:
    """The fields of a urlencoded form, every value of each (checkbox groups)."""
    fields: dict[str, list[str]] = {}
    for name, value in await _pairs(request):
        fields.setdefault(name, []).append(value)
    return fields


async def _pairs(request: Request) -> list[tuple[str, str]]:
    declared = request.headers.get("content-length") or "0"
    if not declared.isdigit():
        raise HTTPException(400, "The Content-Length header is not a number.")
    if int(declared) > MAX_FORM_BYTES:
        raise HTTPException(413, "The form is too large.")
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != "application/x-www-form-urlencoded":
        raise HTTPException(415, "Send the form as application/x-www-form-urlencoded.")
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        raise HTTPException(413, "The form is too large.")
    try:
        return parse_qsl(body.decode(), keep_blank_values=True, max_num_fields=MAX_FORM_FIELDS)
    except (UnicodeDecodeError, ValueError) as exc:
        raise HTTPException(400, "The form could not be read.") from exc


Form = Annotated[dict[str, str], Depends(form_fields)]
FormLists = Annotated[dict[str, list[str]], Depends(form_lists)]


def safe_next(target: str | None, default: str = "/") -> str:
    """Only a path on this site: never another site after signing in or switching language."""
    if (
        target
        and len(target) <= 500
        and target.startswith("/")
        and not target.startswith("//")
        and "\\" not in target
    ):
        return target
    return default
