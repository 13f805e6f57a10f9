"""Data-protection routes (GDPR): the account with its consents, the export of one's data,
deleting one's account (and cancelling that), and erasing or redacting a person on request."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import IO, Literal

from fastapi import APIRouter, Request, Response
from fastapi.responses import StreamingResponse
from pydantic import Field

from dzinza.api.auth import client_of, secret
from dzinza.api.http import ActorDep, PlatformDep, respond
from dzinza.api.schemas import Strict

router = APIRouter(tags=["data protection"])
CHUNK = 256 * 1024


class ConsentIn(Strict):
    document: Literal["terms", "privacy"]
    version: str = Field(min_length=1, max_length=20, description="The version you accept")


class DeleteAccountIn(Strict):
    password: str = Field(min_length=1, max_length=1000)
    owned_trees: Literal["delete", "transfer"] = Field(
        description="What happens to the trees you own: deleted, or handed over to members"
    )
    transfer_to: dict[uuid.UUID, uuid.UUID] = Field(
        default_factory=dict,
        max_length=1000,
        description="Tree id -> the member who becomes its owner. With 'transfer' every tree you "
        "own must be listed; with 'delete' the trees listed are handed over, the others deleted.",
    )


class EraseIn(Strict):
    mode: Literal["redact", "erase"] = Field(
        description="'redact' keeps the person's place in the tree without what identifies "
        "them; 'erase' deletes them"
    )
    reason: str = Field(min_length=1, max_length=500, description="Kept in the audit log")


@router.get("/account", summary="Your account, consent to the current terms, a pending deletion")
def account(request: Request, p: PlatformDep, a: ActorDep) -> Response:
    return secret(respond(request, p.gdpr.account(a)))


@router.get("/account/consents", summary="The consents you gave, and the versions in force")
def consents(request: Request, p: PlatformDep, a: ActorDep) -> Response:
    return secret(respond(request, p.gdpr.consents(a)))


@router.post(
    "/account/consents", status_code=201, summary="Accept the current terms or privacy policy"
)
def give_consent(request: Request, body: ConsentIn, p: PlatformDep, a: ActorDep) -> Response:
    made = p.gdpr.give_consent(a, body.document, body.version, client_of(request))
    return respond(request, made, 201)


def _chunks(archive: IO[bytes]) -> Iterator[bytes]:
    try:
        while chunk := archive.read(CHUNK):
            yield chunk
    finally:
        archive.close()


@router.post(
    "/account/export",
    summary="Download everything Dzinza keeps about you and the trees you own (a ZIP archive)",
    response_class=StreamingResponse,
    responses={200: {"content": {"application/zip": {}}}},
)
def export(request: Request, p: PlatformDep, a: ActorDep) -> StreamingResponse:
    archive = p.gdpr.export(a, client_of(request))
    archive.seek(0, 2)
    size = archive.tell()
    archive.seek(0)
    return StreamingResponse(
        _chunks(archive),
        media_type="application/zip",
        headers={
            "Content-Disposition": 'attachment; filename="dzinza-export.zip"',
            "Content-Length": str(size),
            "Cache-Control": "no-store",
        },
    )


@router.post(
    "/account/delete",
    status_code=202,
    summary="Delete your account after a 30-day grace period; signs you out everywhere",
)
def delete_account(
    request: Request, body: DeleteAccountIn, p: PlatformDep, a: ActorDep
) -> Response:
    scheduled = p.gdpr.request_deletion(
        a, body.password, body.owned_trees, body.transfer_to, client_of(request)
    )
    return respond(request, scheduled, 202)


@router.post("/account/delete/cancel", summary="Cancel the deletion during the grace period")
def cancel_deletion(request: Request, p: PlatformDep, a: ActorDep) -> Response:
    return respond(request, p.gdpr.cancel_deletion(a, client_of(request)))


@router.post(
    "/people/{person_id}/erase",
    summary="Erase or redact a person on request (a manager or the owner of the tree)",
)
def erase_person(
    request: Request, person_id: uuid.UUID, body: EraseIn, p: PlatformDep, a: ActorDep
) -> Response:
    done = p.gdpr.erase_person(a, person_id, body.mode, body.reason, client_of(request))
    return respond(request, done)
