"""The ASGI entry point for uvicorn and other servers: ``dzinza.asgi:app``."""

from __future__ import annotations

from dzinza import bootstrap
from dzinza.api.app import create_app
from dzinza.settings import Settings

_settings = Settings()
app = create_app(
    bootstrap.build(_settings, resume_jobs=True),
    trusted_proxies=_settings.trusted_proxies,
    owns_platform=True,
)
