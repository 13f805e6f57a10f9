"""Routes for background jobs (GEDCOM import and export): their status and progress, and
cancelling them. Jobs are started by the routes of the work they do."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request, Response

from dzinza.api.http import ActorDep, PlatformDep, respond
from dzinza.api.trees import Cursor, Limit

router = APIRouter(tags=["jobs"])


@router.get("/jobs", summary="Your background jobs, newest first")
def list_jobs(
    request: Request, p: PlatformDep, a: ActorDep, cursor: Cursor = None, limit: Limit = None
) -> Response:
    return respond(request, p.jobs.of_user(a, cursor=cursor, limit=limit))


@router.get(
    "/jobs/{job_id}",
    summary="A background job: status, progress (done, total, percent, rate, ETA), outcome",
)
def get_job(request: Request, job_id: uuid.UUID, p: PlatformDep, a: ActorDep) -> Response:
    return respond(request, p.jobs.get(a, job_id))


@router.post(
    "/jobs/{job_id}/cancel",
    status_code=202,
    summary="Ask a job to stop: a queued one is cancelled at once, a running one shortly",
)
def cancel_job(request: Request, job_id: uuid.UUID, p: PlatformDep, a: ActorDep) -> Response:
    return respond(request, p.jobs.cancel(a, job_id), 202)
