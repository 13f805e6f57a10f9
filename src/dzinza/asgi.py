"""The ASGI entry point for uvicorn and other servers: ``dzinza.asgi:app``."""

from __future__ import annotations

import logging

from prometheus_client import start_http_server

from dzinza import bootstrap, logs
from dzinza.api.app import create_app
from dzinza.settings import Settings

_settings = Settings()
logs.configure(_settings.log_format, _settings.log_level)
app = create_app(
    bootstrap.build(_settings, resume_jobs=True),
    trusted_proxies=_settings.trusted_proxies,
    owns_platform=True,
    metrics_token=_settings.metrics_token,
)
if _settings.metrics_port:
    # A port of its own for Prometheus, beside the one the public reaches. With several
    # worker processes (`dzinza serve --workers N`) only the first gets it: at scale, run one
    # process per pod and let Kubernetes add pods.
    try:
        start_http_server(_settings.metrics_port, addr=_settings.host)
    except OSError as exc:
        logging.getLogger("dzinza").warning(
            "metrics: port %s is taken (%s); this process's metrics are not served",
            _settings.metrics_port,
            exc,
        )
