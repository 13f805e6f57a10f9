"""Routes for duplicates: run the finder over a tree, the review queue, "not a match", and the
merge with its field-by-field preview (editors and above)."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, ConfigDict

from dzinza.api.http import ActorDep, PlatformDep, respond

router = APIRouter(tags=["duplicates"])

Side = Literal["a", "b"]


class MergeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    keep: Side = "a"
    """Whose record stays (its id, flags and display); everything of the other moves to it."""


@router.post(
    "/trees/{tree_id}/duplicates/scan",
    status_code=202,
    summary="Find suspected duplicates in the tree: a background job",
)
def scan(
    request: Request,
    tree_id: uuid.UUID,
    p: PlatformDep,
    a: ActorDep,
    import_job: Annotated[
        uuid.UUID | None,
        Query(description="Only the people this import added, against the rest of the tree"),
    ] = None,
) -> Response:
    view = p.duplicates.start_scan(a, tree_id, import_job)
    response = respond(request, view, 202)
    response.headers["Location"] = f"/api/v1/jobs/{view['id']}"
    return response


@router.get("/trees/{tree_id}/duplicates", summary="The review queue of suspected duplicates")
def queue(
    request: Request,
    tree_id: uuid.UUID,
    p: PlatformDep,
    a: ActorDep,
    status: Literal["open", "dismissed"] = "open",
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> Response:
    return respond(request, p.duplicates.queue(a, tree_id, status, limit, offset))


@router.get(
    "/duplicates/{pair_id}/preview", summary="Both people, and the one person a merge would leave"
)
def preview(
    request: Request, pair_id: uuid.UUID, p: PlatformDep, a: ActorDep, keep: Side = "a"
) -> Response:
    return respond(request, p.duplicates.preview(a, pair_id, keep))


@router.post(
    "/duplicates/{pair_id}/merge",
    summary="Merge the pair into one person (undo it with the change's undo)",
)
def merge(
    request: Request, pair_id: uuid.UUID, body: MergeIn, p: PlatformDep, a: ActorDep
) -> Response:
    return respond(request, p.duplicates.merge(a, pair_id, body.keep))


@router.post("/duplicates/{pair_id}/dismiss", summary="Not a match: never suggested again")
def dismiss(request: Request, pair_id: uuid.UUID, p: PlatformDep, a: ActorDep) -> Response:
    return respond(request, p.duplicates.dismiss(a, pair_id))


@router.post("/duplicates/{pair_id}/reopen", summary="Back into the review queue")
def reopen(request: Request, pair_id: uuid.UUID, p: PlatformDep, a: ActorDep) -> Response:
    return respond(request, p.duplicates.reopen(a, pair_id))
