"""Routes for search: people across every tree the reader may see or within one tree, name
suggestions as one types, and the index's lag for operators."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

from dzinza.api.http import ActorDep, PlatformDep, respond
from dzinza.domain.errors import Forbidden
from dzinza.domain.vocabulary import Sex
from dzinza.services.search import DEFAULT_YEAR_TOLERANCE, MAX_LIMIT, MAX_OFFSET, SearchRequest

router = APIRouter(tags=["search"])

_TEXT = r"^[^\x00-\x1f\x7f]*$"
Words = Annotated[str, Query(max_length=200, pattern=_TEXT)]
Year = Annotated[int | None, Query(ge=1, le=9999)]


def _request(
    q: Words = "",
    given: Words = "",
    surname: Words = "",
    text: Annotated[
        str, Query(max_length=200, pattern=_TEXT, description="Words in notes, facts and sources")
    ] = "",
    place: Annotated[
        str, Query(max_length=200, pattern=_TEXT, description="Words of a place name")
    ] = "",
    place_id: Annotated[
        uuid.UUID | None, Query(description="People with an event at this place or within it")
    ] = None,
    event: Annotated[
        str,
        Query(
            max_length=40,
            pattern=r"^[a-z_]*$",
            description="An event type, such as birth or marriage",
        ),
    ] = "",
    sex: Sex | None = None,
    born: Annotated[Year, Query(description="Birth year (give or take `tolerance`)")] = None,
    died: Annotated[Year, Query(description="Death year (give or take `tolerance`)")] = None,
    tolerance: Annotated[int, Query(ge=0, le=50)] = DEFAULT_YEAR_TOLERANCE,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 20,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
    facets: bool = False,
    broad: Annotated[
        bool,
        Query(
            description="Include sound-alike and typo matches even when exact ones fill the page"
        ),
    ] = False,
) -> SearchRequest:
    return SearchRequest(
        q=q,
        given=given,
        surname=surname,
        text=text,
        place=place,
        place_id=place_id,
        event=event,
        sex=sex.value if sex else None,
        born=born,
        died=died,
        tolerance=tolerance,
        limit=limit,
        offset=offset,
        facets=facets,
        broad=broad,
    )


SearchParams = Annotated[SearchRequest, Depends(_request)]


@router.get(
    "/search",
    summary="Search people in every tree you may see (names: accents, variants, sound-alikes, typos)",
)
def search_all(request: Request, p: PlatformDep, a: ActorDep, params: SearchParams) -> Response:
    return respond(request, p.search.search(a, params))


@router.get("/trees/{tree_id}/search", summary="Search the people of one tree")
def search_tree(
    request: Request, tree_id: uuid.UUID, p: PlatformDep, a: ActorDep, params: SearchParams
) -> Response:
    return respond(request, p.search.search(a, params, tree_id))


Prefix = Annotated[str, Query(min_length=1, max_length=100, pattern=_TEXT)]
SuggestLimit = Annotated[int, Query(ge=1, le=50)]


@router.get(
    "/search/suggest", summary="Name words starting with what was typed, in trees you may see"
)
def suggest_all(
    request: Request, p: PlatformDep, a: ActorDep, prefix: Prefix, limit: SuggestLimit = 10
) -> Response:
    return respond(request, {"items": p.search.suggest(a, prefix, None, limit)})


@router.get("/trees/{tree_id}/search/suggest", summary="Name words starting with what was typed")
def suggest_tree(
    request: Request,
    tree_id: uuid.UUID,
    p: PlatformDep,
    a: ActorDep,
    prefix: Prefix,
    limit: SuggestLimit = 10,
) -> Response:
    return respond(request, {"items": p.search.suggest(a, prefix, tree_id, limit)})


@router.post(
    "/search/reindex",
    status_code=202,
    summary="Rebuild the search index, of one tree or of all, as a background job (site admins)",
)
def search_reindex(
    request: Request, p: PlatformDep, a: ActorDep, tree_id: uuid.UUID | None = None
) -> Response:
    view = p.start_reindex(a, tree_id)
    response = respond(request, view, 202)
    response.headers["Location"] = f"/api/v1/jobs/{view['id']}"
    return response


@router.get("/search/status", summary="How far the search index is behind (site admins)")
def search_status(request: Request, p: PlatformDep, a: ActorDep) -> Response:
    if not a.is_admin:
        raise Forbidden("Only site admins may see the search index's status.")
    return respond(request, p.search.lag())
