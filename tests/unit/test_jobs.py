"""What a job shows (percent, rate, ETA) and how a handler's context behaves, without a store."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from dzinza.services.jobs import CANCEL, SHUTDOWN, JobCancelled, JobContext, job_view

START = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def job(**values: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "id": uuid.UUID(int=1),
        "kind": "test",
        "status": "running",
        "user_id": uuid.UUID(int=2),
        "tree_id": None,
        "params": {"n": 1},
        "done": 0,
        "total": None,
        "message": "",
        "result": None,
        "error": None,
        "cancel_requested": False,
        "attempts": 1,
        "created_at": START,
        "started_at": START,
        "finished_at": None,
    }
    return row | values


def test_percent_rate_and_eta_of_a_running_job() -> None:
    view = job_view(job(done=250, total=1000), START + timedelta(seconds=10))
    assert (view["percent"], view["rate"], view["eta_seconds"]) == (25.0, 25.0, 30.0)


def test_unknown_total_means_no_percent_and_no_eta() -> None:
    view = job_view(job(done=250), START + timedelta(seconds=10))
    assert (view["percent"], view["rate"], view["eta_seconds"]) == (None, 25.0, None)


def test_nothing_done_yet_and_not_started_yet() -> None:
    view = job_view(job(total=10), START + timedelta(seconds=1))
    assert (view["percent"], view["rate"], view["eta_seconds"]) == (0.0, 0.0, None)
    queued = job_view(job(status="queued", started_at=None, total=10), START)
    assert (queued["rate"], queued["eta_seconds"], queued["started_at"]) == (None, None, None)


def test_a_finished_job_is_measured_to_its_end() -> None:
    end = START + timedelta(seconds=4)
    row = job(status="succeeded", done=100, total=100, finished_at=end)
    view = job_view(row, START + timedelta(hours=1))
    assert (view["percent"], view["rate"], view["eta_seconds"]) == (100.0, 25.0, 0.0)
    assert job_view(job(total=0), START)["percent"] == 100.0


def test_live_numbers_win_and_naive_times_are_utc() -> None:
    naive = START.replace(tzinfo=None)
    row = job(done=1, total=10, started_at=naive, created_at=naive)
    view = job_view(row, START + timedelta(seconds=2), live=(8, 10, "live"))
    assert (view["done"], view["percent"], view["message"]) == (8, 80.0, "live")
    assert view["started_at"] == "2026-12-01T09:00:00+00:00"


def test_progress_keeps_the_total_and_message_until_told_otherwise() -> None:
    ctx = JobContext(job())
    assert ctx.take_changes() is None
    ctx.progress(0, 50, "reading people")
    ctx.progress(10)
    assert ctx.take_changes() == (10, 50, "reading people")
    assert ctx.take_changes() is None  # written: nothing new
    ctx.progress(11, message="linking families")
    assert ctx.latest() == (11, 50, "linking families")


def test_a_stopped_context_raises_with_the_first_reason() -> None:
    ctx = JobContext(job())
    ctx.check()
    ctx.stop(CANCEL)
    ctx.stop(SHUTDOWN)
    with pytest.raises(JobCancelled) as raised:
        ctx.progress(1)
    assert raised.value.reason == CANCEL
    assert ctx.latest()[0] == 1  # the number is kept, for the last write
