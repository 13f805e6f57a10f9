"""Routes for the files of photos and documents: uploads (one multipart request, or direct
uploads in parts to signed URLs), signed links to a file's variants, tags of people on a photo
and a person's primary photo, and the local folder's own signed URLs (``/api/v1/blobs/...``).

The metadata of media items (list, read, change, delete, links) is served by ``records.py``."""

from __future__ import annotations

import json
import tempfile
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, Request, Response, UploadFile
from fastapi.responses import FileResponse, RedirectResponse
from pydantic import Field
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect

from dzinza.api.http import ActorDep, IfMatch, PlatformDep, no_content, respond
from dzinza.api.schemas import Strict, Target
from dzinza.domain.errors import Forbidden, PayloadTooLarge, ValidationFailed
from dzinza.services.media import VARIANTS

router = APIRouter(tags=["media"])

SLACK = 64 * 1024
"""What a multipart body may add to its file (boundaries, the other fields)."""


class UploadIn(Strict):
    filename: str = Field(min_length=1, max_length=255)
    size: int = Field(gt=0, description="The file's size in bytes")
    content_type: str = Field(default="application/octet-stream", max_length=100)
    title: str = Field(default="", max_length=300)
    description: str = Field(default="", max_length=4000)
    date: str | None = Field(default=None, max_length=120)
    targets: list[Target] = Field(default_factory=list, max_length=100)


class RegionIn(Strict):
    x: float = Field(ge=0, le=1, description="Left edge, as a fraction of the photo's width")
    y: float = Field(ge=0, le=1, description="Top edge, as a fraction of the photo's height")
    w: float = Field(gt=0, le=1)
    h: float = Field(gt=0, le=1)


class PrimaryIn(Strict):
    media_id: uuid.UUID | None = Field(description="A photo linked to the person; null: none")


def _targets(raw: str | None) -> list[dict[str, Any]]:
    if not raw:
        return []
    try:
        found = [Target.model_validate(t).model_dump() for t in json.loads(raw)]
    except (ValueError, TypeError) as exc:
        raise ValidationFailed(
            'targets must be a JSON list such as [{"type": "person", "id": "..."}].'
        ) from exc
    return found


@router.post(
    "/trees/{tree_id}/media/files",
    status_code=201,
    summary="Upload a photo or document in one multipart request (up to the form limit, 100 MB "
    "by default; larger files use /media/uploads). 200 with the existing item when the tree "
    "holds the same file already",
)
def upload_file(
    request: Request,
    tree_id: uuid.UUID,
    p: PlatformDep,
    a: ActorDep,
    file: Annotated[UploadFile, File(description="The photo or document")],
    title: Annotated[str, Form(max_length=300)] = "",
    description: Annotated[str, Form(max_length=4000)] = "",
    date: Annotated[str | None, Form(max_length=120)] = None,
    targets: Annotated[
        str | None, Form(max_length=20_000, description='JSON: [{"type": "person", "id": "..."}]')
    ] = None,
) -> Response:
    details: dict[str, Any] = {"title": title, "description": description, "date": date}
    details["targets"] = _targets(targets)
    view, created = p.media.upload(a, tree_id, file.file, file.filename or "", details)
    response = respond(request, view, 201 if created else 200)
    response.headers["Location"] = f"/api/v1/media/{view['id']}"
    return response


@router.post(
    "/trees/{tree_id}/media/uploads",
    status_code=201,
    summary="Start a direct upload: the file goes to signed URLs, in parts when it is large; "
    "then POST .../complete",
)
def start_upload(
    request: Request, tree_id: uuid.UUID, body: UploadIn, p: PlatformDep, a: ActorDep
) -> Response:
    details = body.model_dump(include={"title", "description", "date", "targets"})
    view = p.uploads.start(a, tree_id, body.filename, body.size, body.content_type, details)
    return respond(request, view, 201)


@router.get(
    "/media/uploads/{upload_id}",
    summary="A direct upload: the parts received, and fresh URLs for the others (to resume)",
)
def upload_status(request: Request, upload_id: uuid.UUID, p: PlatformDep, a: ActorDep) -> Response:
    return respond(request, p.uploads.status(a, upload_id))


@router.post(
    "/media/uploads/{upload_id}/complete",
    status_code=201,
    summary="Complete a direct upload: the file is checked and its media item created",
)
def complete_upload(
    request: Request, upload_id: uuid.UUID, p: PlatformDep, a: ActorDep
) -> Response:
    view, created = p.uploads.complete(a, upload_id)
    response = respond(request, view, 201 if created else 200)
    response.headers["Location"] = f"/api/v1/media/{view['id']}"
    return response


@router.delete("/media/uploads/{upload_id}", status_code=204, summary="Abandon a direct upload")
def abort_upload(upload_id: uuid.UUID, p: PlatformDep, a: ActorDep) -> Response:
    p.uploads.abort(a, upload_id)
    return no_content()


