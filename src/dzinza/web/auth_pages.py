"""Signing in and out of the web app, and the pages the account emails link to.

The web app keeps its sign-in in a cookie holding a session token (stored hashed, like every
token): HttpOnly so scripts cannot read it, SameSite=Lax so other sites' forms do not carry it,
Secure when the page came over TLS. The API never reads this cookie (it takes bearer tokens
only), and the cookie's token is refused as a bearer token.

Every form posted here carries a CSRF token in a hidden field. Signed in, it is derived from the
session token (a hash no other site can compute); signed out (the sign-in form, the emailed
links), it is a random value that must match a cookie of its own (double submit).

``web_actor`` gives the other pages the signed-in user.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import parse_qsl

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from dzinza.api.http import platform_of
from dzinza.domain.errors import DzinzaError, TooManyRequests
from dzinza.services.common import Actor

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=HERE / "templates")
router = APIRouter(include_in_schema=False)

SESSION_COOKIE = "dzinza_session"
CSRF_COOKIE = "dzinza_csrf"
MAX_FORM_BYTES = 16_384


def web_actor(request: Request) -> Actor:
    """The signed-in user of the web app (anonymous without a valid session cookie)."""
    return platform_of(request).users.actor_for_session(request.cookies.get(SESSION_COOKIE))


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


# -- CSRF ----------------------------------------------------------------------------------------
def _derived(session: str) -> str:
    return hashlib.sha256(f"csrf:{session}".encode()).hexdigest()


def _csrf(request: Request) -> tuple[str, str | None]:
    """The form token for this visitor, and a new double-submit cookie value if one is needed."""
    session = request.cookies.get(SESSION_COOKIE)
    if session:
        return _derived(session), None
    existing = request.cookies.get(CSRF_COOKIE, "")
    if len(existing) >= 32:
        return existing, None
    fresh = secrets.token_urlsafe(32)
    return fresh, fresh


def _csrf_ok(request: Request, offered: str) -> bool:
    session = request.cookies.get(SESSION_COOKIE)
    expected = _derived(session) if session else request.cookies.get(CSRF_COOKIE, "")
    return bool(expected) and hmac.compare_digest(expected.encode(), offered.encode())


# -- plumbing ------------------------------------------------------------------------------------
async def form_fields(request: Request) -> dict[str, str]:
    """The fields of a urlencoded form (the only kind these pages send)."""
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
        return dict(parse_qsl(body.decode(), keep_blank_values=True, max_num_fields=20))
    except (UnicodeDecodeError, ValueError) as exc:
        raise HTTPException(400, "The form could not be read.") from exc


Form = Annotated[dict[str, str], Depends(form_fields)]


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


def _page(
    request: Request,
    name: str,
    context: dict[str, Any],
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    csrf, new_cookie = _csrf(request)
    response = templates.TemplateResponse(
        request, name, {**context, "csrf": csrf}, status_code=status, headers=headers
    )
    if new_cookie:
        response.set_cookie(
            CSRF_COOKIE,
            new_cookie,
            httponly=True,
            samesite="strict",
            secure=_secure(request),
            path="/",
        )
    return _guarded(response)


def _guarded(response: Response) -> Response:
    # Tokens travel in these pages' addresses: no Referer leaks them, no cache keeps them, and
    # no other site frames the forms.
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Frame-Options"] = "DENY"
    return response


def _refused(request: Request, name: str, context: dict[str, Any], exc: DzinzaError) -> Response:
    headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, TooManyRequests) else None
    return _page(request, name, {**context, "error": exc.detail}, exc.status, headers)


def _bad_form(request: Request) -> Response:
    return _page(
        request,
        "error.html",
        {
            "title": "Form expired",
            "detail": "This form has expired or did not come from this site: reload the page "
            "and send it again.",
        },
        403,
    )


def _safe_next(target: str | None) -> str:
    """Only a path on this site: never another site after signing in."""
    if (
        target
        and len(target) <= 500
        and target.startswith("/")
        and not target.startswith("//")
        and "\\" not in target
    ):
        return target
    return "/account"


def _signed_in(request: Request, session: dict[str, Any], target: str) -> Response:
    response = RedirectResponse(_safe_next(target), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        session["session"],
        max_age=session["expires_in"],
        httponly=True,
        samesite="lax",
        secure=_secure(request),
        path="/",
    )
    response.delete_cookie(CSRF_COOKIE, path="/")
    return _guarded(response)


# -- sign in and out -----------------------------------------------------------------------------
@router.get("/signin", response_class=HTMLResponse)
def signin_page(request: Request, next: str | None = None) -> Response:
    if not web_actor(request).anonymous:
        return RedirectResponse(_safe_next(next), status_code=303)
    return _page(request, "auth/signin.html", {"next": _safe_next(next), "email": ""})


@router.post("/signin", response_class=HTMLResponse)
def signin(request: Request, form: Form) -> Response:
    target = _safe_next(form.get("next"))
    if not _csrf_ok(request, form.get("csrf", "")):
        return _bad_form(request)
    email = form.get("email", "")[:320]
    context = {"next": target, "email": email}
    try:
        result = platform_of(request).users.login(
            email, form.get("password", "")[:1000], _client(request), web=True
        )
    except DzinzaError as exc:
        return _refused(request, "auth/signin.html", context, exc)
    if result.get("mfa_required"):
        return _page(
            request, "auth/two_factor.html", {"next": target, "challenge": result["challenge"]}
        )
    return _signed_in(request, result, target)


@router.post("/signin/2fa", response_class=HTMLResponse)
def signin_second_factor(request: Request, form: Form) -> Response:
    target = _safe_next(form.get("next"))
    if not _csrf_ok(request, form.get("csrf", "")):
        return _bad_form(request)
    challenge = form.get("challenge", "")[:200]
    context = {"next": target, "challenge": challenge}
    try:
        result = platform_of(request).users.login_2fa(
            challenge, form.get("code", "")[:40], _client(request), web=True
        )
    except DzinzaError as exc:
        return _refused(request, "auth/two_factor.html", context, exc)
    return _signed_in(request, result, target)


@router.post("/signout")
def signout(request: Request, form: Form) -> Response:
    if not _csrf_ok(request, form.get("csrf", "")):
        return _bad_form(request)
    session = request.cookies.get(SESSION_COOKIE)
    if session:
        platform_of(request).users.end_web_session(session)
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/", secure=_secure(request), httponly=True)
    return _guarded(response)


@router.get("/account", response_class=HTMLResponse)
def account_page(request: Request) -> Response:
    actor = web_actor(request)
    if actor.anonymous:
        return RedirectResponse("/signin?next=/account", status_code=303)
    try:
        account = platform_of(request).users.account.me(actor)
    except DzinzaError as exc:
        return _page(request, "error.html", {"title": exc.title, "detail": exc.detail}, 401)
    return _page(request, "auth/account.html", {"account": account})


# -- the pages the emails link to ----------------------------------------------------------------
# A GET only shows a button: mail scanners open links, and opening must not use the token up.
LINKS = {
    "verify-email": ("Confirm your email address", "Confirm my address"),
    "confirm-email": ("Confirm your new email address", "Use this address"),
}


def _link_page(
    request: Request, page: str, token: str, error: str = "", status: int = 200
) -> Response:
    title, button = LINKS[page]
    context = {"title": title, "button": button, "action": f"/{page}", "token": token}
    return _page(request, "auth/link.html", {**context, "error": error}, status)


@router.get("/verify-email", response_class=HTMLResponse)
def verify_email_page(request: Request, token: str = "") -> Response:
    return _link_page(request, "verify-email", token[:200])


@router.get("/confirm-email", response_class=HTMLResponse)
def confirm_email_page(request: Request, token: str = "") -> Response:
    return _link_page(request, "confirm-email", token[:200])


@router.post("/verify-email", response_class=HTMLResponse)
def verify_email(request: Request, form: Form) -> Response:
    return _redeem(request, form, "verify-email")


@router.post("/confirm-email", response_class=HTMLResponse)
def confirm_email(request: Request, form: Form) -> Response:
    return _redeem(request, form, "confirm-email")


def _redeem(request: Request, form: dict[str, str], page: str) -> Response:
    if not _csrf_ok(request, form.get("csrf", "")):
        return _bad_form(request)
    token = form.get("token", "")[:200]
    account = platform_of(request).users.account
    try:
        if page == "verify-email":
            done = account.verify_email(token, _client(request))
        else:
            done = account.confirm_email(token, _client(request))
    except DzinzaError as exc:
        return _link_page(request, page, token, error=exc.detail, status=exc.status)
    return _page(
        request,
        "auth/done.html",
        {"title": "Done", "text": f"Your email address {done['email']} is confirmed."},
    )


@router.get("/reset-password", response_class=HTMLResponse)
def reset_page(request: Request, token: str = "") -> Response:
    return _page(request, "auth/reset.html", {"token": token[:200]})


@router.post("/reset-password/request", response_class=HTMLResponse)
def reset_request(request: Request, form: Form) -> Response:
    if not _csrf_ok(request, form.get("csrf", "")):
        return _bad_form(request)
    try:
        platform_of(request).users.account.request_reset(
            form.get("email", "")[:320], _client(request)
        )
    except DzinzaError as exc:
        return _refused(request, "auth/reset.html", {"token": ""}, exc)
    return _page(
        request,
        "auth/done.html",
        {
            "title": "Check your mail",
            "text": "If the address has an account, a link to choose a new password is on its "
            "way. It works for an hour.",
        },
    )


@router.post("/reset-password", response_class=HTMLResponse)
def reset(request: Request, form: Form) -> Response:
    if not _csrf_ok(request, form.get("csrf", "")):
        return _bad_form(request)
    token = form.get("token", "")[:200]
    try:
        platform_of(request).users.account.confirm_reset(
            token, form.get("new_password", "")[:1000], _client(request)
        )
    except DzinzaError as exc:
        return _refused(request, "auth/reset.html", {"token": token}, exc)
    return _page(
        request,
        "auth/done.html",
        {
            "title": "Password changed",
            "text": "Your new password is set and every earlier sign-in has ended.",
            "link": ("/signin", "Sign in"),
        },
    )
