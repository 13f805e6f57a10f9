"""Accounts and tokens: register, sign in, refresh, sign out (here or everywhere)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Request, Response

from dzinza.api.http import ActorDep, PlatformDep, no_content, respond
from dzinza.api.schemas import LogoutIn, RefreshIn, RegisterIn, TokenIn

router = APIRouter(tags=["auth"])


def client_of(request: Request) -> str:
    # The direct peer: behind a proxy this is the proxy, until trusted proxies are configured.
    return request.client.host if request.client else "unknown"


def _bearer(authorization: str | None) -> str | None:
    if authorization and authorization.lower().startswith("bearer "):
        return authorization[7:].strip() or None
    return None


@router.post("/auth/register", status_code=201, summary="Create an account")
def register(request: Request, body: RegisterIn, p: PlatformDep) -> Response:
    made = p.users.register(body.email, body.password, body.accept_terms, client_of(request))
    return respond(request, made, 201)


@router.post("/auth/login", summary="Sign in: an access token and a refresh token")
def login(request: Request, body: TokenIn, p: PlatformDep) -> Response:
    return respond(request, p.users.login(body.email, body.password, client_of(request)))


@router.post("/auth/token", summary="Sign in (the same as /auth/login)")
def token(request: Request, body: TokenIn, p: PlatformDep) -> Response:
    return respond(request, p.users.login(body.email, body.password, client_of(request)))


@router.post("/auth/refresh", summary="Exchange a refresh token for a new pair (one use each)")
def refresh(request: Request, body: RefreshIn, p: PlatformDep) -> Response:
    return respond(request, p.users.refresh(body.refresh_token, client_of(request)))


@router.post("/auth/logout", status_code=204, summary="Sign out of this sign-in")
def logout(
    p: PlatformDep,
    a: ActorDep,
    body: LogoutIn | None = None,
    authorization: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> Response:
    p.users.logout(a, _bearer(authorization), body.refresh_token if body else None)
    return no_content()


@router.post("/auth/logout-all", status_code=204, summary="Sign out everywhere")
def logout_all(p: PlatformDep, a: ActorDep) -> Response:
    p.users.logout_everywhere(a)
    return no_content()
