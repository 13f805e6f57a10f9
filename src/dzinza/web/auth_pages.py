"""Signing up, in and out of the web app, the account's settings, and the pages the account
emails link to.

The session cookie and the CSRF tokens these forms carry are described in forms.py. The settings
page (``/account``) has a form per section, each posting to its own route under ``/account/``:
a success goes back to the page with a flag naming the notice to show (``?done=password``; never
anything of the user's in the address), a refusal shows the page again with the service's
message at the form it concerns. Pages that show a secret once (the two-factor key, recovery
codes, a new personal access token) are the answer of their post, never stored or linked.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator
from typing import IO, Any
from urllib.parse import quote

import segno
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse

from dzinza.api.http import platform_of
from dzinza.domain.errors import DzinzaError, NotFound, TooManyRequests, ValidationFailed
from dzinza.services.common import Actor
from dzinza.services.gdpr import GRACE
from dzinza.services.platform import Platform
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
from dzinza.web.i18n import LANGUAGE_COOKIE, N_, gettext, ngettext
from dzinza.web.rendering import error_page, expired_form, guarded, render, see_other, speak

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
def signin_page(request: Request, next: str | None = None, done: str | None = None) -> Response:
    if not web_actor(request).anonymous:
        return RedirectResponse(_safe_next(next), status_code=303)
    context = {"next": _safe_next(next), "email": "", "notice": _signed_out_notice(request, done)}
    return _page(request, "auth/signin.html", context)


def _signed_out_notice(request: Request, done: str | None) -> str:
    """The notice of the sign-in page after something that signed the visitor out."""
    speak(request)
    if done == "everywhere":
        return gettext("You are signed out everywhere: in this browser and on every other device.")
    if done == "deletion":
        days = GRACE.days
        return ngettext(
            "Your account will be deleted in %(num)d day, and you are signed out everywhere. "
            "If you change your mind, sign in before then and cancel the deletion.",
            "Your account will be deleted in %(num)d days, and you are signed out everywhere. "
            "If you change your mind, sign in before then and cancel the deletion.",
            days,
        ) % {"num": days}
    return ""


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


# -- creating an account -------------------------------------------------------------------------
@router.get("/signup", response_class=HTMLResponse)
def signup_page(request: Request, next: str | None = None) -> Response:
    if not web_actor(request).anonymous:
        return RedirectResponse(_safe_next(next), status_code=303)
    return _signup_form(request, {"next": _safe_next(next), "email": ""})


def _signup_form(
    request: Request,
    values: dict[str, str],
    problem: dict[str, Any] | None = None,
    exc: DzinzaError | None = None,
) -> Response:
    terms, privacy = platform_of(request).users.documents
    context = {
        "values": values,
        "problem": problem or {},
        "terms_version": terms,
        "privacy_version": privacy,
    }
    if exc is None:
        return _page(request, "auth/signup.html", context)
    return _page(request, "auth/signup.html", context, exc.status, _retry(exc))


@router.post("/signup", response_class=HTMLResponse)
def signup(request: Request, form: Form) -> Response:
    if not csrf_ok(request, form.get("csrf", "")):
        return _bad_form(request)
    target = _safe_next(form.get("next"))
    if not web_actor(request).anonymous:
        return RedirectResponse(target, status_code=303)
    email, password = form.get("email", "")[:320], form.get("password", "")[:1000]
    users, client = platform_of(request).users, client_address(request)
    values = {"next": target, "email": email}
    try:
        users.register(email, password, form.get("accept_terms") == "yes", client)
    except DzinzaError as exc:
        speak(request)
        problem = _problem("signup", exc, {409: "email"})
        if "accept_terms" in problem["fields"]:
            problem["fields"]["accept_terms"] = gettext(
                "Tick this box to accept the terms of use and the privacy policy."
            )
        return _signup_form(request, values, problem, exc)
    try:
        session = users.login(email, password, client, web=True)
    except DzinzaError:
        # The account exists; only signing in was refused just now (a limit): do it by hand.
        return RedirectResponse(f"/signin?next={quote(target, safe='')}", status_code=303)
    return _signed_in(request, session, target)


# -- the account's settings ----------------------------------------------------------------------
NOTICES = {
    "email": N_(
        "Check your mail: a link to confirm your new address is on its way to it. Your address "
        "changes when you open that link."
    ),
    "verification": N_("A new link to confirm your email address is on its way to you."),
    "language": N_("Your language is saved."),
    "password": N_("Your password is changed, and your sign-ins on other devices have ended."),
    "two-factor-off": N_("Two-factor sign-in is off."),
    "session": N_("That sign-in has ended."),
    "token": N_("The personal access token is revoked: it no longer works."),
    "consent": N_("Thank you: your acceptance of the current terms is recorded."),
    "deletion-cancelled": N_("The deletion of your account is cancelled."),
}
FOLLOW_BROWSER = ""
"""The language choice that clears the account's setting (pages follow the browser)."""
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
TOKEN_ACCESS = {
    "read": N_("Read only"),
    "read write": N_("Read and change"),
    "read write admin": N_("Read, change and administer the site"),
}
"""The scopes a new personal access token may be given, as the form offers them."""
TOKEN_LIFETIMES = (30, 90, 365)
SECRET = re.compile(r"^[A-Z2-7]{16,128}$")
"""A TOTP secret as the service makes it (base32), carried by the enrolment form."""


