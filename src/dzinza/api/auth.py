"""Bearer tokens for the API. Accounts with refresh tokens and two-factor sign-in come later."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from dzinza.api.http import PlatformDep, respond
from dzinza.api.schemas import TokenIn

router = APIRouter(tags=["auth"])


@router.post("/auth/token", summary="Exchange email and password for a bearer token")
def token(request: Request, body: TokenIn, p: PlatformDep) -> Response:
    return respond(request, p.users.issue_token(body.email, body.password))
