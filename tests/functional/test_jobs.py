"""Background jobs over HTTP: progress while they run, the outcome, cancelling, who may see
them, and resuming after a restart. Handlers are registered by the tests and held at chosen
points by events, so that each state is seen without sleeping on a guess."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from dzinza import bootstrap
from dzinza.domain.errors import ValidationFailed
from dzinza.services.jobs import MAX_ATTEMPTS, UNEXPECTED, JobCancelled, JobContext
from dzinza.services.platform import Platform
from dzinza.settings import Settings
from tests.conftest import Api, add_member, make_user

WAIT = 10.0
"""Seconds any state has to come; far more than any needs."""


def user_id(platform: Platform, api: Api) -> uuid.UUID:
    found = platform.users.actor_for_token(api.headers["Authorization"][7:]).user_id
    assert found is not None
    return found


def poll(api: Api, job_id: str, until: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
    deadline = time.monotonic() + WAIT
    while True:
        job: dict[str, Any] = api.get(f"/jobs/{job_id}")
        if until(job):
            return job
        assert time.monotonic() < deadline, f"still waiting: {job}"
        time.sleep(0.01)


def stored(platform: Platform, job_id: str) -> dict[str, Any]:
    with platform.store.read() as tx:
        row = tx.get_job(uuid.UUID(job_id))
    assert row is not None
    return row


def counter(gate: threading.Event, stop_at: int) -> Callable[[JobContext, dict[str, Any]], Any]:
    """Counts to params['n'] with progress, waiting at ``stop_at`` until the gate opens."""

    def count(ctx: JobContext, params: dict[str, Any]) -> dict[str, Any]:
        n = int(params["n"])
        for i in range(1, n + 1):
            ctx.progress(i, n, f"record {i}")
            if i == stop_at:
                assert gate.wait(WAIT)
        return {"counted": n}

    return count


def forever(ready: threading.Event) -> Callable[[JobContext, dict[str, Any]], Any]:
    """Counts with progress, total unknown, until it is told to stop."""

    def run(ctx: JobContext, params: dict[str, Any]) -> dict[str, Any]:
        i = 0
        while True:
            i += 1
            ctx.progress(i, message="counting")
            ready.set()
            time.sleep(0.002)

    return run


def test_progress_is_seen_while_it_runs_then_the_result(
    platform: Platform, owner: Api, tree: dict[str, Any]
) -> None:
    gate = threading.Event()
    platform.jobs.register("test.count", counter(gate, 5))
    try:
        job = platform.jobs.submit(
            "test.count", {"n": 10}, user_id=user_id(platform, owner), tree_id=uuid.UUID(tree["id"])
        )
        assert job["status"] in ("queued", "running")
        assert job["kind"] == "test.count" and job["tree_id"] == tree["id"]

        half = poll(owner, job["id"], lambda j: j["done"] == 5)
        assert half["status"] == "running"
        assert (half["total"], half["percent"], half["message"]) == (10, 50.0, "record 5")
        assert half["rate"] > 0 and half["eta_seconds"] > 0
        assert half["started_at"] is not None and half["finished_at"] is None

        # The numbers reach the database too (their own short transactions), for other
        # connections and other processes.
        deadline = time.monotonic() + WAIT
        while stored(platform, job["id"])["done"] != 5:
            assert time.monotonic() < deadline
            time.sleep(0.01)
    finally:
        gate.set()

    done = poll(owner, job["id"], lambda j: j["status"] == "succeeded")
    assert done["result"] == {"counted": 10} and done["error"] is None
    assert (done["done"], done["percent"], done["eta_seconds"]) == (10, 100.0, 0.0)
    assert done["message"] == "record 10" and done["finished_at"] is not None
    assert stored(platform, job["id"])["done"] == 10  # the last numbers are always written
    assert platform.jobs.wait(uuid.UUID(job["id"]), WAIT) == done
    assert [j["id"] for j in owner.get("/jobs")["items"]] == [job["id"]]


def test_cancel_mid_run_rolls_the_work_back(
    platform: Platform, owner: Api, tree: dict[str, Any]
) -> None:
    ready = threading.Event()
    tree_id = uuid.UUID(tree["id"])

    def in_one_transaction(ctx: JobContext, params: dict[str, Any]) -> dict[str, Any]:
        # All or nothing, holding the write transaction (on SQLite: the write lock) throughout.
        with platform.store.write() as tx:
            tx.update("tree", tree_id, {"description": "half imported"})
            return forever(ready)(ctx, params)

    platform.jobs.register("test.forever", in_one_transaction)
    job = platform.jobs.submit(
        "test.forever", {}, user_id=user_id(platform, owner), tree_id=tree_id
    )
    assert ready.wait(WAIT)
    running = poll(owner, job["id"], lambda j: j["done"] > 0)
    assert running["status"] == "running" and running["message"] == "counting"
    assert running["total"] is None and running["percent"] is None
    assert running["eta_seconds"] is None

    asked = owner.post(f"/jobs/{job['id']}/cancel", None, expect=202)
    assert asked["id"] == job["id"] and asked["cancel_requested"] is True
    assert asked["status"] in ("running", "cancelled")

    ended = poll(owner, job["id"], lambda j: j["status"] == "cancelled")
    assert ended["result"] is None and ended["error"] is None
    assert ended["done"] > 0 and ended["finished_at"] is not None
    assert owner.get(f"/trees/{tree['id']}")["description"] == ""
    # Cancelling again changes nothing.
    assert owner.post(f"/jobs/{job['id']}/cancel", None, expect=202)["status"] == "cancelled"


def test_a_cancel_from_another_process_is_read_from_the_database(
    platform: Platform, owner: Api
) -> None:
    ready = threading.Event()
    platform.jobs.register("test.forever", forever(ready))
    job = platform.jobs.submit("test.forever", {}, user_id=user_id(platform, owner))
    assert ready.wait(WAIT)
    with platform.store.write() as tx:  # as another replica's API would
        tx.request_cancel(uuid.UUID(job["id"]), datetime.now(UTC))
    assert platform.jobs.wait(uuid.UUID(job["id"]), WAIT)["status"] == "cancelled"


def test_a_queued_job_is_cancelled_at_once(platform: Platform, owner: Api) -> None:
    gate = threading.Event()
    platform.jobs.register("test.count", counter(gate, 1))
    me = user_id(platform, owner)
    try:
        first = platform.jobs.submit("test.count", {"n": 2}, user_id=me)
        poll(owner, first["id"], lambda j: j["done"] == 1)
        second = platform.jobs.submit("test.count", {"n": 2}, user_id=me)  # one worker: waits
        cancelled = owner.post(f"/jobs/{second['id']}/cancel", None, expect=202)
        assert cancelled["status"] == "cancelled" and cancelled["started_at"] is None
    finally:
        gate.set()
    assert platform.jobs.wait(uuid.UUID(first["id"]), WAIT)["status"] == "succeeded"
    assert owner.get(f"/jobs/{second['id']}")["status"] == "cancelled"
    assert stored(platform, second["id"])["attempts"] == 0  # never started
    problem = owner.post(f"/jobs/{first['id']}/cancel", None, expect=409)
    assert "already succeeded" in problem["detail"]


def test_a_failing_handler_fails_the_job_with_a_problem_and_no_traceback(
    platform: Platform, owner: Api, caplog: pytest.LogCaptureFixture
) -> None:
    def crash(ctx: JobContext, params: dict[str, Any]) -> dict[str, Any]:
        ctx.progress(3, 10)
        raise RuntimeError("boom in /srv/secret/internals.py")

    def refuse(ctx: JobContext, params: dict[str, Any]) -> dict[str, Any]:
        raise ValidationFailed(
            "Line 3: 'FOO 1900' is not a date.", errors=[{"field": "line 3", "message": "date"}]
        )

    platform.jobs.register("test.crash", crash)
    platform.jobs.register("test.refuse", refuse)
    me = user_id(platform, owner)
    crashed = platform.jobs.submit("test.crash", {}, user_id=me)
    refused = platform.jobs.submit("test.refuse", {}, user_id=me)
    platform.jobs.wait(uuid.UUID(refused["id"]), WAIT)

    r = owner.client.get(f"/api/v1/jobs/{crashed['id']}", headers=owner.headers)
    job = r.json()
    assert job["status"] == "failed" and job["result"] is None
    # The trace of the job's run, to find its log lines (tracing is on by default).
    trace_id = job["error"].pop("trace_id")
    assert len(trace_id) == 32 and int(trace_id, 16)
    assert job["error"] == {"title": "Job failed", "status": 500, "detail": UNEXPECTED}
    assert (job["done"], job["total"], job["percent"]) == (3, 10, 30.0)
    assert "Traceback" not in r.text and "secret" not in r.text and "boom" not in r.text
    assert "boom in /srv/secret/internals.py" in caplog.text  # the log has it, for us

    job = owner.get(f"/jobs/{refused['id']}")
    assert job["status"] == "failed"
    assert job["error"].pop("trace_id") != trace_id
    assert job["error"] == {
        "title": "Invalid data",
        "status": 422,
        "detail": "Line 3: 'FOO 1900' is not a date.",
        "errors": [{"field": "line 3", "message": "date"}],
    }


def test_who_may_see_and_cancel_a_job(
    client: TestClient,
    platform: Platform,
    owner: Api,
    stranger: Api,
    anonymous: Api,
    tree: dict[str, Any],
) -> None:
    ready = threading.Event()
    platform.jobs.register("test.forever", forever(ready))
    viewer = Api(client, add_member(platform, tree["id"], "viewer@example.org", "viewer"))
    editor = Api(client, add_member(platform, tree["id"], "editor@example.org", "editor"))
    manager = Api(client, add_member(platform, tree["id"], "manager@example.org", "manager"))
    admin = Api(client, make_user(platform, "admin@example.org", admin=True))
    reader = Api(client, owner.post("/auth/tokens", {"name": "ro", "scopes": ["read"]})["token"])

    job = platform.jobs.submit(
        "test.forever", {}, user_id=user_id(platform, owner), tree_id=uuid.UUID(tree["id"])
    )
    path = f"/jobs/{job['id']}"
    assert ready.wait(WAIT)
    for api in (stranger, viewer, editor, anonymous):
        problem = api.get(path, expect=404)
        assert problem["detail"] == f"There is no job with id {job['id']}."
        api.post(f"{path}/cancel", None, expect=404)
    owner.get(f"/jobs/{uuid.uuid4()}", expect=404)
    for api in (owner, manager, admin, reader):
        assert api.get(path)["id"] == job["id"]
    # The list is one's own jobs.
    assert owner.get("/jobs")["items"][0]["id"] == job["id"]
    assert manager.get("/jobs")["items"] == []
    anonymous.get("/jobs", expect=401)
    # A read-only token reads but does not cancel; a manager of the tree cancels.
    reader.post(f"{path}/cancel", None, expect=403)
    assert manager.post(f"{path}/cancel", None, expect=202)["cancel_requested"] is True
    assert platform.jobs.wait(uuid.UUID(job["id"]), WAIT)["status"] == "cancelled"


def test_the_list_is_paged_newest_first(platform: Platform, owner: Api) -> None:
    platform.jobs.register("test.count", counter(threading.Event(), 0))
    me = user_id(platform, owner)
    made = [platform.jobs.submit("test.count", {"n": 1}, user_id=me)["id"] for _ in range(3)]
    for job_id in made:
        platform.jobs.wait(uuid.UUID(job_id), WAIT)
    assert [j["id"] for j in owner.walk("/jobs?limit=2")] == made[::-1]


def test_deleting_the_tree_deletes_its_jobs_and_stops_them(
    platform: Platform, owner: Api, tree: dict[str, Any]
) -> None:
    ready, stopped = threading.Event(), threading.Event()
    reasons: list[str] = []

    def run(ctx: JobContext, params: dict[str, Any]) -> dict[str, Any]:
        try:
            return forever(ready)(ctx, params)
        except JobCancelled as exc:
            reasons.append(exc.reason)
            stopped.set()
            raise

    platform.jobs.register("test.forever", run)
    job = platform.jobs.submit(
        "test.forever", {}, user_id=user_id(platform, owner), tree_id=uuid.UUID(tree["id"])
    )
    assert ready.wait(WAIT)
    owner.delete(f"/trees/{tree['id']}")
    owner.get(f"/jobs/{job['id']}", expect=404)
    assert stopped.wait(WAIT) and reasons == ["lost"]


def _restart(database_url: str, tmp_path: Path) -> Platform:
    """A new process on the same database, as the server starts it."""
    settings = Settings(
        database_url=database_url, data_dir=tmp_path, password_hashing="fast-for-tests-only"
    )
    return bootstrap.build(settings)


def _left_behind(
    platform: Platform, kind: str, user: uuid.UUID, *, attempts: int, cancel: bool = False
) -> uuid.UUID:
    """A job as a crashed process leaves it: running, on its ``attempts``-th run."""
    job_id = uuid.uuid4()
    now = datetime.now(UTC)
    with platform.store.write() as tx:
        tx.create_job(job_id, kind, {"n": 3}, user_id=user, tree_id=None, now=now)
        for attempt in range(1, attempts + 1):
            if attempt > 1:
                tx.requeue_job(job_id, attempt - 1, now)
            tx.claim_job(job_id, now)
        tx.update_job_progress(job_id, attempts, 1, 3, "half way", now)
        if cancel:
            tx.request_cancel(job_id, now)
    return job_id


def test_unfinished_jobs_are_resumed_when_the_next_process_starts(
    platform: Platform, owner: Api, database_url: str, tmp_path: Path
) -> None:
    me = user_id(platform, owner)
    crashed = _left_behind(platform, "test.count", me, attempts=1)
    asked_to_stop = _left_behind(platform, "test.count", me, attempts=1, cancel=True)
    poison = _left_behind(platform, "test.count", me, attempts=MAX_ATTEMPTS)
    unknown = _left_behind(platform, "test.gone", me, attempts=1)
    with platform.store.write() as tx:
        queued = uuid.uuid4()
        tx.create_job(
            queued, "test.count", {"n": 2}, user_id=me, tree_id=None, now=datetime.now(UTC)
        )

    later = _restart(database_url, tmp_path)
    try:
        later.jobs.register("test.count", counter(threading.Event(), 0))
        resumed = later.jobs.resume_unfinished()
        assert set(resumed) == {crashed, queued, unknown}
        for job_id in resumed:
            later.jobs.wait(job_id, WAIT)
    finally:
        later.close()

    again = owner.get(f"/jobs/{crashed}")
    assert again["status"] == "succeeded" and again["result"] == {"counted": 3}
    assert (again["done"], again["message"]) == (3, "record 3")
    assert stored(platform, str(crashed))["attempts"] == 2
    assert owner.get(f"/jobs/{queued}")["result"] == {"counted": 2}
    assert owner.get(f"/jobs/{asked_to_stop}")["status"] == "cancelled"
    given_up = owner.get(f"/jobs/{poison}")
    assert given_up["status"] == "failed"
    assert f"interrupted {MAX_ATTEMPTS} times" in given_up["error"]["detail"]
    strange = owner.get(f"/jobs/{unknown}")
    assert strange["status"] == "failed"
    assert "cannot run jobs of kind 'test.gone'" in strange["error"]["detail"]
    # The crashed process's attempt can no longer write anything.
    with platform.store.write() as tx:
        assert not tx.update_job_progress(crashed, 1, 0, 3, "stale", datetime.now(UTC))
        assert not tx.finish_job(crashed, 1, "failed", datetime.now(UTC))


def test_a_stopping_process_puts_its_running_job_back_in_the_queue(
    platform: Platform, owner: Api, database_url: str, tmp_path: Path
) -> None:
    ready = threading.Event()
    platform.jobs.register("test.forever", forever(ready))
    job = platform.jobs.submit("test.forever", {}, user_id=user_id(platform, owner))
    assert ready.wait(WAIT)
    platform.jobs.close(timeout=WAIT)
    row = stored(platform, job["id"])
    assert (row["status"], row["attempts"]) == ("queued", 1)

    later = _restart(database_url, tmp_path)
    try:
        later.jobs.register("test.forever", lambda ctx, params: {"finished": ctx.attempt})
        assert later.jobs.resume_unfinished() == [uuid.UUID(job["id"])]
        done = later.jobs.wait(uuid.UUID(job["id"]), WAIT)
    finally:
        later.close()
    assert done["status"] == "succeeded" and done["result"] == {"finished": 2}


def test_waiting_too_long_and_unknown_kinds(platform: Platform, owner: Api) -> None:
    gate = threading.Event()
    platform.jobs.register("test.count", counter(gate, 1))
    with pytest.raises(ValueError, match="already registered"):
        platform.jobs.register("test.count", counter(gate, 1))
    with pytest.raises(ValueError, match="no handler"):
        platform.jobs.submit("test.nothing", {}, user_id=None)
    job = platform.jobs.submit("test.count", {"n": 1}, user_id=user_id(platform, owner))
    try:
        with pytest.raises(TimeoutError):
            platform.jobs.wait(uuid.UUID(job["id"]), 0.05)
    finally:
        gate.set()
    assert platform.jobs.wait(uuid.UUID(job["id"]), WAIT)["status"] == "succeeded"
