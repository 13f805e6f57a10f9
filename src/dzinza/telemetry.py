"""Prometheus metrics: what every process of Dzinza counts and measures, and how they are read.

Names start with ``dzinza_``. They are kept in prometheus_client's process-wide registry, with
its process metrics (CPU, memory, open files). Two ways to read them, never open to the public:

- ``GET /metrics`` on the application, with ``Authorization: Bearer <DZINZA_METRICS_TOKEN>``
  (without a token configured, the route does not exist);
- a port of its own, ``DZINZA_METRICS_PORT`` (for ``dzinza worker`` too, which serves no HTTP),
  reached by Prometheus inside the cluster and by nothing outside it.

Counted where it happens: HTTP requests by route template (never by raw path, whose ids would
make a series per record), SQL statements, jobs, searches, GEDCOM records imported, sign-in
failures and lockouts, media store operations. Read when scraped (``PlatformCollector``): the
database pool, the cache's hits and misses, the queue's depth, the search index's lag, and the
age of the latest backup (re-read at most every 5 minutes: listing a bucket is not free).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from prometheus_client import REGISTRY, Counter, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

log = logging.getLogger("dzinza.telemetry")

LATENCY = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
SLOW = (0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 3600)

HTTP_REQUESTS = Counter(
    "dzinza_http_requests", "HTTP requests answered", ["method", "route", "status"]
)
HTTP_SECONDS = Histogram(
    "dzinza_http_request_duration_seconds",
    "Time to answer an HTTP request",
    ["method", "route"],
    buckets=LATENCY,
)
SQL_SECONDS = Histogram(
    "dzinza_db_query_duration_seconds", "Time of one SQL statement", buckets=LATENCY
)
SQL_ERRORS = Counter("dzinza_db_errors", "SQL statements that raised an error")
JOBS = Counter("dzinza_jobs", "Background jobs ended, by kind and outcome", ["kind", "outcome"])
JOB_SECONDS = Histogram(
    "dzinza_job_duration_seconds", "Time a background job ran", ["kind"], buckets=SLOW
)
SEARCH_SECONDS = Histogram(
    "dzinza_search_duration_seconds", "Time of a name search", buckets=LATENCY
)
IMPORTED = Counter("dzinza_import_records", "GEDCOM records imported")
IMPORT_SECONDS = Histogram(
    "dzinza_import_duration_seconds", "Time of a whole GEDCOM import", buckets=SLOW
)
SIGN_IN_FAILURES = Counter("dzinza_sign_in_failures", "Wrong passwords and codes")
LOCKOUTS = Counter("dzinza_sign_in_lockouts", "Accounts locked for a while after failures")
STORAGE = Counter("dzinza_storage_operations", "Media store operations", ["operation", "outcome"])
STORAGE_SECONDS = Histogram(
    "dzinza_storage_operation_duration_seconds",
    "Time of a media store operation",
    ["operation"],
    buckets=LATENCY,
)


# -- HTTP --------------------------------------------------------------------------------------
class MetricsMiddleware:
    """Counts and times every request by its route's template (``/api/v1/people/{person_id}``);
    a path no route matched is ``unmatched``."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = [500]

        async def send_status(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                status[0] = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            template = route_template(scope)
            method = scope.get("method", "GET")
            HTTP_REQUESTS.labels(method, template, str(status[0])).inc()
            HTTP_SECONDS.labels(method, template).observe(time.perf_counter() - started)


def route_template(scope: Mapping[str, Any]) -> str:
    """The matched route's path template with the prefix of its router (FastAPI gives the
    route as declared: ``/people/{person_id}`` for ``/api/v1/people/...``)."""
    template = getattr(scope.get("route"), "path", None)
    if not template:
        return "unmatched"
    path = scope.get("path", "")
    head = template.split("{", 1)[0]
    if path.startswith(head):
        return str(template)
    where = path.find(head)
    return path[:where] + template if where > 0 else str(template)


# -- SQL ---------------------------------------------------------------------------------------
def instrument_engine(engine: Any) -> None:
    """Times every statement of a SQLAlchemy engine."""
    from sqlalchemy import event  # here: telemetry itself needs no SQLAlchemy

    @event.listens_for(engine, "before_cursor_execute")
    def _before(conn: Any, *_args: Any) -> None:
        conn.info.setdefault("dzinza_started", []).append(time.perf_counter())

    @event.listens_for(engine, "after_cursor_execute")
    def _after(conn: Any, *_args: Any) -> None:
        started = conn.info.get("dzinza_started")
        if started:
            SQL_SECONDS.observe(time.perf_counter() - started.pop())

    @event.listens_for(engine, "handle_error")
    def _error(context: Any) -> None:
        SQL_ERRORS.inc()
        started = context.connection.info.get("dzinza_started") if context.connection else None
        if started:
            started.pop()


# -- what the services report --------------------------------------------------------------------
def job_ended(kind: str, outcome: str, seconds: float) -> None:
    JOBS.labels(kind, outcome).inc()
    JOB_SECONDS.labels(kind).observe(seconds)


def sign_in_failed(locked: bool) -> None:
    SIGN_IN_FAILURES.inc()
    if locked:
        LOCKOUTS.inc()


@contextmanager
def timed(histogram: Histogram) -> Iterator[None]:
    started = time.perf_counter()
    try:
        yield
    finally:
        histogram.observe(time.perf_counter() - started)


class InstrumentedBlobStore:
    """A media store whose reads, writes and deletes are counted and timed (everything else
    passes through unchanged)."""

    MEASURED = frozenset({"put", "open", "download", "head", "exists", "copy", "delete"})

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._inner, name)
        if name not in self.MEASURED or not callable(attribute):
            return attribute

        def measured(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                value = attribute(*args, **kwargs)
            except KeyError:
                STORAGE.labels(name, "missing").inc()
                raise
            except Exception:
                STORAGE.labels(name, "error").inc()
                raise
            finally:
                STORAGE_SECONDS.labels(name).observe(time.perf_counter() - started)
            STORAGE.labels(name, "ok").inc()
            return value

        return measured


# -- read when scraped -------------------------------------------------------------------------------
BACKUP_EVERY_S = 300.0


class PlatformCollector(Collector):
    """The gauges of the platform this process serves (the latest one ``watch`` was given)."""

    def __init__(self) -> None:
        self.platform: Any = None
        self.backup_age: Callable[[], float | None] | None = None
        self._backup: tuple[float, float | None] = (0.0, None)
        self._lock = threading.Lock()

    def collect(self) -> Iterator[Metric]:
        platform = self.platform
        if platform is None:
            return
        yield from self._pool(platform)
        yield from self._replication(platform)
        yield from self._cache(platform)
        yield from self._queue(platform)
        yield from self._index(platform)
        yield from self._backups()

    @staticmethod
    def _pool(platform: Any) -> Iterator[Metric]:
        pool = getattr(getattr(platform.store, "engine", None), "pool", None)
        if pool is None or not hasattr(pool, "checkedout"):
            return
        gauge = GaugeMetricFamily(
            "dzinza_db_pool_connections", "Database connections of the pool", labels=["state"]
        )
        gauge.add_metric(["in_use"], pool.checkedout())
        gauge.add_metric(["idle"], pool.checkedin())
        yield gauge

    @staticmethod
    def _replication(platform: Any) -> Iterator[Metric]:
        """How far the slowest PostgreSQL replica is behind (0 on SQLite, or with none)."""
        lag = 0.0
        engine = getattr(platform.store, "engine", None)
        if engine is not None and engine.dialect.name == "postgresql":
            from sqlalchemy import text

            try:
                with engine.connect() as conn:
                    found = conn.execute(
                        text(
                            "SELECT coalesce(max(extract(epoch FROM replay_lag)), 0) "
                            "FROM pg_stat_replication"
                        )
                    ).scalar()
                lag = float(found or 0.0)
            except Exception as exc:
                log.debug("replication lag unavailable: %s", exc)
        yield GaugeMetricFamily(
            "dzinza_db_replication_lag_seconds",
            "Replay lag of the slowest database replica",
            value=lag,
        )

    @staticmethod
    def _cache(platform: Any) -> Iterator[Metric]:
        cache = getattr(platform, "tree_cache", None)
        if cache is None:
            return
        stats = cache.stats.view()
        counter = CounterMetricFamily(
            "dzinza_cache_requests", "Lookups of the chart and statistics cache", labels=["result"]
        )
        counter.add_metric(["hit"], stats.get("hits", 0))
        counter.add_metric(["miss"], stats.get("misses", 0))
        yield counter

    @staticmethod
    def _queue(platform: Any) -> Iterator[Metric]:
        pending = getattr(platform.jobs.runner, "pending", None)
        try:
            if pending is not None:
                depth = pending()
            else:  # the in-process runner: the jobs table says what waits
                with platform.store.read() as tx:
                    depth = sum(1 for j in tx.unfinished_jobs() if j["status"] == "queued")
        except Exception as exc:
            log.debug("queue depth unavailable: %s", exc)
            return
        yield GaugeMetricFamily("dzinza_jobs_waiting", "Jobs waiting to run", value=depth)

    @staticmethod
    def _index(platform: Any) -> Iterator[Metric]:
        try:
            lag = platform.search.lag()
        except Exception as exc:
            log.debug("search lag unavailable: %s", exc)
            return
        yield GaugeMetricFamily(
            "dzinza_search_index_lag_seconds",
            "Age of the oldest change not yet in the search index",
            value=lag["oldest_seconds"],
        )
        yield GaugeMetricFamily(
            "dzinza_search_index_pending",
            "Changes waiting for the search index",
            value=lag["pending"],
        )
        yield GaugeMetricFamily(
            "dzinza_search_index_failing",
            "Changes that failed to index at least once",
            value=lag["failing"],
        )

    def _backups(self) -> Iterator[Metric]:
        if self.backup_age is None:
            return
        with self._lock:
            read_at, age = self._backup
            if time.monotonic() - read_at > BACKUP_EVERY_S or read_at == 0.0:
                try:
                    age = self.backup_age()
                except Exception as exc:
                    log.debug("backup age unavailable: %s", exc)
                    age = None
                self._backup = (time.monotonic(), age)
        # No backup at all is as bad as a very old one: +Inf, so that the alert fires.
        yield GaugeMetricFamily(
            "dzinza_backup_age_seconds",
            "Age of the latest finished backup (+Inf: none)",
            value=age if age is not None else float("inf"),
        )


COLLECTOR = PlatformCollector()
REGISTRY.register(COLLECTOR)


def watch(platform: Any, backup_age: Callable[[], float | None] | None = None) -> None:
    """Makes ``platform`` the one whose gauges this process reports."""
    COLLECTOR.platform = platform
    COLLECTOR.backup_age = backup_age
    COLLECTOR._backup = (0.0, None)
