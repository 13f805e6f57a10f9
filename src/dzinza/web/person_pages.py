"""A person's page (and, to come, the forms that edit people and families)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from dzinza.api.http import platform_of
from dzinza.domain.errors import DzinzaError
from dzinza.web.forms import web_actor
from dzinza.web.rendering import error_page, render

router = APIRouter(include_in_schema=False)


@router.get("/people/{person_id}", response_class=HTMLResponse)
def person_page(request: Request, person_id: uuid.UUID) -> Response:
    p, actor = platform_of(request), web_actor(request)
    try:
        person = p.people.get(actor, person_id)
        tree = p.trees.get(actor, uuid.UUID(person["tree_id"]))
    except DzinzaError as exc:
        return error_page(request, exc)
    return render(request, "people/person.html", {"person": person, "tree": tree})
