"""What every route shares: the platform, the actor behind the bearer token, the If-Match header,
JSON responses with ETags, and errors as RFC 9457 problem+json."""

from __future__ import annotations

import logging
from typing import Annotated, Any

from fastapi import Depends, Header, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from dzinza import logs, tracing
from dzinza.api.security import check_scopes
from dzinza.domain.errors import DzinzaError, TooManyRequests
from dzinza.services.common import ANONYMOUS, Actor, Page, canonical_json, etag_for
from dzinza.services.platform import Platform
from dzinza.telemetry import route_template

log = logging.getLogger("dzinza.api")
PROBLEM = "application/problem+json"


def platform_of(request: Request) -> Platform:
    return request.app.state.platform  # type: ignore[no-any-return]


async def platform(request: Request) -> Platform:
    # Dependencies are async where they do no blocking I/O: a sync one costs a threadpool hop.
    return platform_of(request)


async def actor(
    request: Request,
    authorization: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> Actor:
    platform = platform_of(request)
    client = request.client.host if request.client else "unknown"
    if not authorization:
        await run_in_threadpool(platform.users.limits.hit_api, None, client)
        return ANONYMOUS
    scheme, _, value = authorization.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise DzinzaError("The Authorization header must be 'Bearer <token>'.")
    found = await run_in_threadpool(platform.users.actor_for_token, value.strip())
    logs.bind(user_id=found.user_id)
    await run_in_threadpool(platform.users.limits.hit_api, found.user_id, client)
    check_scopes(request.method, found)
    return found


PlatformDep = Annotated[Platform, Depends(platform)]
ActorDep = Annotated[Actor, Depends(actor)]
IfMatch = Annotated[
    str | None,
    Header(
        description="The ETag you read; the write is refused with 412 if the record changed since."
    ),
]


def respond(request: Request, view: Any, status: int = 200) -> Response:
    """JSON with a strong ETag; a matching If-None-Match gets 304 without a body."""
    content = canonical_json(view.view() if isinstance(view, Page) else view)
    tag = etag_for(content)
    if status == 200 and tag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers={"ETag": tag})
    return Response(
        content, status_code=status, media_type="application/json", headers={"ETag": tag}
    )


def no_content() -> Response:
    return Response(status_code=204)


def problem(status: int, title: str, detail: str, **extra: Any) -> JSONResponse:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail, **extra}
    # The trace of this request, for the person who reports the error and the one who looks.
    trace_id = tracing.trace_id()
    if trace_id:
        body["trace_id"] = trace_id
    headers = {"WWW-Authenticate": 'Bearer realm="dzinza"'} if status == 401 else None
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)


async def on_dzinza_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DzinzaError)
    extra = {"errors": exc.errors} if exc.errors else {}
    response = problem(exc.status, exc.title, exc.detail, **extra)
    if isinstance(exc, TooManyRequests):
        response.headers["Retry-After"] = str(exc.retry_after)
    return response


def _where(loc: tuple[Any, ...]) -> str:
    return ".".join(str(p) for p in loc if p not in ("body",)) or "body"


async def on_validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {"field": _where(tuple(e.get("loc", ()))), "message": e.get("msg", "")}
        for e in exc.errors()
    ]
    detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors[:5])
    return problem(422, "Invalid data", detail or "The request is not valid.", errors=errors)


async def on_http_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    titles = {404: "Not found", 405: "Method not allowed"}
    detail = exc.detail if isinstance(exc.detail, str) else "The request was refused."
    if exc.status_code == 404 and detail == "Not Found":
        detail = "There is nothing at this address."
    return problem(exc.status_code, titles.get(exc.status_code, "Error"), detail)


async def on_unexpected(request: Request, exc: Exception) -> JSONResponse:
    # The route's template, not the path: a path may carry an invitation token.
    where = route_template(request.scope)
    log.exception("unexpected error on %s %s", request.method, where, exc_info=exc)
    answer = problem(500, "Internal error", "Something went wrong on our side; it has been logged.")
    request_id = logs.context().get("request_id")
    if request_id:
        answer.headers["X-Request-ID"] = request_id
    return answer
