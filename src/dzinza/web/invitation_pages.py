"""The page an invitation's link opens: sign in, then join the tree or decline; and the answers
to the invitations the dashboard lists (those sent to the user's confirmed address, named by
their id).

Opening the link only shows the page (mail scanners follow links); answering is a form post
with the CSRF token of the signed-in session (see forms.py).
"""

from __future__ import annotations

import uuid
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from dzinza.api.http import platform_of
from dzinza.domain.errors import DzinzaError
from dzinza.web.auth_pages import _bad_form, _page
from dzinza.web.forms import Form, client_address, csrf_ok, web_actor
from dzinza.web.rendering import error_page, expired_form, guarded, see_other

router = APIRouter(include_in_schema=False)


def _answer_page(request: Request, token: str, error: str = "", status: int = 200) -> Response:
    here = f"/invitations/accept?token={quote(token)}"
    context = {
        "token": token,
        "signed_in": not web_actor(request).anonymous,
        "signin": f"/signin?next={quote(here, safe='')}",
        "signup": f"/signup?next={quote(here, safe='')}",
        "error": error,
    }
    return _page(request, "invitations/answer.html", context, status)


@router.get("/invitations/accept", response_class=HTMLResponse)
def invitation_page(request: Request, token: str = "") -> Response:
    return _answer_page(request, token[:200])


@router.post("/invitations/accept", response_class=HTMLResponse)
def answer_invitation(request: Request, form: Form) -> Response:
    if not csrf_ok(request, form.get("csrf", "")):
        return _bad_form(request)
    token = form.get("token", "")[:200]
    actor, members = web_actor(request), platform_of(request).members
    try:
        if form.get("answer") == "decline":
            members.decline(actor, token, ip=client_address(request))
            return guarded(RedirectResponse("/", status_code=303))
        joined = members.accept(actor, token, ip=client_address(request))
    except DzinzaError as exc:
        return _answer_page(request, token, exc.detail, exc.status)
    return guarded(RedirectResponse(f"/trees/{joined['tree']['id']}", status_code=303))


# -- from the dashboard ---------------------------------------------------------------------------
@router.post("/invitations/{invitation_id}/accept", response_class=HTMLResponse)
def accept_mine(request: Request, invitation_id: uuid.UUID, form: Form) -> Response:
    """Joins the tree of an invitation the dashboard listed, then opens the tree."""
    if not csrf_ok(request, form.get("csrf", "")):
        return expired_form(request)
    try:
        joined = platform_of(request).members.accept_by_id(
            web_actor(request), invitation_id, ip=client_address(request)
        )
    except DzinzaError as exc:
        return error_page(request, exc)
    return see_other(f"/trees/{joined['tree']['id']}")


@router.post("/invitations/{invitation_id}/decline", response_class=HTMLResponse)
def decline_mine(request: Request, invitation_id: uuid.UUID, form: Form) -> Response:
    """Declines an invitation the dashboard listed, then shows the dashboard again."""
    if not csrf_ok(request, form.get("csrf", "")):
        return expired_form(request)
    try:
        platform_of(request).members.decline_by_id(
            web_actor(request), invitation_id, ip=client_address(request)
        )
    except DzinzaError as exc:
        return error_page(request, exc)
    return see_other("/?done=declined")
