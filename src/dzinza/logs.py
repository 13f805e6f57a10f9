"""Logs: one JSON object a line, with the request's id, the user and the tree it concerns, and
never a password, token, signature or secret.

- ``RequestLogMiddleware`` gives every request an id (``X-Request-ID`` from the load balancer if
  it is a sane one, else a new one), answers with it, and writes one access line: method, route
  template (never the raw path or query, which carry invitation tokens and URL signatures),
  status and time. Whatever the request logs meanwhile carries the same ``request_id``.
- ``bind(user_id=..., tree_id=...)``: the code that learns who is asking says so, and every
  later line of the request names them.
- ``JsonFormatter`` writes the lines, with the trace and span ids of the current span when
  tracing is on (``dzinza.tracing``), after ``redact`` has masked what looks like a secret
  (bearer tokens, personal access tokens, ``password=``/``token=``/``signature=`` values,
  passwords in URLs): a last net under the rule that code never logs secrets at all.
- ``configure`` installs it (``DZINZA_LOG_FORMAT=json``, the default; ``text`` for people
  reading a terminal) on the root logger, uvicorn's included.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from dzinza import tracing

_CONTEXT: ContextVar[dict[str, str] | None] = ContextVar("dzinza_log_context", default=None)
REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
access = logging.getLogger("dzinza.access")

_SECRETS = (
    (re.compile(r"(?i)\bbearer\s+[A-Za-z0-9._~+/=-]+"), "Bearer [redacted]"),
    (re.compile(r"\bdzp_[A-Za-z0-9_-]+"), "dzp_[redacted]"),
    (
        re.compile(
            r"(?i)\b(password|passwd|secret|token|refresh_token|access_token|signature|"
            r"sig|key|code)=([^&\s\"']+)"
        ),
        r"\1=[redacted]",
    ),
    (re.compile(r"(?i)\b(password|secret|token)(\"?\s*[:=]\s*\"?)([^\s\",}]+)"), r"\1\2[redacted]"),
    (re.compile(r"(\b[a-z][a-z0-9+.-]*://[^:/\s@]+:)[^@\s]+@"), r"\1[redacted]@"),
)


def redact(text: str) -> str:
    """Masks what looks like a secret."""
    for pattern, replacement in _SECRETS:
        text = pattern.sub(replacement, text)
    return text


def bind(**fields: object) -> None:
    """Adds fields (``user_id``, ``tree_id``) to every later line of the current request."""
    context = _CONTEXT.get()
    if context is not None:
        context.update({k: str(v) for k, v in fields.items() if v is not None})


def context() -> dict[str, str]:
    return dict(_CONTEXT.get() or {})


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": redact(record.getMessage()),
        }
        line.update(_CONTEXT.get() or {})
        current = tracing.ids()
        if current:
            line["trace_id"], line["span_id"] = current
        extra = getattr(record, "fields", None)
        if isinstance(extra, dict):
            line.update(extra)
        if record.exc_info:
            line["error"] = redact(self.formatException(record.exc_info))
        return json.dumps(line, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """For a person at a terminal: the same redaction, the request's id in brackets."""

    def format(self, record: logging.LogRecord) -> str:
        request_id = (_CONTEXT.get() or {}).get("request_id")
        return redact(super().format(record) + (f" [{request_id[:8]}]" if request_id else ""))


def configure(fmt: str = "json", level: str = "INFO") -> None:
    """One handler on standard error for every logger (uvicorn's propagate to it)."""
    handler = logging.StreamHandler(sys.stderr)
    if fmt == "text":
        handler.setFormatter(TextFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    else:
        handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True


class RequestLogMiddleware:
    """The request's id and its access line (see the module's docstring)."""

    def __init__(self, app: Any, template: Any) -> None:
        self.app = app
        self.template = template

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = next((v for k, v in scope["headers"] if k == b"x-request-id"), b"").decode(
            "latin-1"
        )
        request_id = given if REQUEST_ID.match(given) else uuid.uuid4().hex
        fields = {"request_id": request_id}
        token = _CONTEXT.set(fields)
        started = time.perf_counter()
        status = [500]

        async def send_with_id(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                status[0] = int(message["status"])
                headers = [*message.get("headers", []), (b"x-request-id", request_id.encode())]
                message["headers"] = headers
            await send(message)

        failed = False
        try:
            await self.app(scope, receive, send_with_id)
        except BaseException:
            # Left set: the error handler outside this middleware (Starlette's, in this same
            # task) logs the error with the request's id, and answers with it.
            failed = True
            raise
        finally:
            tree = (scope.get("path_params") or {}).get("tree_id")
            if tree is not None:
                fields.setdefault("tree_id", str(tree))
            method, route = scope.get("method", "GET"), self.template(scope)
            access.info(
                "%s %s %s",
                method,
                route,
                status[0],
                extra={
                    "fields": {
                        "method": method,
                        "route": route,
                        "status": status[0],
                        "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                    }
                },
            )
            if not failed:
                _CONTEXT.reset(token)
