"""The ASGI application: API routes under /api/v1, OpenAPI and docs, the web pages at /."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

import dzinza
from dzinza.api import auth, families, people, records, trees
from dzinza.api.http import on_dzinza_error, on_http_error, on_unexpected, on_validation_error
from dzinza.domain.errors import DzinzaError
from dzinza.services.platform import Platform
from dzinza.web import pages

API = "/api/v1"


def create_app(platform: Platform) -> FastAPI:
    app = FastAPI(
        title="Dzinza API",
        version=dzinza.__version__,
        description="Family trees: people, names, families, events, places, sources.",
        openapi_url=f"{API}/openapi.json",
        docs_url="/api/docs",
        redoc_url=None,
    )
    app.state.platform = platform
    for module in (trees, people, families, records, auth):
        app.include_router(module.router, prefix=API)
    app.include_router(families.events, prefix=API)
    app.include_router(pages.router)
    app.add_exception_handler(DzinzaError, on_dzinza_error)
    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_exception_handler(StarletteHTTPException, on_http_error)
    app.add_exception_handler(Exception, on_unexpected)

    @app.get(f"{API}/health", tags=["health"], summary="Liveness: the process answers")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    return app
