"""Tracing with OpenTelemetry: which spans Dzinza makes, where they go, and how a log line or an
error body names its trace.

Spans: one per HTTP request (named by the route template), one per SQL statement, Redis
command, S3 call and OpenSearch request, and one per background job (``job <kind>``), which
continues the trace of the request that started it even when a worker on another machine runs
it: the job's row keeps the request's ``traceparent``. A job resumed after a restart starts a
trace of its own, linked to the first.

``configure(settings)`` sets it up once per process (``dzinza serve``, ``dzinza worker`` and the
command line). ``DZINZA_TRACING``:

- ``on`` (the default): trace ids for every request and job, in the logs and in problem+json
  bodies; spans are exported over OTLP/HTTP when ``OTEL_EXPORTER_OTLP_ENDPOINT`` (or
  ``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT``) is set, to the AWS Distro for OpenTelemetry collector
  in production (which sends them on to X-Ray), and are otherwise dropped;
- ``console``: spans also printed to standard output, for a developer;
- ``off``: no tracing at all.

``DZINZA_TRACE_SAMPLE_RATIO`` (0-1, default 1) keeps that share of new traces; a request whose
caller sent a sampled ``traceparent`` follows the caller's choice. Spans are recorded only when
an exporter receives them: without one, and for unsampled requests, they still have their ids
for the logs, and cost little.

What spans never carry: the raw path and query of a request (invitation tokens, URL signatures)
are replaced by the route template, SQL and Redis spans hold statements without their values,
and OpenSearch spans hold no request bodies.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.sdk.trace.sampling import (
    ALWAYS_OFF,
    ParentBased,
    Sampler,
    SamplingResult,
    TraceIdRatioBased,
)
from opentelemetry.trace import Link, SpanKind, Status, StatusCode
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

if TYPE_CHECKING:
    import sqlalchemy as sa
    from opentelemetry.sdk.trace import SpanProcessor, TracerProvider

    from dzinza.settings import Settings

tracer = trace.get_tracer("dzinza")
_PROPAGATOR = TraceContextTextMapPropagator()
_provider: TracerProvider | None = None
# Probes and scrapes: every few seconds from every replica, nothing to learn from a trace.
_UNTRACED = "healthz,readyz,metrics,api/v1/health,static/"


def configure(settings: Settings) -> bool:
    """Sets tracing up for this process, once (later calls change nothing); True when on."""
    global _provider
    if settings.tracing == "off":
        return False
    if _provider is not None:
        return True
    # Imported here: the exporters and instrumentations load only where tracing is on.
    from opentelemetry.instrumentation.botocore import BotocoreInstrumentor
    from opentelemetry.instrumentation.redis import RedisInstrumentor
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter

    import dzinza

    resource = Resource.create(
        {"service.name": settings.trace_service_name, "service.version": dzinza.__version__}
    )
    provider = TracerProvider(
        resource=resource, sampler=_ReceiverSampler(settings.trace_sample_ratio)
    )
    trace.set_tracer_provider(provider)
    _provider = provider
    if _otlp_endpoint():
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        add_processor(BatchSpanProcessor(OTLPSpanExporter()))
    if settings.tracing == "console":
        add_processor(BatchSpanProcessor(ConsoleSpanExporter()))
    RedisInstrumentor().instrument(tracer_provider=provider)
    BotocoreInstrumentor().instrument(tracer_provider=provider)  # type: ignore[no-untyped-call]
    return True


def _otlp_endpoint() -> str | None:
    return os.environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") or os.environ.get(
        "OTEL_EXPORTER_OTLP_ENDPOINT"
    )


class _ReceiverSampler(Sampler):
    """Records spans only when something receives them. With no exporter (a laptop, the test
    suite) every span is dropped at birth, which costs a fraction of recording it (a recorded
    span takes tens of microseconds here, and a request makes dozens), yet still has its ids for
    the logs. Once an exporter is added: the configured share of new traces, and the caller's
    choice for continued ones."""

    def __init__(self, ratio: float) -> None:
        self.ratio = ratio
        self.delegate: Sampler = ALWAYS_OFF

    def receive(self) -> None:
        self.delegate = ParentBased(TraceIdRatioBased(self.ratio))

    def should_sample(self, *args: Any, **kwargs: Any) -> SamplingResult:
        return self.delegate.should_sample(*args, **kwargs)

    def get_description(self) -> str:
        return f"DzinzaReceiverSampler{{{self.delegate.get_description()}}}"


def add_processor(processor: SpanProcessor) -> None:
    """Adds a span processor (the OTLP exporter, a test's in-memory one): from then on spans
    are recorded (see ``_ReceiverSampler``)."""
    if _provider is None:
        raise RuntimeError("tracing is not configured in this process")
    _provider.add_span_processor(processor)
    cast(_ReceiverSampler, _provider.sampler).receive()


def instrument_app(app: Any) -> None:
    """The request spans of a FastAPI application (typed loosely: the services that use this
    module may not know FastAPI)."""
    if _provider is None:
        return
    from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

    FastAPIInstrumentor.instrument_app(
        app,
        tracer_provider=_provider,
        excluded_urls=_UNTRACED,
        exclude_spans=["receive", "send"],
        server_request_hook=_scrub_request,
    )


def instrument_engine(engine: sa.Engine) -> None:
    """A span for each SQL statement: named by its operation and first table (``SELECT
    people``), holding the statement with its placeholders (never the values). Written here
    rather than taken from OpenTelemetry's SQLAlchemy instrumentation, which does not yet
    support the SQLAlchemy release Dzinza runs on."""
    if _provider is None:
        return
    from sqlalchemy import event

    system = engine.dialect.name
    database = engine.url.database or ""

    @event.listens_for(engine, "before_cursor_execute")
    def _before(
        conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool
    ) -> None:
        # Only inside a recorded trace: statements outside any (start-up, the indexer's thread)
        # or in an unsampled one cost nothing.
        if context is None or not trace.get_current_span().is_recording():
            return
        context._dzinza_span = tracer.start_span(
            _statement_name(statement),
            kind=SpanKind.CLIENT,
            attributes={
                "db.system": system,
                "db.name": database if system != "sqlite" else Path(database).name,
                "db.statement": statement[:_STATEMENT_MAX],
            },
        )

    @event.listens_for(engine, "after_cursor_execute")
    def _after(
        conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool
    ) -> None:
        span = getattr(context, "_dzinza_span", None)
        if span is not None:
            span.end()
            context._dzinza_span = None

    @event.listens_for(engine, "handle_error")
    def _error(error: Any) -> None:
        span = getattr(error.execution_context, "_dzinza_span", None)
        if span is not None:
            span.record_exception(error.original_exception)
            span.set_status(Status(StatusCode.ERROR, type(error.original_exception).__name__))
            span.end()
            error.execution_context._dzinza_span = None


_STATEMENT_MAX = 2000
_FIRST_TABLE = re.compile(
    r'\b(?:FROM|INTO|UPDATE|TABLE)\s+"?([A-Za-z_][A-Za-z0-9_]*)', re.IGNORECASE
)


def _statement_name(statement: str) -> str:
    words = statement.split(None, 1)
    operation = words[0].upper() if words else "SQL"
    table = _FIRST_TABLE.search(statement[:500])
    return f"{operation} {table.group(1)}" if table else operation


# Attributes the HTTP instrumentation fills from the raw request line (old and new names).
_RAW_PATH = ("http.target", "url.path", "http.url", "url.full")


def _scrub_request(span: Any, scope: dict[str, Any]) -> None:
    """The route template in place of the path and query, which may carry secrets."""
    if not span.is_recording():
        return
    from dzinza.telemetry import route_template

    route = route_template(scope)
    for name in _RAW_PATH:
        span.set_attribute(name, route)
    span.set_attribute("url.query", "")


def ids() -> tuple[str, str] | None:
    """(trace id, span id) of the current span, in hex; None outside any trace."""
    context = trace.get_current_span().get_span_context()
    if not context.is_valid:
        return None
    return format(context.trace_id, "032x"), format(context.span_id, "016x")


def trace_id() -> str | None:
    current = ids()
    return current[0] if current else None


def traceparent() -> str | None:
    """The current span's W3C ``traceparent``, to be carried to another process."""
    carrier: dict[str, str] = {}
    _PROPAGATOR.inject(carrier)
    return carrier.get("traceparent")


@contextmanager
def job_span(
    kind: str, job_id: object, parent: str | None, *, resumed: bool = False
) -> Iterator[Any]:
    """The span of a background job: a child of the request that started it (``parent``, its
    ``traceparent``), or, for a job resumed by a later process, the root of a new trace linked
    to that request's."""
    remote = _PROPAGATOR.extract({"traceparent": parent}) if parent else otel_context.Context()
    links: list[Link] = []
    start_in = remote
    if resumed and parent:
        linked = trace.get_current_span(remote).get_span_context()
        if linked.is_valid:
            links.append(Link(linked))
        start_in = otel_context.Context()
    with tracer.start_as_current_span(
        f"job {kind}",
        context=start_in,
        kind=SpanKind.CONSUMER,
        links=links,
        attributes={"dzinza.job.id": str(job_id), "dzinza.job.kind": kind},
    ) as span:
        yield span


@contextmanager
def client_span(name: str, system: str, **attributes: Any) -> Iterator[Any]:
    """A span for a call to another service (``system``: ``opensearch``...): failures are
    recorded on it and raised on."""
    with tracer.start_as_current_span(
        name,
        kind=SpanKind.CLIENT,
        attributes={"db.system": system, **attributes},
        record_exception=True,
        set_status_on_exception=True,
    ) as span:
        yield span


def mark_failed(reason: str) -> None:
    """Marks the current span as failed without an exception (a job that ended failed)."""
    span = trace.get_current_span()
    if span.is_recording():
        span.set_status(Status(StatusCode.ERROR, reason))
