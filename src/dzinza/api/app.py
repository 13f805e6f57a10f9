"""The ASGI application: API routes under /api/v1, OpenAPI and docs, the web pages at /."""

from __future__ import annotations

import hmac
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.gzip import GZipMiddleware
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

import dzinza
from dzinza import tracing
from dzinza.api import (
    account,
    account_data,
    auth,
    duplicates,
    families,
    gedcom,
    history,
    jobs,
    media,
    members,
    people,
    records,
    search,
    trees,
)
from dzinza.api.http import on_dzinza_error, on_http_error, on_unexpected, on_validation_error
from dzinza.domain.errors import DzinzaError
from dzinza.logs import RequestLogMiddleware
from dzinza.services.platform import Platform
from dzinza.telemetry import MetricsMiddleware, route_template
from dzinza.web.headers import SecurityHeaders
from dzinza.web.rendering import STATIC_DIR
from dzinza.web.routes import ROUTERS

API = "/api/v1"


def create_app(
    platform: Platform,
    *,
    trusted_proxies: str = "127.0.0.1",
    owns_platform: bool = False,
    metrics_token: str | None = None,
) -> FastAPI:
    """The application. ``trusted_proxies``: comma-separated addresses or networks whose
    X-Forwarded-For and X-Forwarded-Proto are believed (the load balancer in front of the pods);
    from anyone else those headers are ignored, so that a client cannot pick the address its
    sign-in back-off is counted against, nor claim to be on TLS. ``owns_platform``: the server
    process (asgi.py) closes the platform when it shuts down. ``metrics_token``: the bearer
    token that ``GET /metrics`` asks for (none: no such route)."""

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        if owns_platform:
            # SIGTERM: uvicorn has stopped accepting and finished the requests in flight; the
            # jobs running here go back to the queue, connections close.
            await run_in_threadpool(platform.close)

    app = FastAPI(
        lifespan=lifespan,
        title="Dzinza API",
        version=dzinza.__version__,
        description="Family trees: people, names, families, events, places, sources.",
        openapi_url=f"{API}/openapi.json",
        docs_url="/api/docs",
        redoc_url=None,
    )
    app.state.platform = platform
    for module in (
        trees,
        members,
        people,
        families,
        media,
        records,
        auth,
        account,
        history,
        jobs,
        gedcom,
        search,
        duplicates,
    ):
        app.include_router(module.router, prefix=API)
    app.include_router(families.events, prefix=API)
    app.include_router(account_data.router, prefix=API)
    for router in ROUTERS:
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.add_exception_handler(DzinzaError, on_dzinza_error)
    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_exception_handler(StarletteHTTPException, on_http_error)
    app.add_exception_handler(Exception, on_unexpected)
    app.add_middleware(history.ChangeNoteMiddleware)
    # Pages and JSON compress about tenfold (a 10-generation chart is 400 KB of SVG).
    app.add_middleware(GZipMiddleware, minimum_size=1024)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=trusted_proxies)
    # Outermost: it times everything, compression and headers included.
    app.add_middleware(MetricsMiddleware)
    # Outermost of all: every line logged while the request is served carries its id.
    app.add_middleware(RequestLogMiddleware, template=route_template)
    # Around all of it (and the error handlers): the request's span, when tracing is on.
    tracing.instrument_app(app)

    @app.get(f"{API}/health", tags=["health"], summary="Liveness: the process answers")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/healthz", tags=["health"], summary="Liveness: the process answers (no dependencies)")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get(
        "/readyz",
        tags=["health"],
        summary="Readiness: the database, cache, search, object store and job queue each answer "
        "within a short timeout (503 naming what failed)",
    )
    def readyz() -> JSONResponse:
        ready, body = platform.readiness.report()
        return JSONResponse(body, status_code=200 if ready else 503)

    if metrics_token:
        expected = f"Bearer {metrics_token}".encode()

        @app.get("/metrics", include_in_schema=False)
        def metrics(request: Request) -> Response:
            given = request.headers.get("authorization", "").encode()
            if not hmac.compare_digest(given, expected):
                # The same answer as a path that does not exist: nothing to probe.
                return JSONResponse({"detail": "Not Found"}, status_code=404)
            return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return app
