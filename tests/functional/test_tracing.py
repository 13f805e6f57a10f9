"""Tracing, captured with OpenTelemetry's in-memory exporter: a span for each request (named by
its route template, never carrying the raw path or query), for its SQL statements, for Redis,
S3 and OpenSearch calls, and for background jobs, which continue the trace of the request that
started them; the trace id in the JSON log lines and in problem+json bodies; a caller's
``traceparent`` is continued."""

from __future__ import annotations

import io
import json
import logging
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from opentelemetry.sdk.trace import ReadableSpan, SpanProcessor
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from dzinza import bootstrap, logs, tracing
from dzinza.adapters.blobs_s3 import S3BlobStore
from dzinza.adapters.cache import cache_from_url
from dzinza.adapters.search_opensearch import OpenSearchIndex
from dzinza.services.jobs import JobContext
from dzinza.services.platform import Platform
from dzinza.settings import Settings
from tests.conftest import Api
from tests.contract.test_blob_store import (
    ACCESS_KEY,
    SECRET_KEY,
    empty_bucket,
    endpoint_of,
    raw_client,
)
from tests.contract.test_search_opensearch import with_index
from tests.functional.test_jobs import user_id

GEDCOM = b"0 HEAD\n1 GEDC\n2 VERS 5.5.1\n1 CHAR UTF-8\n0 @I1@ INDI\n1 NAME Rudo /Moyo/\n0 TRLR\n"


class _Capture(SpanProcessor):
    """The in-memory exporter, fed only while a test listens: tracing is process-wide, and the
    other tests of this worker must not fill its memory."""

    def __init__(self) -> None:
        self.exporter = InMemorySpanExporter()
        self.inner = SimpleSpanProcessor(self.exporter)
        self.listening = False

    def on_end(self, span: ReadableSpan) -> None:
        if self.listening:
            self.inner.on_end(span)


_CAPTURE = _Capture()
_ADDED = threading.Event()


class Spans:
    def __init__(self, exporter: InMemorySpanExporter) -> None:
        self.exporter = exporter

    def all(self) -> list[ReadableSpan]:
        return list(self.exporter.get_finished_spans())

    def named(self, name: str) -> list[ReadableSpan]:
        return [s for s in self.all() if s.name == name]

    def one(self, name: str) -> ReadableSpan:
        found = self.named(name)
        assert len(found) == 1, (name, sorted({s.name for s in self.all()}))
        return found[0]

    def of_system(self, system: str) -> list[ReadableSpan]:
        return [s for s in self.all() if (s.attributes or {}).get("db.system") == system]


def trace_hex(span: ReadableSpan) -> str:
    assert span.context is not None
    return format(span.context.trace_id, "032x")


@pytest.fixture
def spans() -> Iterator[Spans]:
    """The spans ended during the test. Tracing is on by default and set up once a process
    (a test asks for this fixture before the platform, whose database it traces)."""
    assert tracing.configure(Settings())
    if not _ADDED.is_set():
        tracing.add_processor(_CAPTURE)
        _ADDED.set()
    _CAPTURE.exporter.clear()
    _CAPTURE.listening = True
    yield Spans(_CAPTURE.exporter)
    _CAPTURE.listening = False
    _CAPTURE.exporter.clear()


@pytest.fixture
def log_lines() -> Iterator[io.StringIO]:
    """The JSON lines the platform writes meanwhile."""
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(logs.JsonFormatter())
    root = logging.getLogger()
    root.addHandler(handler)
    before = root.level
    root.setLevel(logging.INFO)
    yield out
    root.removeHandler(handler)
    root.setLevel(before)


