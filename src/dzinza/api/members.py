"""Routes for the members of a tree, handing a tree over, and invitations (to send, list and
withdraw them in a tree, and to accept or decline one: by its token, or, for the invitations
sent to the caller's confirmed email address, by its id)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from pydantic import Field

from dzinza.api.auth import secret
from dzinza.api.http import ActorDep, IfMatch, PlatformDep, no_content, respond
from dzinza.api.schemas import Strict, changes
from dzinza.domain.vocabulary import Role
from dzinza.services.members import MAX_BRANCH_STEPS, MAX_INVITATION_DAYS

router = APIRouter(tags=["members"])
Limit = Annotated[int | None, Query(ge=1, le=500, description="Page size (default 50)")]
Cursor = Annotated[
    str | None, Query(max_length=2000, description="next_cursor of the previous page")
]
BranchSteps = Field(
    default=None,
    ge=1,
    le=MAX_BRANCH_STEPS,
    description="Limit the member to this many family links around person_id (viewers and "
    "contributors); null: no limit",
)


class MemberPatch(Strict):
    role: Role | None = Field(default=None, description="viewer, contributor, editor or manager")
    person_id: uuid.UUID | None = Field(
        default=None, description="The member's own person in this tree"
    )
    branch_steps: int | None = BranchSteps


class TransferIn(Strict):
    user_id: uuid.UUID = Field(description="A member of the tree, who becomes its owner")


class InvitationIn(Strict):
    role: Role
    email: str | None = Field(
        default=None,
        max_length=320,
        description="Send the invitation to this address; only its account can accept it",
    )
    person_id: uuid.UUID | None = None
    branch_steps: int | None = BranchSteps
    expires_in_days: int = Field(default=7, ge=1, le=MAX_INVITATION_DAYS)


class InvitationToken(Strict):
    token: str = Field(min_length=1, max_length=200)


# -- members ----------------------------------------------------------------------------------
@router.get("/trees/{tree_id}/members", summary="The owner and members of a tree (members only)")
def list_members(
    request: Request,
    tree_id: uuid.UUID,
    p: PlatformDep,
    a: ActorDep,
    sort: Annotated[str, Query(pattern="^-?(email|joined)$")] = "email",
    cursor: Cursor = None,
    limit: Limit = None,
) -> Response:
    return respond(request, p.members.list(a, tree_id, sort=sort, cursor=cursor, limit=limit))


@router.get("/trees/{tree_id}/members/{user_id}")
def get_member(
    request: Request, tree_id: uuid.UUID, user_id: uuid.UUID, p: PlatformDep, a: ActorDep
) -> Response:
    return respond(request, p.members.get(a, tree_id, user_id))


@router.patch(
    "/trees/{tree_id}/members/{user_id}",
    summary="Change a member's role, own person or branch limit (managers)",
)
def update_member(
    request: Request,
    tree_id: uuid.UUID,
    user_id: uuid.UUID,
    body: MemberPatch,
    p: PlatformDep,
    a: ActorDep,
    if_match: IfMatch = None,
) -> Response:
    view = p.members.update(a, tree_id, user_id, changes(body), if_match)
    return respond(request, view)


@router.delete(
    "/trees/{tree_id}/members/{user_id}",
    status_code=204,
    summary="Remove a member (managers), or leave the tree (your own id)",
)
def remove_member(
    tree_id: uuid.UUID,
    user_id: uuid.UUID,
    p: PlatformDep,
    a: ActorDep,
    if_match: IfMatch = None,
) -> Response:
    p.members.remove(a, tree_id, user_id, if_match)
    return no_content()


@router.post(
    "/trees/{tree_id}/transfer",
    summary="Hand the tree over to a member (owner only); you stay on as a manager",
)
def transfer_tree(
    request: Request,
    tree_id: uuid.UUID,
    body: TransferIn,
    p: PlatformDep,
    a: ActorDep,
    if_match: IfMatch = None,
) -> Response:
    view = p.members.transfer(a, tree_id, body.user_id, if_match)
    return respond(request, view)


# -- invitations ------------------------------------------------------------------------------
@router.post(
    "/trees/{tree_id}/invitations",
    status_code=201,
    summary="Invite someone by link or email (managers); the token is shown only here",
)
def create_invitation(
    request: Request, tree_id: uuid.UUID, body: InvitationIn, p: PlatformDep, a: ActorDep
) -> Response:
    made = p.members.invite(a, tree_id, body.model_dump())
    return secret(respond(request, made, 201))


@router.get("/trees/{tree_id}/invitations", summary="Invitations still open (managers)")
def list_invitations(
    request: Request,
    tree_id: uuid.UUID,
    p: PlatformDep,
    a: ActorDep,
    cursor: Cursor = None,
    limit: Limit = None,
) -> Response:
    return respond(request, p.members.invitations(a, tree_id, cursor=cursor, limit=limit))


@router.delete(
    "/trees/{tree_id}/invitations/{invitation_id}",
    status_code=204,
    summary="Withdraw an invitation (managers)",
)
def revoke_invitation(
    tree_id: uuid.UUID,
    invitation_id: uuid.UUID,
    p: PlatformDep,
    a: ActorDep,
    if_match: IfMatch = None,
) -> Response:
    p.members.revoke(a, tree_id, invitation_id, if_match)
    return no_content()


@router.post("/invitations/accept", summary="Join a tree with an invitation's token")
def accept_invitation(
    request: Request, body: InvitationToken, p: PlatformDep, a: ActorDep
) -> Response:
    return respond(request, p.members.accept(a, body.token))


@router.post("/invitations/decline", status_code=204, summary="Decline an invitation")
def decline_invitation(body: InvitationToken, p: PlatformDep, a: ActorDep) -> Response:
    p.members.decline(a, body.token)
    return no_content()


@router.get(
    "/invitations/mine",
    summary="Invitations waiting for you (sent to your email address, once confirmed)",
)
def my_invitations(request: Request, p: PlatformDep, a: ActorDep) -> Response:
    return respond(request, {"items": p.members.pending_for(a)})


@router.post(
    "/invitations/{invitation_id}/accept",
    summary="Join a tree with one of your invitations (see GET /invitations/mine)",
)
def accept_my_invitation(
    request: Request, invitation_id: uuid.UUID, p: PlatformDep, a: ActorDep
) -> Response:
    return respond(request, p.members.accept_by_id(a, invitation_id))


@router.post(
    "/invitations/{invitation_id}/decline",
    status_code=204,
    summary="Decline one of your invitations (see GET /invitations/mine)",
)
def decline_my_invitation(invitation_id: uuid.UUID, p: PlatformDep, a: ActorDep) -> Response:
    p.members.decline_by_id(a, invitation_id)
    return no_content()
