"""Signing in and out of the web app, and the pages the account emails link to.

The session cookie and the CSRF tokens these forms carry are described in forms.py.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from dzinza.api.http import platform_of
from dzinza.domain.errors import DzinzaError, TooManyRequests
from dzinza.web.forms import (
    CSRF_COOKIE,
    SESSION_COOKIE,
    Form,
    client_address,
    csrf_ok,
    is_secure,
    safe_next,
    web_actor,
)
from dzinza.web.i18n import N_, gettext
from dzinza.web.rendering import expired_form, guarded, render, speak

router = APIRouter(include_in_schema=False)


def _page(
    request: Request,
    name: str,
    context: dict[str, Any],
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    return guarded(render(request, name, context, status=status, headers=headers))


def _refused(request: Request, name: str, context: dict[str, Any], exc: DzinzaError) -> Response:
    headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, TooManyRequests) else None
    return _page(request, name, {**context, "error": exc.detail}, exc.status, headers)


def _bad_form(request: Request) -> Response:
    return guarded(expired_form(request))


def _safe_next(target: str | None) -> str:
    return safe_next(target, "/")


def _signed_in(request: Request, session: dict[str, Any], target: str) -> Response:
    response = RedirectResponse(_safe_next(target), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        session["session"],
        max_age=session["expires_in"],
        httponly=True,
        samesite="lax",
        secure=is_secure(request),
        path="/",
    )
    response.delete_cookie(CSRF_COOKIE, path="/")
    return guarded(response)


# -- sign in and out -----------------------------------------------------------------------------
@router.get("/signin", response_class=HTMLResponse)
def signin_page(request: Request, next: str | None = None) -> Response:
    if not web_actor(request).anonymous:
        return RedirectResponse(_safe_next(next), status_code=303)
    return _page(request, "auth/signin.html", {"next": _safe_next(next), "email": ""})


@router.post("/signin", response_class=HTMLResponse)
def signin(request: Request, form: Form) -> Response:
    target = _safe_next(form.get("next"))
    if not csrf_ok(request, form.get("csrf", "")):
        return _bad_form(request)
    email = form.get("email", "")[:320]
    context = {"next": target, "email": email}
    try:
        result = platform_of(request).users.login(
            email, form.get("password", "")[:1000], client_address(request), web=True
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
    if not csrf_ok(request, form.get("csrf", "")):
        return _bad_form(request)
    challenge = form.get("challenge", "")[:200]
    context = {"next": target, "challenge": challenge}
    try:
        result = platform_of(request).users.login_2fa(
            challenge, form.get("code", "")[:40], client_address(request), web=True
        )
    except DzinzaError as exc:
        return _refused(request, "auth/two_factor.html", context, exc)
    return _signed_in(request, result, target)


@router.post("/signout")
def signout(request: Request, form: Form) -> Response:
    if not csrf_ok(request, form.get("csrf", "")):
        return _bad_form(request)
    session = request.cookies.get(SESSION_COOKIE)
    if session:
        platform_of(request).users.end_web_session(session)
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/", secure=is_secure(request), httponly=True)
    return guarded(response)


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
    "verify-email": (N_("Confirm your email address"), N_("Confirm my address")),
    "confirm-email": (N_("Confirm your new email address"), N_("Use this address")),
}


def _link_page(
    request: Request, page: str, token: str, error: str = "", status: int = 200
) -> Response:
    speak(request)
    title, button = (gettext(text) for text in LINKS[page])
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
    if not csrf_ok(request, form.get("csrf", "")):
        return _bad_form(request)
    token = form.get("token", "")[:200]
    account = platform_of(request).users.account
    try:
        if page == "verify-email":
            done = account.verify_email(token, client_address(request))
        else:
            done = account.confirm_email(token, client_address(request))
    except DzinzaError as exc:
        return _link_page(request, page, token, error=exc.detail, status=exc.status)
    speak(request)
    text = gettext("Your email address %(email)s is confirmed.") % {"email": done["email"]}
    return _page(request, "auth/done.html", {"title": gettext("Done"), "text": text})


@router.get("/reset-password", response_class=HTMLResponse)
def reset_page(request: Request, token: str = "") -> Response:
    return _page(request, "auth/reset.html", {"token": token[:200]})


@router.post("/reset-password/request", response_class=HTMLResponse)
def reset_request(request: Request, form: Form) -> Response:
    if not csrf_ok(request, form.get("csrf", "")):
        return _bad_form(request)
    try:
        platform_of(request).users.account.request_reset(
            form.get("email", "")[:320], client_address(request)
        )
    except DzinzaError as exc:
        return _refused(request, "auth/reset.html", {"token": ""}, exc)
    speak(request)
    return _page(
        request,
        "auth/done.html",
        {
            "title": gettext("Check your mail"),
            "text": gettext(
                "If the address has an account, a link to choose a new password is on its "
                "way. It works for an hour."
            ),
        },
    )


@router.post("/reset-password", response_class=HTMLResponse)
def reset(request: Request, form: Form) -> Response:
    if not csrf_ok(request, form.get("csrf", "")):
        return _bad_form(request)
    token = form.get("token", "")[:200]
    try:
        platform_of(request).users.account.confirm_reset(
            token, form.get("new_password", "")[:1000], client_address(request)
        )
    except DzinzaError as exc:
        return _refused(request, "auth/reset.html", {"token": token}, exc)
    speak(request)
    return _page(
        request,
        "auth/done.html",
        {
            "title": gettext("Password changed"),
            "text": gettext("Your new password is set and every earlier sign-in has ended."),
            "link": ("/signin", gettext("Sign in")),
        },
    )
