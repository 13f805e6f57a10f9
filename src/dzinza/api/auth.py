"""Accounts and tokens: register, sign in (with a second step when two-factor is on), refresh,
sign out (here or everywhere). The account's settings are in ``account.py``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Request, Response
from pydantic import Field

from dzinza.api.http import ActorDep, PlatformDep, no_content, respond
from dzinza.api.schemas import LogoutIn, RefreshIn, RegisterIn, Strict, TokenIn

router = APIRouter(tags=["auth"])


def client_of(request: Request) -> str:
    # The direct peer: behind a proxy this is the proxy, until trusted proxies are configured.
    return request.client.host if request.client else "unknown"


def bearer_token(authorization: str | None) -> str | None:
    if authorization and authorization.lower().startswith("bearer "):
        return authorization[7:].strip() or None
    return None


@router.post("/auth/register", status_code=201, summary="Create an account")
def register(request: Request, body: RegisterIn, p: PlatformDep) -> Response:
    made = p.users.register(body.email, body.password, body.accept_terms, client_of(request))
    return respond(request, made, 201)


def secret(response: Response) -> Response:
    """Answers that carry secrets are not to be kept by any cache."""
    response.headers["Cache-Control"] = "no-store"
    return response


class SecondFactorIn(Strict):
    challenge: str = Field(min_length=10, max_length=200)
    code: str = Field(
        min_length=6, max_length=40, description="6 digits from the app, or a recovery code"
    )


@router.post(
    "/auth/login",
    summary="Sign in: an access token and a refresh token, or a two-factor challenge",
)
def login(request: Request, body: TokenIn, p: PlatformDep) -> Response:
    return secret(respond(request, p.users.login(body.email, body.password, client_of(request))))


@router.post("/auth/login/2fa", summary="Sign in, second step: the challenge and a code")
def login_2fa(request: Request, body: SecondFactorIn, p: PlatformDep) -> Response:
    tokens = p.users.login_2fa(body.challenge, body.code, client_of(request))
    return secret(respond(request, tokens))


@router.post("/auth/token", summary="Sign in (the same as /auth/login)")
def token(request: Request, body: TokenIn, p: PlatformDep) -> Response:
    return secret(respond(request, p.users.login(body.email, body.password, client_of(request))))


@router.post("/auth/refresh", summary="Exchange a refresh token for a new pair (one use each)")
def refresh(request: Request, body: RefreshIn, p: PlatformDep) -> Response:
    return secret(respond(request, p.users.refresh(body.refresh_token, client_of(request))))


@router.post("/auth/logout", status_code=204, summary="Sign out of this sign-in")
def logout(
    p: PlatformDep,
    a: ActorDep,
    body: LogoutIn | None = None,
    authorization: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> Response:
    p.users.logout(a, bearer_token(authorization), body.refresh_token if body else None)
    return no_content()


@router.post("/auth/logout-all", status_code=204, summary="Sign out everywhere")
def logout_all(request: Request, p: PlatformDep, a: ActorDep) -> Response:
    p.users.logout_everywhere(a, client_of(request))
    return no_content()