@router.get(
    "/media/{media_id}/file",
    status_code=302,
    summary="A redirect to a signed, expiring URL of the file (variant: original for members; "
    "small, medium, large, preview for anyone who may see the item)",
    response_class=RedirectResponse,
)
def file_redirect(
    media_id: uuid.UUID,
    p: PlatformDep,
    a: ActorDep,
    variant: Annotated[str, Query(pattern="^(" + "|".join(VARIANTS) + ")$")] = "medium",
    download: bool = False,
) -> RedirectResponse:
    link = p.media.file_link(a, media_id, variant, download=download)
    response = RedirectResponse(link.url, status_code=302)
    # The redirect is as personal as the URL it names, and no longer valid than it.
    response.headers["Cache-Control"] = "private, no-store"
    return response


@router.get("/media/{media_id}/urls", summary="Signed, expiring URLs of every variant you may have")
def file_urls(media_id: uuid.UUID, p: PlatformDep, a: ActorDep) -> Response:
    response = Response(json.dumps(p.media.file_links(a, media_id)), media_type="application/json")
    response.headers["Cache-Control"] = "private, no-store"
    return response


@router.put(
    "/media/{media_id}/tags/{person_id}",
    summary="Tag a person on a region of a photo (or move their tag)",
)
def tag_person(
    request: Request,
    media_id: uuid.UUID,
    person_id: uuid.UUID,
    body: RegionIn,
    p: PlatformDep,
    a: ActorDep,
    if_match: IfMatch = None,
) -> Response:
    return respond(request, p.media.tag(a, media_id, person_id, body.model_dump(), if_match))


@router.delete(
    "/media/{media_id}/tags/{person_id}", status_code=204, summary="Remove a person's tag"
)
def untag_person(
    media_id: uuid.UUID, person_id: uuid.UUID, p: PlatformDep, a: ActorDep, if_match: IfMatch = None
) -> Response:
    p.media.untag(a, media_id, person_id, if_match)
    return no_content()


@router.get("/people/{person_id}/primary-media", summary="A person's primary photo")
def primary_media(request: Request, person_id: uuid.UUID, p: PlatformDep, a: ActorDep) -> Response:
    return respond(request, p.media.primary_of(a, person_id))


@router.put(
    "/people/{person_id}/primary-media",
    summary="Choose a person's primary photo among the photos linked to them (null: none)",
)
def set_primary_media(
    request: Request, person_id: uuid.UUID, body: PrimaryIn, p: PlatformDep, a: ActorDep
) -> Response:
    return respond(request, p.media.set_primary(a, person_id, body.media_id))


# -- the local folder's signed URLs ----------------------------------------------------------
@router.get(
    "/blobs/{key:path}",
    summary="A file of the local media folder, by a signed URL (Range requests supported)",
    response_class=FileResponse,
    include_in_schema=False,
)
def serve_blob(key: str, request: Request, p: PlatformDep) -> FileResponse:
    blobs = p.media.blobs
    grant = _granted(p, "GET", key, request)
    try:
        path = blobs.path_of(key)
    except KeyError as exc:
        raise Forbidden("This link is not valid.") from exc
    disposition = "inline" if grant.inline else "attachment"
    response = FileResponse(
        path,
        media_type=grant.content_type or "application/octet-stream",
        filename=grant.filename,
        content_disposition_type=disposition,
    )
    response.headers["Cache-Control"] = "private, max-age=300"
    response.headers["X-Content-Type-Options"] = "nosniff"
    # Whatever the file is, a browser must never run it as part of this site.
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@router.put(
    "/blobs/{key:path}",
    summary="Receive an upload (or one part of it) sent to a signed URL of the local folder",
    include_in_schema=False,
)
async def receive_blob(key: str, request: Request, p: PlatformDep) -> Response:
    grant = await run_in_threadpool(_granted, p, "PUT", key, request)
    limit = grant.max_bytes
    declared = request.headers.get("content-length", "")
    if limit is not None and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(f"This upload may be at most {limit} bytes.")
    spool = tempfile.SpooledTemporaryFile(max_size=1024 * 1024)  # noqa: SIM115
    try:
        size = 0
        async for chunk in request.stream():
            size += len(chunk)
            if limit is not None and size > limit:
                raise PayloadTooLarge(f"This upload may be at most {limit} bytes.")
            spool.write(chunk)
        spool.seek(0)
        part = await run_in_threadpool(
            lambda: p.media.blobs.receive(
                key,
                iter(lambda: spool.read(1024 * 1024), b""),
                max_bytes=limit,
                upload_id=grant.upload_id,
                part_number=grant.part_number,
            )
        )
    except ClientDisconnect:
        return Response(status_code=400)
    except ValueError as exc:
        raise ValidationFailed(str(exc)) from exc
    finally:
        spool.close()
    return Response(status_code=200, headers={"ETag": part.etag})


def _granted(p: Any, method: str, key: str, request: Request) -> Any:
    blobs = p.media.blobs
    if not blobs.serves_itself:
        raise Forbidden("This link is not valid.")
    try:
        return blobs.check_signature(method, key, dict(request.query_params))
    except PermissionError as exc:
        raise Forbidden(f"This link is not valid: {exc}") from exc
    except ValueError as exc:
        raise Forbidden("This link is not valid.") from exc
