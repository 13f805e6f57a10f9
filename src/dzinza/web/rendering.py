"""How every web page is rendered: one Jinja2 environment with the i18n extension, the context
every template gets (the visitor, the language, the CSRF token, asset URLs), and the shared
responses (an error page, an expired form, a redirect after a post).

Pages call ``render``; nothing else builds a TemplateResponse, so every page gets the same
language choice, CSRF cookie and headers.
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jinja2
from fastapi import Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from dzinza.domain.errors import DzinzaError, TooManyRequests
from dzinza.domain.languages import LANGUAGES
from dzinza.web import i18n
from dzinza.web.forms import CSRF_COOKIE, csrf_token, is_secure, web_actor

HERE = Path(__file__).parent
STATIC_DIR = HERE / "static"
environment = jinja2.Environment(
    loader=jinja2.FileSystemLoader(HERE / "templates"),
    autoescape=jinja2.select_autoescape(("html", "xml", "svg")),
    extensions=["jinja2.ext.i18n"],
)
templates = Jinja2Templates(env=environment)
templates.env.install_gettext_callables(  # type: ignore[attr-defined]
    i18n.gettext,
    i18n.ngettext,
    newstyle=True,
    pgettext=i18n.pgettext,
    npgettext=i18n.npgettext,
)
templates.env.policies["ext.i18n.trimmed"] = True  # {% trans %} blocks ignore line breaks


@functools.cache
def static_url(path: str) -> str:
    """The URL of a file under static/, with a hash of its content so that it can be cached
    for a year and still change the moment the file does."""
    content = (STATIC_DIR / path).read_bytes()
    return f"/static/{path}?v={hashlib.sha256(content).hexdigest()[:12]}"


templates.env.globals.update(
    static=static_url,
    LANGUAGES=LANGUAGES,
    language_name=i18n.language_name,
)
templates.env.filters.update(number=i18n.number, date=i18n.date, datetime=i18n.datetime)


def language_of(request: Request) -> str:
    actor = web_actor(request)
    return i18n.choose(
        actor.language,
        request.cookies.get(i18n.LANGUAGE_COOKIE),
        request.headers.get("accept-language"),
    )


def speak(request: Request) -> str:
    """Makes ``i18n.gettext`` speak this request's language, for messages a route builds
    before it renders (``render`` does it again, harmlessly)."""
    return i18n.activate(language_of(request))


def render(
    request: Request,
    name: str,
    context: dict[str, Any] | None = None,
    *,
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    """A page: the template ``name`` with ``context`` and what every page needs."""
    actor = web_actor(request)
    language = i18n.activate(language_of(request))
    csrf, new_cookie = csrf_token(request)
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    full = {
        "actor": actor,
        "lang": language,
        "csrf": csrf,
        "here": here,
        "signin_here": f"/signin?next={quote(here, safe='')}",
        **(context or {}),
    }
    _translate_refusals(full)
    response = templates.TemplateResponse(request, name, full, status_code=status, headers=headers)
    response.headers["Content-Language"] = language
    response.headers["Vary"] = "Cookie, Accept-Language"
    if new_cookie:
        response.set_cookie(
            CSRF_COOKIE,
            new_cookie,
            httponly=True,
            samesite="strict",
            secure=is_secure(request),
            path="/",
        )
    if not actor.anonymous:
        # A signed-in page is the user's own: no shared cache may keep it.
        response.headers["Cache-Control"] = "no-store"
    return response


REFUSAL_KEYS = ("title", "detail", "error", "action_error", "tag_error")
"""Context keys whose text may be a service's English refusal (service_messages.py)."""


def _translate_refusals(context: dict[str, Any]) -> None:
    # A text the catalogs do not know (one the page translated already) comes back unchanged.
    for key in REFUSAL_KEYS:
        if isinstance(context.get(key), str) and context[key]:
            context[key] = i18n.say(context[key])
    errors = context.get("errors")
    if isinstance(errors, dict):
        context["errors"] = {
            field: i18n.say(text) if isinstance(text, str) and text else text
            for field, text in errors.items()
        }


def refusal_json(
    request: Request, exc: DzinzaError, headers: dict[str, str] | None = None
) -> JSONResponse:
    """A refusal for a page's script, in the reader's language (``title`` and ``detail``)."""
    speak(request)
    body = {"title": i18n.gettext(exc.title), "detail": i18n.say(exc.detail)}
    return JSONResponse(body, status_code=exc.status, headers=headers)


def guarded(response: Response) -> Response:
    """For pages whose address carries a token: no Referer leaks it, no cache keeps it, and no
    other site frames the form."""
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Frame-Options"] = "DENY"
    return response


def error_page(request: Request, exc: DzinzaError) -> Response:
    """A refusal from the services as a page with the same status. A private tree is "not
    found" to those who may not see it; a visitor who followed a shared link while signed out
    is offered the sign-in that may be all they are missing."""
    offer = web_actor(request).anonymous and exc.status in (401, 404)
    headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, TooManyRequests) else None
    return render(
        request,
        "error.html",
        {"title": exc.title, "detail": exc.detail, "offer_signin": offer},
        status=exc.status,
        headers=headers,
    )


def expired_form(request: Request) -> Response:
    """A post whose CSRF token is missing or wrong."""
    speak(request)
    return render(
        request,
        "error.html",
        {
            "title": i18n.gettext("Form expired"),
            "detail": i18n.gettext(
                "This form has expired or did not come from this site: reload the page and "
                "send it again."
            ),
        },
        status=403,
    )


def see_other(target: str) -> Response:
    """The answer to a successful form post: go to the page that shows the result."""
    return RedirectResponse(target, status_code=303)
