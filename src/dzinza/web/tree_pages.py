"""A tree's pages: its people (and, to come, its home, settings and members)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from dzinza.api.http import platform_of
from dzinza.domain.errors import DzinzaError
from dzinza.web.forms import web_actor
from dzinza.web.rendering import error_page, render

router = APIRouter(include_in_schema=False)


@router.get("/trees/{tree_id}", response_class=HTMLResponse)
def tree_people(
    request: Request,
    tree_id: uuid.UUID,
    name: Annotated[str | None, Query(max_length=200)] = None,
    cursor: Annotated[str | None, Query(max_length=2000)] = None,
) -> Response:
    p, actor = platform_of(request), web_actor(request)
    try:
        tree = p.trees.get(actor, tree_id)
        page = p.people.list(actor, tree_id, name=name, cursor=cursor, limit=100)
    except DzinzaError as exc:
        return error_page(request, exc)
    return render(
        request,
        "trees/people.html",
        {"tree": tree, "people": page.items, "next": page.next_cursor, "name": name or ""},
    )
