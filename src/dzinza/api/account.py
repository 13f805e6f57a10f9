"""The account's own settings over the API: who am I, email verification, password reset and
change, email change, two-factor sign-in, personal access tokens."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Header, Request, Response
from pydantic import Field

from dzinza.api.auth import bearer_token, client_of, secret
from dzinza.api.http import ActorDep, PlatformDep, no_content, respond
from dzinza.api.schemas import Strict

router = APIRouter(tags=["account"])

Token = Field(min_length=10, max_length=200, description="The token from the emailed link")
Password = Field(min_length=1, max_length=1000)


class LinkIn(Strict):
    token: str = Token


class EmailIn(Strict):
    email: str = Field(min_length=3, max_length=320)


class ResetIn(Strict):
    token: str = Token
    new_password: str = Password


class PasswordChangeIn(Strict):
    current_password: str = Password
    new_password: str = Password


class EmailChangeIn(Strict):
    password: str = Password
    new_email: str = Field(min_length=3, max_length=320)


class PasswordIn(Strict):
    password: str = Password


class CodeIn(Strict):
    code: str = Field(min_length=6, max_length=10, description="6 digits from the app")


class DisableIn(Strict):
    password: str = Password
    code: str = Field(
        min_length=6, max_length=40, description="6 digits from the app, or a recovery code"
    )


class PersonalTokenIn(Strict):
    name: str = Field(min_length=1, max_length=100)
    scopes: list[str] = Field(
        min_length=1, max_length=3, description="Some of 'read', 'write', 'admin'"
    )
    expires_in_days: int | None = Field(
        default=None, ge=1, le=3650, description="None: the token does not expire"
    )


ACCEPTED = {"detail": "If the address has an account, a link is on its way."}


@router.get("/auth/me", summary="The signed-in account")
def me(request: Request, p: PlatformDep, a: ActorDep) -> Response:
    return respond(request, p.users.account.me(a))


class AccountSettingsIn(Strict):
    language: str | None = Field(
        description="The web app's language: 'en', 'sn' (Shona) or 'nd' (Ndebele); "
        "null follows the browser",
    )


@router.patch("/auth/me", summary="Change the account's settings (its language)")
def update_me(request: Request, body: AccountSettingsIn, p: PlatformDep, a: ActorDep) -> Response:
    return respond(request, p.users.account.set_language(a, body.language))


# -- email verification --------------------------------------------------------------------------
@router.post("/auth/verify-email", summary="Confirm the email address with the emailed token")
def verify_email(request: Request, body: LinkIn, p: PlatformDep) -> Response:
    return respond(request, p.users.account.verify_email(body.token, client_of(request)))


@router.post(
    "/auth/verify-email/resend", status_code=202, summary="Send the confirmation link again"
)
def resend_verification(request: Request, p: PlatformDep, a: ActorDep) -> Response:
    p.users.account.resend_verification(a)
    return respond(request, {"detail": "A new link is on its way."}, 202)


# -- password ------------------------------------------------------------------------------------
@router.post(
    "/auth/password-reset",
    status_code=202,
    summary="Mail a reset link (the answer is the same whether or not the account exists)",
)
def password_reset(request: Request, body: EmailIn, p: PlatformDep) -> Response:
    p.users.account.request_reset(body.email, client_of(request))
    return respond(request, ACCEPTED, 202)


@router.post(
    "/auth/password-reset/confirm",
    status_code=204,
    summary="Choose a new password with the emailed token; ends every sign-in",
)
def password_reset_confirm(request: Request, body: ResetIn, p: PlatformDep) -> Response:
    p.users.account.confirm_reset(body.token, body.new_password, client_of(request))
    return no_content()


@router.post(
    "/auth/password",
    status_code=204,
    summary="Change the password (the current one is needed); ends every other sign-in",
)
def change_password(
    request: Request,
    body: PasswordChangeIn,
    p: PlatformDep,
    a: ActorDep,
    authorization: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> Response:
    p.users.account.change_password(
        a, body.current_password, body.new_password, bearer_token(authorization), client_of(request)
    )
    return no_content()


# -- email change --------------------------------------------------------------------------------
@router.post(
    "/auth/email",
    status_code=202,
    summary="Change the email address: a confirmation link goes to the new one",
)
def change_email(request: Request, body: EmailChangeIn, p: PlatformDep, a: ActorDep) -> Response:
    p.users.account.change_email(a, body.password, body.new_email, client_of(request))
    return respond(
        request, {"detail": "A confirmation link is on its way to the new address."}, 202
    )


@router.post("/auth/email/confirm", summary="Confirm the new email address with the token")
def confirm_email(request: Request, body: LinkIn, p: PlatformDep) -> Response:
    return respond(request, p.users.account.confirm_email(body.token, client_of(request)))


# -- two-factor sign-in --------------------------------------------------------------------------
@router.post(
    "/auth/2fa/setup", summary="A new TOTP secret and its otpauth:// URI (the password is needed)"
)
def two_factor_setup(request: Request, body: PasswordIn, p: PlatformDep, a: ActorDep) -> Response:
    return secret(respond(request, p.users.twofactor.setup(a, body.password, client_of(request))))


@router.post(
    "/auth/2fa/enable", summary="Switch two-factor on with a code; the recovery codes, once"
)
def two_factor_enable(request: Request, body: CodeIn, p: PlatformDep, a: ActorDep) -> Response:
    return secret(respond(request, p.users.twofactor.enable(a, body.code, client_of(request))))


@router.post(
    "/auth/2fa/disable", status_code=204, summary="Switch two-factor off (password and a code)"
)
def two_factor_disable(request: Request, body: DisableIn, p: PlatformDep, a: ActorDep) -> Response:
    p.users.twofactor.disable(a, body.password, body.code, client_of(request))
    return no_content()


# -- personal access tokens ----------------------------------------------------------------------
@router.post("/auth/tokens", status_code=201, summary="Create a personal access token (shown once)")
def create_token(request: Request, body: PersonalTokenIn, p: PlatformDep, a: ActorDep) -> Response:
    made = p.users.tokens.create(
        a, body.name, body.scopes, body.expires_in_days, client_of(request)
    )
    return secret(respond(request, made, 201))


@router.get("/auth/tokens", summary="Your personal access tokens (without their secrets)")
def list_tokens(request: Request, p: PlatformDep, a: ActorDep) -> Response:
    return respond(request, {"items": p.users.tokens.list(a)})


@router.delete("/auth/tokens/{token_id}", status_code=204, summary="Revoke a personal token")
def revoke_token(request: Request, token_id: uuid.UUID, p: PlatformDep, a: ActorDep) -> Response:
    p.users.tokens.revoke(a, token_id, client_of(request))
    return no_content()
