"""Routes for GEDCOM: upload a file to import into a tree, export a tree, download the export.
Both run as background jobs, watched at ``/api/v1/jobs/{job_id}``."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import FileResponse, RedirectResponse
from pydantic import BaseModel, ConfigDict
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect

from dzinza.api.http import ActorDep, PlatformDep, respond

router = APIRouter(tags=["gedcom"])

UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "description": "The GEDCOM file (5.5, 5.5.1, 7.0, any character set) or a GEDZIP "
        "archive, as the raw request body.",
        "content": {
            "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
            "text/vnd.familysearch.gedcom": {"schema": {"type": "string", "format": "binary"}},
            "application/vnd.familysearch.gedzip": {
                "schema": {"type": "string", "format": "binary"}
            },
        },
    }
}


class ExportIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    format: Literal["gedcom7", "gedcom551", "gdz"] = "gedcom7"
    """GEDCOM 7.0, GEDCOM 5.5.1 (UTF-8) or a GEDZIP archive."""
    living: Literal["omit", "private"] = "private"
    """People you may not see: left out, or shown as "Private" with their family links."""


@router.post(
    "/trees/{tree_id}/imports",
    status_code=202,
    summary="Import a GEDCOM file into the tree (editors): a background job; "
    "preview=true only counts new, changed and unchanged records",
    openapi_extra=UPLOAD_BODY,
)
async def start_import(
    request: Request,
    tree_id: uuid.UUID,
    p: PlatformDep,
    a: ActorDep,
    preview: bool = False,
    filename: Annotated[str | None, Query(max_length=255)] = None,
) -> Response:
    service = p.gedcom
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > service.max_bytes:
        raise service.too_large()
    await run_in_threadpool(service.may_import, a, tree_id)
    key, path = await run_in_threadpool(service.upload_path)
    try:
        size = 0
        # Local disk writes of a chunk each: brief enough not to need a thread of their own.
        with open(path, "wb") as out:
            async for chunk in request.stream():
                size += len(chunk)
                if size > service.max_bytes:
                    raise service.too_large()
                out.write(chunk)
    except (Exception, ClientDisconnect):
        await run_in_threadpool(service.work.remove, key)
        raise
    view = await run_in_threadpool(
        lambda: service.start_import(a, tree_id, key, preview=preview, filename=filename)
    )
    response = respond(request, view, 202)
    response.headers["Location"] = f"/api/v1/jobs/{view['id']}"
    return response


@router.post(
    "/trees/{tree_id}/exports",
    status_code=202,
    summary="Export the tree as GEDCOM 7.0, 5.5.1 or GEDZIP, as you may see it: a background "
    "job whose result names the download",
)
def start_export(
    request: Request, tree_id: uuid.UUID, body: ExportIn, p: PlatformDep, a: ActorDep
) -> Response:
    view = p.gedcom.start_export(a, tree_id, body.format, body.living)
    response = respond(request, view, 202)
    response.headers["Location"] = f"/api/v1/jobs/{view['id']}"
    return response


@router.get(
    "/jobs/{job_id}/download",
    summary="The file of a finished export (for the person who started it)",
    response_class=FileResponse,
)
def download(job_id: uuid.UUID, p: PlatformDep, a: ActorDep) -> Response:
    found = p.gedcom.download(a, job_id)
    if found.path is None:  # on S3: a signed URL, valid for a few minutes, named for download
        assert found.url is not None
        redirect = RedirectResponse(found.url, status_code=302)
        redirect.headers["Cache-Control"] = "private, no-store"
        return redirect
    return FileResponse(found.path, media_type=found.media_type, filename=found.filename)
