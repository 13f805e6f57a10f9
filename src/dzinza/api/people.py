"""Routes for people, their events, pedigree and descendants."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from dzinza.api.http import ActorDep, IfMatch, PlatformDep, no_content, respond
from dzinza.api.schemas import PersonIn, PersonPatch, changes
from dzinza.api.trees import Cursor, Limit
from dzinza.domain.dates import gregorian_to_jdn
from dzinza.domain.vocabulary import Sex

router = APIRouter(tags=["people"])
Year = Annotated[int | None, Query(ge=1, le=9999)]
Generations = Annotated[int, Query(ge=1, le=25, description="How many generations to walk (1-25)")]


@router.get(
    "/trees/{tree_id}/people", summary="People of a tree, filtered and sorted, a page at a time"
)
def list_people(
    request: Request,
    tree_id: uuid.UUID,
    p: PlatformDep,
    a: ActorDep,
    name: Annotated[
        str | None,
        Query(
            max_length=200,
            pattern=r"^[^\x00-\x1f\x7f]*$",
            description="Prefix of any given name or surname; accents and case ignored",
        ),
    ] = None,
    sex: Sex | None = None,
    birth_year_from: Year = None,
    birth_year_to: Year = None,
    place_id: Annotated[
        uuid.UUID | None, Query(description="People with an event at this place or within it")
    ] = None,
    sort: Annotated[str, Query(pattern="^-?(name|birth)$")] = "name",
    cursor: Cursor = None,
    limit: Limit = None,
) -> Response:
    page = p.people.list(
        a,
        tree_id,
        name=name,
        sex=sex,
        born_from=gregorian_to_jdn(birth_year_from, 1, 1) if birth_year_from else None,
        born_to=gregorian_to_jdn(birth_year_to, 12, 31) if birth_year_to else None,
        place_id=place_id,
        sort=sort,
        cursor=cursor,
        limit=limit,
    )
    return respond(request, page)


@router.post("/trees/{tree_id}/people", status_code=201)
def create_person(
    request: Request, tree_id: uuid.UUID, body: PersonIn, p: PlatformDep, a: ActorDep
) -> Response:
    return respond(request, p.people.create(a, tree_id, body.model_dump()), 201)


@router.get(
    "/people/{person_id}", summary="A person with names, events, parents, families, children"
)
def get_person(request: Request, person_id: uuid.UUID, p: PlatformDep, a: ActorDep) -> Response:
    return respond(request, p.people.get(a, person_id))


@router.patch("/people/{person_id}")
def update_person(
    request: Request,
    person_id: uuid.UUID,
    body: PersonPatch,
    p: PlatformDep,
    a: ActorDep,
    if_match: IfMatch = None,
) -> Response:
    return respond(request, p.people.update(a, person_id, changes(body), if_match))


@router.delete(
    "/people/{person_id}", status_code=204, summary="Delete a person and every link to them"
)
def delete_person(
    person_id: uuid.UUID, p: PlatformDep, a: ActorDep, if_match: IfMatch = None
) -> Response:
    p.people.delete(a, person_id, if_match)
    return no_content()


@router.get("/people/{person_id}/events")
def person_events(request: Request, person_id: uuid.UUID, p: PlatformDep, a: ActorDep) -> Response:
    return respond(request, {"items": p.events.list_for_person(a, person_id)})


@router.get("/people/{person_id}/pedigree", summary="Ancestors, N generations up")
def pedigree(
    request: Request,
    person_id: uuid.UUID,
    p: PlatformDep,
    a: ActorDep,
    generations: Generations = 4,
) -> Response:
    return respond(request, p.graph.pedigree(a, person_id, generations))


@router.get("/people/{person_id}/descendants", summary="Descendants, N generations down")
def descendants(
    request: Request,
    person_id: uuid.UUID,
    p: PlatformDep,
    a: ActorDep,
    generations: Generations = 3,
) -> Response:
    return respond(request, p.graph.descendants(a, person_id, generations))
