"""Routes for trees and the records listed within a tree."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from pydantic import Field

from dzinza.api.http import ActorDep, IfMatch, PlatformDep, no_content, respond
from dzinza.api.schemas import TreeIn, TreePatch, changes

router = APIRouter(tags=["trees"])
Limit = Annotated[int | None, Query(ge=1, le=500, description="Page size (default 50)")]
Cursor = Annotated[
    str | None, Query(max_length=2000, description="next_cursor of the previous page")
]


class TreeUpdate(TreePatch):
    """The tree's settings, and its home person (the person it opens on)."""

    home_person_id: uuid.UUID | None = Field(
        default=None,
        description="A person of this tree to open it on; null clears it (no home person).",
    )


@router.get(
    "/trees",
    summary="Trees you can see (public, members-only when signed in, yours), with my_role",
)
def list_trees(
    request: Request,
    p: PlatformDep,
    a: ActorDep,
    sort: Annotated[str, Query(pattern="^-?(name|created)$")] = "name",
    cursor: Cursor = None,
    limit: Limit = None,
) -> Response:
    return respond(request, p.trees.list(a, sort=sort, cursor=cursor, limit=limit))


@router.post("/trees", status_code=201, summary="Create a tree (you become its owner)")
def create_tree(request: Request, body: TreeIn, p: PlatformDep, a: ActorDep) -> Response:
    return respond(request, p.trees.create(a, changes(body) | {"visibility": body.visibility}), 201)


@router.get("/trees/{tree_id}")
def get_tree(request: Request, tree_id: uuid.UUID, p: PlatformDep, a: ActorDep) -> Response:
    return respond(request, p.trees.get(a, tree_id))


@router.get(
    "/trees/{tree_id}/statistics",
    summary="Counts, the span of births and the commonest surnames, of what you may see",
)
def tree_statistics(request: Request, tree_id: uuid.UUID, p: PlatformDep, a: ActorDep) -> Response:
    return respond(request, p.statistics.of_tree(a, tree_id))


@router.patch(
    "/trees/{tree_id}",
    summary="Rename, describe, change visibility or choose the home person (managers)",
)
def update_tree(
    request: Request,
    tree_id: uuid.UUID,
    body: TreeUpdate,
    p: PlatformDep,
    a: ActorDep,
    if_match: IfMatch = None,
) -> Response:
    return respond(request, p.trees.update(a, tree_id, changes(body), if_match))


@router.delete(
    "/trees/{tree_id}", status_code=204, summary="Delete a tree and everything in it (owner)"
)
def delete_tree(
    tree_id: uuid.UUID, p: PlatformDep, a: ActorDep, if_match: IfMatch = None
) -> Response:
    p.trees.delete(a, tree_id, if_match)
    return no_content()