def test_a_request_is_one_trace_with_its_sql_under_it(
    spans: Spans, client: TestClient, owner: Api, tree: dict[str, Any]
) -> None:
    spans.exporter.clear()
    owner.get(f"/trees/{tree['id']}")
    server = spans.one("GET /api/v1/trees/{tree_id}")
    assert server.kind == SpanKind.SERVER
    attributes = dict(server.attributes or {})
    assert attributes.get("http.status_code", attributes.get("http.response.status_code")) == 200
    sql = [s for s in spans.all() if s.kind == SpanKind.CLIENT and s.name != server.name]
    assert sql, "no SQL span"
    assert all(trace_hex(s) == trace_hex(server) for s in sql)
    assert all(s.parent is not None for s in sql)
    statements = [str((s.attributes or {}).get("db.statement", "")) for s in sql]
    assert any(st.startswith("SELECT") for st in statements), statements


def test_no_span_carries_the_raw_path_or_query(
    spans: Spans, client: TestClient, owner: Api, tree: dict[str, Any]
) -> None:
    secret = "invitation-token-" + uuid.uuid4().hex
    client.get(f"/invitations/{secret}")
    client.get(f"/api/v1/trees/{tree['id']}?token={secret}&signature={secret}")
    assert spans.all()
    for span in spans.all():
        assert secret not in span.name
        for value in (span.attributes or {}).values():
            assert secret not in str(value), (span.name, span.attributes)
        assert tree["id"] not in str(dict(span.attributes or {}).get("http.target", ""))


def test_the_trace_id_is_in_problem_bodies_and_log_lines(
    spans: Spans, client: TestClient, owner: Api, log_lines: io.StringIO
) -> None:
    missing = uuid.uuid4()
    body = owner.get(f"/trees/{missing}", expect=404)
    server = spans.one("GET /api/v1/trees/{tree_id}")
    assert body["trace_id"] == trace_hex(server)
    lines = [json.loads(line) for line in log_lines.getvalue().splitlines()]
    access = [line for line in lines if line["logger"] == "dzinza.access"]
    assert access, lines
    assert access[-1]["trace_id"] == trace_hex(server)
    assert len(access[-1]["span_id"]) == 16


def test_a_callers_traceparent_is_continued(spans: Spans, client: TestClient) -> None:
    caller_trace = uuid.uuid4().hex
    header = f"00-{caller_trace}-{uuid.uuid4().hex[:16]}-01"
    r = client.get(f"/api/v1/trees/{uuid.uuid4()}", headers={"traceparent": header})
    assert r.status_code == 404
    assert r.json()["trace_id"] == caller_trace
    assert trace_hex(spans.one("GET /api/v1/trees/{tree_id}")) == caller_trace


def test_probes_are_not_traced(spans: Spans, client: TestClient) -> None:
    assert client.get("/healthz").status_code == 200
    assert not spans.named("GET /healthz")


def test_a_job_continues_the_trace_of_the_request_that_started_it(
    spans: Spans, client: TestClient, owner: Api, tree: dict[str, Any], platform: Platform
) -> None:
    job = owner.call("POST", f"/trees/{tree['id']}/imports", 202, content=GEDCOM)
    done = platform.jobs.wait(uuid.UUID(job["id"]), timeout=30)
    assert done["status"] == "succeeded", done
    request = spans.one("POST /api/v1/trees/{tree_id}/imports")
    ran = spans.one(f"job {done['kind']}")
    assert ran.kind == SpanKind.CONSUMER
    assert trace_hex(ran) == trace_hex(request)
    assert ran.parent is not None and ran.parent.span_id == request.context.span_id
    assert (ran.attributes or {})["dzinza.job.id"] == job["id"]
    # The import's own SQL is under the job's span.
    under = [
        s for s in spans.all() if s.parent is not None and s.parent.span_id == ran.context.span_id
    ]
    assert under


def test_a_failed_job_marks_its_span_and_names_its_trace(
    spans: Spans, platform: Platform, owner: Api
) -> None:
    def crash(ctx: JobContext, params: dict[str, Any]) -> None:
        raise RuntimeError("boom")

    platform.jobs.register("test.crash", crash)
    with tracing.tracer.start_as_current_span("caller"):
        job = platform.jobs.submit("test.crash", {}, user_id=user_id(platform, owner))
    done = platform.jobs.wait(uuid.UUID(job["id"]), timeout=10)
    ran = spans.one("job test.crash")
    assert not ran.status.is_ok
    assert done["error"]["trace_id"] == trace_hex(ran) == trace_hex(spans.one("caller"))


