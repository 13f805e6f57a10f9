"""The first web pages: the trees you can see, a tree's people, and one person."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates

from dzinza.api.http import platform_of as platform
from dzinza.domain.errors import DzinzaError
from dzinza.web.auth_pages import web_actor

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=HERE / "templates")
router = APIRouter(include_in_schema=False)


def _error(request: Request, exc: DzinzaError) -> Response:
    # A private tree is "not found" to those who may not see it; a relative who followed a
    # shared link while signed out is offered the sign-in that may be all they are missing.
    offer = web_actor(request).anonymous and exc.status in (401, 404)
    return templates.TemplateResponse(
        request,
        "error.html",
        {
            "title": exc.title,
            "detail": exc.detail,
            "signin": f"/signin?next={request.url.path}" if offer else None,
        },
        status_code=exc.status,
    )


@router.get("/", response_class=HTMLResponse)
def home(request: Request) -> Response:
    trees = platform(request).trees.list(web_actor(request), limit=100)
    return templates.TemplateResponse(request, "home.html", {"trees": trees.items})


@router.get("/trees/{tree_id}", response_class=HTMLResponse)
def tree_people(
    request: Request,
    tree_id: uuid.UUID,
    name: Annotated[str | None, Query(max_length=200)] = None,
    cursor: Annotated[str | None, Query(max_length=2000)] = None,
) -> Response:
    p, actor = platform(request), web_actor(request)
    try:
        tree = p.trees.get(actor, tree_id)
        page = p.people.list(actor, tree_id, name=name, cursor=cursor, limit=100)
    except DzinzaError as exc:
        return _error(request, exc)
    return templates.TemplateResponse(
        request,
        "trees/people.html",
        {"tree": tree, "people": page.items, "next": page.next_cursor, "name": name or ""},
    )


@router.get("/people/{person_id}", response_class=HTMLResponse)
def person_page(request: Request, person_id: uuid.UUID) -> Response:
    p, actor = platform(request), web_actor(request)
    try:
        person = p.people.get(actor, person_id)
        tree = p.trees.get(actor, uuid.UUID(person["tree_id"]))
    except DzinzaError as exc:
        return _error(request, exc)
    return templates.TemplateResponse(
        request, "people/person.html", {"person": person, "tree": tree}
    )
