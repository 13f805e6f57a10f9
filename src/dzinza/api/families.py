"""Routes for families, their partners and children, and events of people and families."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request, Response

from dzinza.api.http import ActorDep, IfMatch, PlatformDep, no_content, respond
from dzinza.api.schemas import (
    ChildIn,
    EventIn,
    EventPatch,
    FamilyIn,
    FamilyPatch,
    PedigreeIn,
    changes,
)
from dzinza.api.trees import Cursor, Limit

router = APIRouter(tags=["families"])
events = APIRouter(tags=["events"])


@router.get("/trees/{tree_id}/families")
def list_families(
    request: Request,
    tree_id: uuid.UUID,
    p: PlatformDep,
    a: ActorDep,
    cursor: Cursor = None,
    limit: Limit = None,
) -> Response:
    return respond(request, p.families.list(a, tree_id, cursor=cursor, limit=limit))


@router.post("/trees/{tree_id}/families", status_code=201)
def create_family(
    request: Request, tree_id: uuid.UUID, body: FamilyIn, p: PlatformDep, a: ActorDep
) -> Response:
    return respond(request, p.families.create(a, tree_id, body.model_dump()), 201)


@router.get("/families/{family_id}")
def get_family(request: Request, family_id: uuid.UUID, p: PlatformDep, a: ActorDep) -> Response:
    return respond(request, p.families.get(a, family_id))


@router.patch("/families/{family_id}", summary="Change partners or the union type")
def update_family(
    request: Request,
    family_id: uuid.UUID,
    body: FamilyPatch,
    p: PlatformDep,
    a: ActorDep,
    if_match: IfMatch = None,
) -> Response:
    return respond(request, p.families.update(a, family_id, changes(body), if_match))


@router.delete("/families/{family_id}", status_code=204)
def delete_family(
    family_id: uuid.UUID, p: PlatformDep, a: ActorDep, if_match: IfMatch = None
) -> Response:
    p.families.delete(a, family_id, if_match)
    return no_content()


@router.post("/families/{family_id}/children", status_code=201, summary="Add a child to a family")
def add_child(
    request: Request,
    family_id: uuid.UUID,
    body: ChildIn,
    p: PlatformDep,
    a: ActorDep,
    if_match: IfMatch = None,
) -> Response:
    added = p.families.add_child(a, family_id, body.child_id, body.pedigree.value, if_match)
    return respond(request, added, 201)


@router.patch("/families/{family_id}/children/{child_id}", summary="Change a child's pedigree")
def set_pedigree(
    request: Request,
    family_id: uuid.UUID,
    child_id: uuid.UUID,
    body: PedigreeIn,
    p: PlatformDep,
    a: ActorDep,
    if_match: IfMatch = None,
) -> Response:
    changed = p.families.set_pedigree(a, family_id, child_id, body.pedigree.value, if_match)
    return respond(request, changed)


@router.delete("/families/{family_id}/children/{child_id}", summary="Remove a child from a family")
def remove_child(
    request: Request,
    family_id: uuid.UUID,
    child_id: uuid.UUID,
    p: PlatformDep,
    a: ActorDep,
    if_match: IfMatch = None,
) -> Response:
    return respond(request, p.families.remove_child(a, family_id, child_id, if_match))


@events.post(
    "/trees/{tree_id}/events", status_code=201, summary="Add an event to a person or a family"
)
def create_event(
    request: Request, tree_id: uuid.UUID, body: EventIn, p: PlatformDep, a: ActorDep
) -> Response:
    return respond(request, p.events.create(a, tree_id, body.model_dump()), 201)


@events.get("/events/{event_id}")
def get_event(request: Request, event_id: uuid.UUID, p: PlatformDep, a: ActorDep) -> Response:
    return respond(request, p.events.get(a, event_id))


@events.patch("/events/{event_id}")
def update_event(
    request: Request,
    event_id: uuid.UUID,
    body: EventPatch,
    p: PlatformDep,
    a: ActorDep,
    if_match: IfMatch = None,
) -> Response:
    return respond(request, p.events.update(a, event_id, changes(body), if_match))


@events.delete("/events/{event_id}", status_code=204)
def delete_event(
    event_id: uuid.UUID, p: PlatformDep, a: ActorDep, if_match: IfMatch = None
) -> Response:
    p.events.delete(a, event_id, if_match)
    return no_content()
