"""Routes for the change history (per person, per tree, the activity feed), undo, and the audit
log for site admins; and the middleware that takes every write's ``X-Change-Reason`` header and
answers with the ``X-Change-Id`` of the change it recorded."""

from __future__ import annotations

import re
import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from dzinza.api.http import ActorDep, PlatformDep, problem, respond
from dzinza.api.trees import Cursor, Limit
from dzinza.ports import REQUEST_NOTE, RequestNote
from dzinza.services.audit import AuditService

router = APIRouter(tags=["history"])

REASON_HEADER = b"x-change-reason"
MAX_REASON = 500
WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def _reason(raw: bytes) -> str | None:
    """The header's text (UTF-8, or Latin-1 as HTTP has it), or None if it is not acceptable."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    text = text.strip()
    if len(text) > MAX_REASON or CONTROL.search(text):
        return None
    return text


class ChangeNoteMiddleware:
    """Puts the request's reason and address where the store and the audit log find them
    (``ports.REQUEST_NOTE``), and sends back the ids of the changes the request recorded."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        raw = next((v for k, v in scope["headers"] if k == REASON_HEADER), b"")
        reason = _reason(raw) if scope["method"] in WRITES else ""
        if reason is None:
            detail = (
                f"X-Change-Reason: at most {MAX_REASON} characters, without control characters."
            )
            errors = [{"field": "X-Change-Reason", "message": "not an acceptable reason"}]
            await problem(422, "Invalid data", detail, errors=errors)(scope, receive, send)
            return
        client = scope.get("client")
        note = RequestNote(reason=reason, ip=client[0] if client else "")
        token = REQUEST_NOTE.set(note)

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start" and note.change_ids:
                ids = ", ".join(str(c) for c in note.change_ids)
                message["headers"] = [*message.get("headers", []), (b"x-change-id", ids.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            REQUEST_NOTE.reset(token)


@router.get("/people/{person_id}/history", summary="Changes to a person, newest first")
def person_history(
    request: Request,
    person_id: uuid.UUID,
    p: PlatformDep,
    a: ActorDep,
    cursor: Cursor = None,
    limit: Limit = None,
) -> Response:
    page = p.history.of_person(a, person_id, cursor=cursor, limit=limit)
    return respond(request, page)


@router.get("/trees/{tree_id}/history", summary="Changes to a tree's records, newest first")
def tree_history(
    request: Request,
    tree_id: uuid.UUID,
    p: PlatformDep,
    a: ActorDep,
    cursor: Cursor = None,
    limit: Limit = None,
) -> Response:
    page = p.history.of_tree(a, tree_id, cursor=cursor, limit=limit)
    return respond(request, page)


@router.get("/trees/{tree_id}/activity", summary="Who changed what and when, one line each")
def tree_activity(
    request: Request,
    tree_id: uuid.UUID,
    p: PlatformDep,
    a: ActorDep,
    cursor: Cursor = None,
    limit: Limit = None,
) -> Response:
    page = p.history.activity(a, tree_id, cursor=cursor, limit=limit)
    return respond(request, page)


@router.get("/changes/{change_id}", summary="One change with its records before and after")
def get_change(request: Request, change_id: uuid.UUID, p: PlatformDep, a: ActorDep) -> Response:
    return respond(request, p.history.get(a, change_id))


@router.post(
    "/changes/{change_id}/undo",
    status_code=201,
    summary="Undo a change (as a new change); 409 if its records have changed since",
)
def undo_change(request: Request, change_id: uuid.UUID, p: PlatformDep, a: ActorDep) -> Response:
    return respond(request, p.history.undo(a, change_id), 201)


@router.get(
    "/admin/status",
    tags=["admin"],
    summary="Cache hits and misses, and the job queue's depth and dead letters (site admins)",
)
def platform_status(request: Request, p: PlatformDep, a: ActorDep) -> Response:
    return respond(request, p.status(a))


@router.get("/admin/audit", tags=["admin"], summary="The audit log, newest first (site admins)")
def audit_log(
    request: Request,
    p: PlatformDep,
    a: ActorDep,
    action: Annotated[str | None, Query(max_length=60, pattern=r"^[a-z_.]+$")] = None,
    tree_id: uuid.UUID | None = None,
    cursor: Cursor = None,
    limit: Limit = None,
) -> Response:
    page = AuditService(p.store).page(a, action=action, tree_id=tree_id, cursor=cursor, limit=limit)
    return respond(request, page)