def _problem(form: str, exc: DzinzaError, fallback: dict[int, str] | None = None) -> dict[str, Any]:
    """A refusal as the page shows it: the form it concerns, each field's message, and the
    service's sentence when no field already says it. ``fallback``: the field a refusal without
    fields belongs to, by status (the password for a 401, say)."""
    fields = {
        str(item["field"]): str(item.get("message", "")) for item in exc.errors if item.get("field")
    }
    field = (fallback or {}).get(exc.status)
    if not fields and field:
        fields = {field: exc.detail}
    detail = "" if exc.detail in fields.values() else exc.detail
    return {"form": form, "detail": detail, "fields": fields}


def _signed_out(request: Request) -> Response:
    return RedirectResponse("/signin?next=%2Faccount", status_code=303)


def _account_poster(request: Request, form: dict[str, str]) -> Actor | Response:
    """The signed-in account behind a post of an account form, or the answer that refuses
    the post (an expired form, or nobody signed in)."""
    if not csrf_ok(request, form.get("csrf", "")):
        return _bad_form(request)
    actor = web_actor(request)
    return _signed_out(request) if actor.anonymous else actor


def _retry(exc: DzinzaError) -> dict[str, str] | None:
    return {"Retry-After": str(exc.retry_after)} if isinstance(exc, TooManyRequests) else None


def _account_context(request: Request, actor: Actor) -> dict[str, Any]:
    p = platform_of(request)
    return {
        "account": p.gdpr.account(actor),
        "sessions": p.users.tokens.sessions(actor, request.cookies.get(SESSION_COOKIE)),
        "tokens": p.users.tokens.list(actor),
        "token_access": {
            scopes: label
            for scopes, label in TOKEN_ACCESS.items()
            if actor.is_admin or "admin" not in scopes
        },
        "token_lifetimes": TOKEN_LIFETIMES,
        "access_labels": TOKEN_ACCESS,
    }


