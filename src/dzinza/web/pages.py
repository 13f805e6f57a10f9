"""The pages every visitor starts from: the landing page (public trees) and, signed in, the
dashboard; and the language switch."""

from __future__ import annotations

import contextlib
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from dzinza.api.http import platform_of
from dzinza.domain.errors import DzinzaError
from dzinza.domain.languages import LANGUAGES
from dzinza.web import i18n, tree_pages
from dzinza.web.forms import Form, csrf_ok, is_secure, safe_next, web_actor
from dzinza.web.i18n import N_
from dzinza.web.rendering import error_page, expired_form, render, see_other, static_url

router = APIRouter(include_in_schema=False)
YEAR = 365 * 24 * 3600
NOTICES = {"declined": N_("The invitation was declined.")}
"""What the dashboard confirms after a form sent the user back to it (``?done=``); translated
in the template."""


@router.get("/", response_class=HTMLResponse)
def home(
    request: Request,
    cursor: Annotated[str | None, Query(max_length=2000)] = None,
    done: str | None = None,
) -> Response:
    """Signed out, what Dzinza is and the public trees; signed in, the dashboard: the
    invitations waiting for the reader, their trees with their role, the others they may see,
    and the latest changes in those they edit."""
    actor = web_actor(request)
    try:
        context = tree_pages.home_context(request, cursor)
        if not actor.anonymous:
            context["invitations"] = platform_of(request).members.pending_for(actor)
    except DzinzaError as exc:
        return error_page(request, exc)
    context["notice"] = "" if actor.anonymous else NOTICES.get(done or "", "")
    return render(request, "home.html", context)


@router.get("/favicon.ico", include_in_schema=False)
def favicon() -> Response:
    """Browsers ask for it by themselves, on any address (the pages link the icon)."""
    return RedirectResponse(static_url("img/favicon.svg"), status_code=301)


@router.post("/language")
def switch_language(request: Request, form: Form) -> Response:
    """The switcher: remembered in a cookie, and in the account when signed in."""
    if not csrf_ok(request, form.get("csrf", "")):
        return expired_form(request)
    language = form.get("language", "")
    target = safe_next(form.get("next"))
    if language not in LANGUAGES:
        return see_other(target)
    actor = web_actor(request)
    if not actor.anonymous:
        # Should the account be gone, the cookie still carries the choice for this browser.
        with contextlib.suppress(DzinzaError):
            platform_of(request).users.account.set_language(actor, language)
    response = see_other(target)
    response.set_cookie(
        i18n.LANGUAGE_COOKIE,
        language,
        max_age=YEAR,
        samesite="lax",
        secure=is_secure(request),
        path="/",
    )
    return response