def test_a_resumed_job_starts_a_trace_linked_to_the_first(
    spans: Spans, platform: Platform, owner: Api, database_url: str, tmp_path: Path
) -> None:
    me = user_id(platform, owner)
    first_trace = uuid.uuid4().hex
    parent = f"00-{first_trace}-{uuid.uuid4().hex[:16]}-01"
    job_id = uuid.uuid4()
    now = datetime.now(UTC)
    with platform.store.write() as tx:
        tx.create_job(
            job_id, "test.count", {}, user_id=me, tree_id=None, now=now, trace_parent=parent
        )
        tx.claim_job(job_id, now)  # the process that ran it died here
    later = bootstrap.build(
        Settings(
            database_url=database_url, data_dir=tmp_path, password_hashing="fast-for-tests-only"
        )
    )
    try:
        later.jobs.register("test.count", lambda ctx, params: {"attempt": ctx.attempt})
        later.jobs.resume_unfinished()
        assert later.jobs.wait(job_id, timeout=10)["status"] == "succeeded"
    finally:
        later.close()
    ran = spans.one("job test.count")
    assert trace_hex(ran) != first_trace
    assert [format(link.context.trace_id, "032x") for link in ran.links] == [first_trace]


@pytest.mark.redis
def test_redis_commands_are_spans_without_their_values(redis_url: str, spans: Spans) -> None:
    cache = cache_from_url(redis_url)
    secret = "session-" + uuid.uuid4().hex
    with tracing.tracer.start_as_current_span("caller"):
        cache.set("tracing-test", secret.encode(), ttl=60)
        assert cache.get("tracing-test") == secret.encode()
    redis_spans = spans.of_system("redis")
    assert len(redis_spans) >= 2
    assert all(trace_hex(s) == trace_hex(spans.one("caller")) for s in redis_spans)
    for span in redis_spans:
        assert secret not in json.dumps(dict(span.attributes or {}), default=str)


@pytest.mark.s3
def test_s3_calls_are_spans(s3_url: str, spans: Spans) -> None:
    endpoint = endpoint_of(s3_url)
    admin = raw_client(endpoint)
    bucket = f"dzinza-tracing-{uuid.uuid4().hex[:10]}"
    admin.create_bucket(Bucket=bucket)
    store = S3BlobStore.from_url(
        f"s3://{bucket}?endpoint={endpoint}", access_key=ACCESS_KEY, secret_key=SECRET_KEY
    )
    try:
        with tracing.tracer.start_as_current_span("caller"):
            store.put("probe", b"hello", content_type="text/plain")
            with store.open("probe") as f:
                assert f.read() == b"hello"
            store.delete("probe")
    finally:
        empty_bucket(admin, bucket)
        admin.delete_bucket(Bucket=bucket)
    names = {s.name for s in spans.all() if trace_hex(s) == trace_hex(spans.one("caller"))}
    assert {"S3.PutObject", "S3.GetObject", "S3.DeleteObject"} <= names, names


@pytest.mark.opensearch
def test_opensearch_requests_are_spans(opensearch_url: str, spans: Spans) -> None:
    index = OpenSearchIndex(with_index(opensearch_url, f"tracing-{uuid.uuid4().hex[:8]}"))
    try:
        with tracing.tracer.start_as_current_span("caller"):
            index.ping()
            index.person_ids(uuid.uuid4())
        found = spans.of_system("opensearch")
    finally:
        index.drop()
        index.close()
    assert {s.name for s in found} >= {"opensearch get", "opensearch _search"}, [
        s.name for s in found
    ]
    assert all(s.kind == SpanKind.CLIENT for s in found)
    assert all(trace_hex(s) == trace_hex(spans.one("caller")) for s in found)