def _account(
    request: Request,
    actor: Actor,
    *,
    notice: str | None = None,
    problem: dict[str, Any] | None = None,
    values: dict[str, str] | None = None,
    extra: dict[str, Any] | None = None,
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    try:
        context = _account_context(request, actor)
    except DzinzaError as exc:
        return guarded(error_page(request, exc))
    context |= {
        "notice": NOTICES.get(notice or ""),
        "problem": problem or {},
        "values": values or {},
        **(extra or {}),
    }
    return _page(request, "auth/account.html", context, status, headers)


@router.get("/account", response_class=HTMLResponse)
def account_page(request: Request, done: str | None = None) -> Response:
    actor = web_actor(request)
    if actor.anonymous:
        return _signed_out(request)
    return _account(request, actor, notice=done)


def _settings_post(
    request: Request,
    form: dict[str, str],
    section: str,
    change: Callable[[Platform, Actor, str], object],
    done: str,
    *,
    fallback: dict[int, str] | None = None,
    keep: tuple[str, ...] = (),
) -> Response:
    """One settings form: CSRF, then ``change(platform, actor, client)``; back to the page with
    the notice ``done``, or the page again with the refusal at the form ``section`` (the fields
    named in ``keep`` as they were typed)."""
    actor = _account_poster(request, form)
    if isinstance(actor, Response):
        return actor
    try:
        change(platform_of(request), actor, client_address(request))
    except DzinzaError as exc:
        values = {name: form.get(name, "")[:320] for name in keep}
        problem = _problem(section, exc, fallback)
        return _account(
            request, actor, problem=problem, values=values, status=exc.status, headers=_retry(exc)
        )
    return guarded(see_other(f"/account?done={done}#{section}"))


@router.post("/account/email", response_class=HTMLResponse)
def change_email(request: Request, form: Form) -> Response:
    def change(p: Platform, actor: Actor, client: str) -> None:
        new_email = form.get("new_email", "")[:320]
        p.users.account.change_email(actor, form.get("password", "")[:1000], new_email, client)

    fallback = {401: "password", 409: "new_email", 422: "new_email"}
    return _settings_post(
        request, form, "email", change, "email", fallback=fallback, keep=("new_email",)
    )


@router.post("/account/email/resend", response_class=HTMLResponse)
def resend_verification(request: Request, form: Form) -> Response:
    def change(p: Platform, actor: Actor, client: str) -> None:
        p.users.account.resend_verification(actor)

    return _settings_post(request, form, "verification", change, "verification")


@router.post("/account/language", response_class=HTMLResponse)
def choose_language(request: Request, form: Form) -> Response:
    chosen = form.get("language", "")[:10]

    def change(p: Platform, actor: Actor, client: str) -> None:
        p.users.account.set_language(actor, chosen or None)

    response = _settings_post(request, form, "language", change, "language")
    if response.status_code == 303 and response.headers["location"].startswith("/account?"):
        if chosen == FOLLOW_BROWSER:
            response.delete_cookie(LANGUAGE_COOKIE, path="/", secure=is_secure(request))
        else:
            response.set_cookie(
                LANGUAGE_COOKIE,
                chosen,
                max_age=LANGUAGE_COOKIE_AGE,
                samesite="lax",
                secure=is_secure(request),
                path="/",
            )
    return response


@router.post("/account/password", response_class=HTMLResponse)
def change_password(request: Request, form: Form) -> Response:
    def change(p: Platform, actor: Actor, client: str) -> None:
        p.users.account.change_password(
            actor,
            form.get("current_password", "")[:1000],
            form.get("new_password", "")[:1000],
            request.cookies.get(SESSION_COOKIE),
            client,
        )

    return _settings_post(
        request, form, "password", change, "password", fallback={401: "current_password"}
    )


# -- two-factor sign-in --------------------------------------------------------------------------
def _grouped(secret: str) -> str:
    """The key as people type it: in groups of four."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def qr_code(text: str, border: int = 4) -> dict[str, Any]:
    """A QR code of ``text`` as the size of its square and one SVG path of its dark modules
    (the template draws it inline: no image to fetch, no style attribute)."""
    matrix = segno.make(text, error="m", micro=False).matrix
    strokes = []
    for y, row in enumerate(matrix):
        x = 0
        while x < len(row):
            if not row[x]:
                x += 1
                continue
            start = x
            while x < len(row) and row[x]:
                x += 1
            strokes.append(f"M{start + border} {y + border}h{x - start}v1h-{x - start}z")
    return {"size": len(matrix) + 2 * border, "path": "".join(strokes)}


def _enrolment(
    request: Request,
    secret: str,
    uri: str,
    problem: dict[str, Any] | None = None,
    status: int = 200,
) -> Response:
    """The page that shows the new key (as a QR code, a link and text) and asks for a code."""
    valid = bool(SECRET.match(secret)) and uri.startswith("otpauth://totp/") and len(uri) < 1000
    context: dict[str, Any] = {"problem": problem or {}, "secret": "", "uri": "", "qr": None}
    if valid:
        context |= {"secret": secret, "grouped": _grouped(secret), "uri": uri, "qr": qr_code(uri)}
    return _page(request, "auth/two_factor_setup.html", context, status)


@router.post("/account/two-factor/setup", response_class=HTMLResponse)
def two_factor_setup(request: Request, form: Form) -> Response:
    actor = _account_poster(request, form)
    if isinstance(actor, Response):
        return actor
    try:
        made = platform_of(request).users.twofactor.setup(
            actor, form.get("password", "")[:1000], client_address(request)
        )
    except DzinzaError as exc:
        problem = _problem("setup", exc, {401: "password"})
        return _account(request, actor, problem=problem, status=exc.status, headers=_retry(exc))
    return _enrolment(request, made["secret"], made["otpauth_uri"])


def _recovery_codes(request: Request, codes: list[str], first: bool) -> Response:
    return _page(request, "auth/recovery_codes.html", {"codes": codes, "first": first})


@router.post("/account/two-factor/enable", response_class=HTMLResponse)
def two_factor_enable(request: Request, form: Form) -> Response:
    actor = _account_poster(request, form)
    if isinstance(actor, Response):
        return actor
    try:
        done = platform_of(request).users.twofactor.enable(
            actor, form.get("code", "")[:40], client_address(request)
        )
    except DzinzaError as exc:
        problem = _problem("enable", exc, {422: "code"})
        secret, uri = form.get("secret", "")[:128], form.get("uri", "")[:1000]
        return _enrolment(request, secret, uri, problem, exc.status)
    return _recovery_codes(request, done["recovery_codes"], first=True)


@router.post("/account/two-factor/recovery-codes", response_class=HTMLResponse)
def two_factor_new_codes(request: Request, form: Form) -> Response:
    actor = _account_poster(request, form)
    if isinstance(actor, Response):
        return actor
    try:
        done = platform_of(request).users.twofactor.new_recovery_codes(
            actor,
            form.get("password", "")[:1000],
            form.get("code", "")[:40],
            client_address(request),
        )
    except DzinzaError as exc:
        problem = _problem("recovery", exc)
        return _account(request, actor, problem=problem, status=exc.status, headers=_retry(exc))
    return _recovery_codes(request, done["recovery_codes"], first=False)


@router.post("/account/two-factor/disable", response_class=HTMLResponse)
def two_factor_disable(request: Request, form: Form) -> Response:
    def change(p: Platform, actor: Actor, client: str) -> None:
        p.users.twofactor.disable(
            actor, form.get("password", "")[:1000], form.get("code", "")[:40], client
        )

    return _settings_post(request, form, "disable", change, "two-factor-off")


# -- sign-ins and personal access tokens ---------------------------------------------------------
def _uuid(text: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(text)
    except ValueError:
        return None


@router.post("/account/sessions/{session_id}/end", response_class=HTMLResponse)
def end_session(request: Request, session_id: str, form: Form) -> Response:
    def change(p: Platform, actor: Actor, client: str) -> None:
        found = _uuid(session_id)
        if found is None:
            raise NotFound(f"You have no web sign-in with id {session_id[:40]}.")
        p.users.tokens.end_session(actor, found, client)

    return _settings_post(request, form, "sessions", change, "session")


@router.post("/account/sessions/end-all", response_class=HTMLResponse)
def end_every_session(request: Request, form: Form) -> Response:
    actor = _account_poster(request, form)
    if isinstance(actor, Response):
        return actor
    try:
        platform_of(request).users.logout_everywhere(actor, client_address(request))
    except DzinzaError as exc:
        problem = _problem("sessions", exc)
        return _account(request, actor, problem=problem, status=exc.status)
    return _cookie_gone(request, "/signin?done=everywhere")


def _cookie_gone(request: Request, target: str) -> Response:
    """To ``target`` without the session cookie (its sign-in has just been ended)."""
    response = RedirectResponse(target, status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/", secure=is_secure(request), httponly=True)
    return guarded(response)


@router.post("/account/tokens", response_class=HTMLResponse)
def create_token(request: Request, form: Form) -> Response:
    actor = _account_poster(request, form)
    if isinstance(actor, Response):
        return actor
    name = form.get("name", "").strip()[:100]
    lifetime = form.get("expires_in_days", "")
    days = int(lifetime) if lifetime.isdigit() and int(lifetime) in TOKEN_LIFETIMES else None
    scopes = form.get("scopes", "read")
    try:
        if not name:
            speak(request)
            missing = gettext("Give the token a name, to know later what it is for.")
            raise ValidationFailed(missing, errors=[{"field": "name", "message": missing}])
        made = platform_of(request).users.tokens.create(
            actor,
            name,
            scopes.split() if scopes in TOKEN_ACCESS else [],
            days,
            client_address(request),
        )
    except DzinzaError as exc:
        problem = _problem("token", exc)
        values = {"name": name, "scopes": scopes, "expires_in_days": lifetime}
        return _account(
            request,
            actor,
            problem=problem,
            values=values,
            status=exc.status,
            headers=_retry(exc),
        )
    return _account(request, actor, extra={"new_token": made})


@router.post("/account/tokens/{token_id}/revoke", response_class=HTMLResponse)
def revoke_token(request: Request, token_id: str, form: Form) -> Response:
    def change(p: Platform, actor: Actor, client: str) -> None:
        found = _uuid(token_id)
        if found is None:
            raise NotFound(f"You have no personal access token with id {token_id[:40]}.")
        p.users.tokens.revoke(actor, found, client)

    return _settings_post(request, form, "tokens", change, "token")


# -- your data: the copy, consent, deleting the account ------------------------------------------
def _chunks(archive: IO[bytes]) -> Iterator[bytes]:
    try:
        while chunk := archive.read(256 * 1024):
            yield chunk
    finally:
        archive.close()


@router.post("/account/export", response_model=None)
def export_data(request: Request, form: Form) -> Response:
    actor = _account_poster(request, form)
    if isinstance(actor, Response):
        return actor
    try:
        archive = platform_of(request).gdpr.export(actor, client_address(request))
    except DzinzaError as exc:
        problem = _problem("data", exc)
        return _account(request, actor, problem=problem, status=exc.status, headers=_retry(exc))
    archive.seek(0, 2)
    size = archive.tell()
    archive.seek(0)
    return guarded(
        StreamingResponse(
            _chunks(archive),
            media_type="application/zip",
            headers={
                "Content-Disposition": 'attachment; filename="dzinza-export.zip"',
                "Content-Length": str(size),
            },
        )
    )


@router.post("/account/consent", response_class=HTMLResponse)
def give_consent(request: Request, form: Form) -> Response:
    def change(p: Platform, actor: Actor, client: str) -> None:
        for document in ("terms", "privacy"):
            version = form.get(document, "")[:20]
            if version:
                p.gdpr.give_consent(actor, document, version, client)

    return _settings_post(request, form, "data", change, "consent")


def _owned_trees(request: Request, actor: Actor) -> list[dict[str, Any]]:
    """The trees the account owns, each with the members who could take it over."""
    p = platform_of(request)
    owned, cursor = [], None
    while True:
        page = p.trees.list(actor, cursor=cursor, limit=500)
        owned += [tree for tree in page.items if tree.get("my_role") == "owner"]
        if not page.next_cursor:
            break
        cursor = page.next_cursor
    for tree in owned:
        members = p.members.list(actor, uuid.UUID(str(tree["id"])), limit=500).items
        tree["heirs"] = [m for m in members if m["user_id"] != str(actor.user_id)]
    return owned


def _deletion_form(
    request: Request,
    actor: Actor,
    problem: dict[str, Any] | None = None,
    chosen: dict[str, str] | None = None,
    exc: DzinzaError | None = None,
) -> Response:
    try:
        trees = _owned_trees(request, actor)
        account = platform_of(request).users.account.me(actor)
    except DzinzaError as failure:
        return guarded(error_page(request, failure))
    context = {
        "trees": trees,
        "chosen": chosen or {},
        "problem": problem or {},
        "grace_days": GRACE.days,
        "account": account,
    }
    if exc is None:
        return _page(request, "auth/delete.html", context)
    return _page(request, "auth/delete.html", context, exc.status, _retry(exc))


@router.get("/account/delete", response_class=HTMLResponse)
def deletion_page(request: Request) -> Response:
    actor = web_actor(request)
    if actor.anonymous:
        return RedirectResponse("/signin?next=%2Faccount%2Fdelete", status_code=303)
    return _deletion_form(request, actor)


@router.post("/account/delete", response_class=HTMLResponse)
def request_deletion(request: Request, form: Form) -> Response:
    actor = _account_poster(request, form)
    if isinstance(actor, Response):
        return actor
    chosen = {
        name.removeprefix("tree-"): value
        for name, value in form.items()
        if name.startswith("tree-") and value != "delete"
    }
    try:
        heirs = {}
        for tree_id, heir in chosen.items():
            tree, member = _uuid(tree_id), _uuid(heir)
            if tree is None or member is None:
                raise ValidationFailed(
                    "The plan for your trees does not work: choose again from the lists.",
                    errors=[{"field": f"tree-{tree_id[:40]}", "message": "unknown"}],
                )
            heirs[tree] = member
        platform_of(request).gdpr.request_deletion(
            actor, form.get("password", "")[:1000], "delete", heirs, client_address(request)
        )
    except DzinzaError as exc:
        problem = _problem("delete", exc, {401: "password"})
        problem["fields"] = {
            name.replace("transfer_to.", "tree-"): message
            for name, message in problem["fields"].items()
        }
        return _deletion_form(request, actor, problem, chosen, exc)
    return _cookie_gone(request, "/signin?done=deletion")


@router.post("/account/delete/cancel", response_class=HTMLResponse)
def cancel_deletion(request: Request, form: Form) -> Response:
    def change(p: Platform, actor: Actor, client: str) -> None:
        p.gdpr.cancel_deletion(actor, client)

    return _settings_post(request, form, "deletion", change, "deletion-cancelled")


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
