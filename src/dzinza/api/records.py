"""Routes for places, repositories, sources, citations, notes and media: one set of routes made
per kind, since they behave alike (list, create, read, update, delete, and links for notes/media).

No ``from __future__ import annotations`` here: FastAPI must see the body models, which are
closure variables, as real classes when each route is defined."""

import uuid
from enum import Enum
from typing import Annotated, Any

from fastapi import APIRouter, Body, Request, Response
from pydantic import BaseModel

from dzinza.api import schemas as s
from dzinza.api.http import ActorDep, IfMatch, PlatformDep, no_content, respond
from dzinza.api.trees import Cursor, Limit
from dzinza.domain.vocabulary import RecordKind
from dzinza.services.platform import Platform
from dzinza.services.records import RecordService

router = APIRouter()


def _dump(body: object) -> dict[str, Any]:
    assert isinstance(body, BaseModel)
    return body.model_dump()


# (platform attribute, URL plural, create body, patch body, linkable)
KINDS: list[tuple[str, str, type[BaseModel], type[BaseModel], bool]] = [
    ("places", "places", s.PlaceIn, s.PlacePatch, False),
    ("repositories", "repositories", s.RepositoryIn, s.RepositoryPatch, False),
    ("sources", "sources", s.SourceIn, s.SourcePatch, False),
    ("citations", "citations", s.CitationIn, s.CitationPatch, False),
    ("notes", "notes", s.NoteIn, s.NotePatch, True),
    ("media", "media", s.MediaIn, s.MediaPatch, True),
]


def _add_routes(
    attr: str,
    plural: str,
    create_model: type[BaseModel],
    patch_model: type[BaseModel],
    linkable: bool,
) -> None:
    def service(p: Platform) -> RecordService:
        svc: RecordService = getattr(p, attr)
        return svc

    tags: list[str | Enum] = [plural]

    @router.get(f"/trees/{{tree_id}}/{plural}", tags=tags, name=f"list_{plural}")
    def list_(
        request: Request,
        tree_id: uuid.UUID,
        p: PlatformDep,
        a: ActorDep,
        sort: str | None = None,
        cursor: Cursor = None,
        limit: Limit = None,
    ) -> Response:
        return respond(request, service(p).list(a, tree_id, sort=sort, cursor=cursor, limit=limit))

    @router.post(
        f"/trees/{{tree_id}}/{plural}", status_code=201, tags=tags, name=f"create_{plural}"
    )
    def create(
        request: Request,
        tree_id: uuid.UUID,
        body: Annotated[create_model, Body()],  # type: ignore[valid-type]
        p: PlatformDep,
        a: ActorDep,
    ) -> Response:
        return respond(request, service(p).create(a, tree_id, _dump(body)), 201)

    @router.get(f"/{plural}/{{record_id}}", tags=tags, name=f"get_{plural}")
    def get(request: Request, record_id: uuid.UUID, p: PlatformDep, a: ActorDep) -> Response:
        return respond(request, service(p).get(a, record_id))

    @router.patch(f"/{plural}/{{record_id}}", tags=tags, name=f"update_{plural}")
    def update(
        request: Request,
        record_id: uuid.UUID,
        body: Annotated[patch_model, Body()],  # type: ignore[valid-type]
        p: PlatformDep,
        a: ActorDep,
        if_match: IfMatch = None,
    ) -> Response:
        return respond(request, service(p).update(a, record_id, s.changes(body), if_match))

    @router.delete(f"/{plural}/{{record_id}}", status_code=204, tags=tags, name=f"delete_{plural}")
    def delete(
        record_id: uuid.UUID, p: PlatformDep, a: ActorDep, if_match: IfMatch = None
    ) -> Response:
        service(p).delete(a, record_id, if_match)
        return no_content()

    if not linkable:
        return

    @router.post(
        f"/{plural}/{{record_id}}/links", status_code=201, tags=tags, name=f"link_{plural}"
    )
    def link(
        request: Request,
        record_id: uuid.UUID,
        body: s.Target,
        p: PlatformDep,
        a: ActorDep,
        if_match: IfMatch = None,
    ) -> Response:
        return respond(request, service(p).link(a, record_id, body.model_dump(), if_match), 201)

    @router.delete(
        f"/{plural}/{{record_id}}/links/{{target_type}}/{{target_id}}",
        status_code=204,
        tags=tags,
        name=f"unlink_{plural}",
    )
    def unlink(
        record_id: uuid.UUID,
        target_type: RecordKind,
        target_id: uuid.UUID,
        p: PlatformDep,
        a: ActorDep,
        if_match: IfMatch = None,
    ) -> Response:
        service(p).unlink(a, record_id, target_type.value, target_id, if_match)
        return no_content()


for _kind in KINDS:
    _add_routes(*_kind)
