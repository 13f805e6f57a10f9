"""The queue ``JobRunner`` (Dramatiq on Redis) against a real Redis server.

The server comes from ``DZINZA_TEST_REDIS_URL`` (``make test`` sets it). Without it these tests
skip, except under ``CI=true``, where that is a failure. Each test has a queue of its own (a
uuid in its name) and removes that queue's keys at the end. Workers run in threads of the test
process (``work()`` on a thread, ``stop()`` from the test).
"""

from __future__ import annotations

import itertools
import socket
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from typing import cast

import dramatiq
import pytest
import redis

from dzinza.adapters.jobs_queue import (
    ACTOR_NAME,
    NAMESPACE,
    JobQueueUnavailable,
    QueueJobRunner,
)
from dzinza.ports import JobRunner
from tests.conftest import require_server

pytestmark = pytest.mark.redis

WAIT = 10.0
"""Seconds a test waits for something a worker should do in well under one."""

RunnerFactory = Callable[..., QueueJobRunner]


def as_port(runner: QueueJobRunner) -> JobRunner:
    """A QueueJobRunner is a JobRunner (checked by mypy, structurally)."""
    return runner


def nothing(job_id: uuid.UUID) -> None:
    """The executor of a producer: it never runs anything."""


def wait_for(condition: Callable[[], bool], timeout: float = WAIT) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for the job queue")
        time.sleep(0.02)


class Recorder:
    """An executor that notes every call (and the thread's worker label)."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, uuid.UUID]] = []
        self.lock = threading.Lock()

    def __call__(self, label: str) -> Callable[[uuid.UUID], None]:
        def execute(job_id: uuid.UUID) -> None:
            with self.lock:
                self.calls.append((label, job_id))

        return execute

    def ids(self) -> list[uuid.UUID]:
        with self.lock:
            return [job_id for _, job_id in self.calls]


@pytest.fixture(scope="module")
def redis_url() -> str:
    return require_server("DZINZA_TEST_REDIS_URL", "Redis")


@pytest.fixture(scope="module")
def raw(redis_url: str) -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(redis_url)
    yield client
    client.close()


@pytest.fixture
def queue(raw: redis.Redis) -> Iterator[str]:
    name = f"test-{uuid.uuid4().hex}"
    yield name
    keys = list(raw.scan_iter(match=f"{NAMESPACE}:*{name}*"))
    if keys:
        raw.delete(*keys)


@pytest.fixture
def make_runner(
    redis_url: str, queue: str, raw: redis.Redis
) -> Iterator[Callable[..., QueueJobRunner]]:
    """Runners on the test's queue; closed (workers stopped) at the end, heartbeats removed."""
    made: list[QueueJobRunner] = []

    def make(execute: Callable[[uuid.UUID], None] = nothing, **options: int) -> QueueJobRunner:
        runner = QueueJobRunner(execute, redis_url, queue=queue, **options)
        made.append(runner)
        return runner

    yield make
    for runner in made:
        runner.close(5.0)
    # The heartbeat set is shared by every broker on the server: take out only ours.
    raw.zrem(f"{NAMESPACE}:__heartbeats__", *(r._broker.broker_id for r in made))


@pytest.fixture
def working() -> Iterator[Callable[[QueueJobRunner, int], threading.Thread]]:
    """Runs ``runner.work()`` on a thread; stops what is still working at the end."""
    started: list[tuple[QueueJobRunner, threading.Thread]] = []

    def work(runner: QueueJobRunner, threads: int = 1) -> threading.Thread:
        thread = threading.Thread(target=runner.work, args=(threads,), daemon=True)
        thread.start()
        started.append((runner, thread))
        return thread

    yield work
    for runner, thread in started:
        runner.stop(5.0)
        thread.join(10.0)
        assert not thread.is_alive()


def messages_held(raw: redis.Redis, queue: str) -> int:
    """Messages Redis still holds for the queue: waiting, or fetched and not acknowledged."""
    return int(raw.hlen(f"{NAMESPACE}:{queue}.msgs"))


# -- producing ----------------------------------------------------------------------------------
def test_a_producer_enqueues_the_job_id_and_counts_what_waits(
    make_runner: RunnerFactory, raw: redis.Redis, queue: str
) -> None:
    producer = make_runner()
    as_port(producer)
    producer.ping()
    assert producer.pending() == 0
    ids = [uuid.uuid4() for _ in range(3)]
    for job_id in ids:
        producer.start(job_id)
    assert producer.pending() == 3
    assert producer.dead_letters() == []

    # The message carries the job id, as a string, and nothing else.
    stored = raw.hvals(f"{NAMESPACE}:{queue}.msgs")
    messages = [dramatiq.Message.decode(cast(bytes, data)) for data in stored]
    assert sorted(m.args for m in messages) == sorted((str(i),) for i in ids)
    assert {m.actor_name for m in messages} == {ACTOR_NAME}
    assert all(m.kwargs == {} and m.queue_name == queue for m in messages)


# -- working ------------------------------------------------------------------------------------
def test_a_worker_runs_each_job_once_through_execute(
    make_runner: RunnerFactory,
    working: Callable[[QueueJobRunner, int], threading.Thread],
    raw: redis.Redis,
    queue: str,
) -> None:
    record = Recorder()
    producer, worker = make_runner(), make_runner(record("w"))
    ids = [uuid.uuid4() for _ in range(5)]
    for job_id in ids:
        producer.start(job_id)
    thread = working(worker, 2)

    wait_for(lambda: len(record.ids()) == 5)
    worker.stop(5.0)
    thread.join(5.0)
    assert not thread.is_alive()
    assert sorted(record.ids()) == sorted(ids)
    assert all(isinstance(job_id, uuid.UUID) for job_id in record.ids())
    assert producer.pending() == 0
    assert messages_held(raw, queue) == 0  # all acknowledged


def test_two_workers_share_the_jobs_and_each_job_runs_once(
    make_runner: RunnerFactory,
    working: Callable[[QueueJobRunner, int], threading.Thread],
    raw: redis.Redis,
    queue: str,
) -> None:
    calls: list[tuple[str, uuid.UUID]] = []
    lock = threading.Lock()
    # The first two calls wait for each other: they can only both arrive if the two workers
    # took one job each (a worker fetches no more jobs than it has threads).
    both = threading.Barrier(2, timeout=WAIT)

    def execute(label: str) -> Callable[[uuid.UUID], None]:
        def run(job_id: uuid.UUID) -> None:
            with lock:
                calls.append((label, job_id))
                first = len(calls) <= 2
            if first:
                both.wait()
            time.sleep(0.01)

        return run

    producer = make_runner()
    a, b = make_runner(execute("a")), make_runner(execute("b"))
    ids = [uuid.uuid4() for _ in range(12)]
    for job_id in ids:
        producer.start(job_id)
    working(a, 1)
    working(b, 1)

    wait_for(lambda: len(calls) == len(ids) and messages_held(raw, queue) == 0)
    assert Counter(job_id for _, job_id in calls) == Counter(ids)
    assert {label for label, _ in calls} == {"a", "b"}
    assert producer.pending() == 0


def test_a_failing_execute_is_retried_with_back_off_then_dead_lettered(
    make_runner: RunnerFactory,
    working: Callable[[QueueJobRunner, int], threading.Thread],
    raw: redis.Redis,
    queue: str,
) -> None:
    times: list[float] = []

    def failing(job_id: uuid.UUID) -> None:
        times.append(time.monotonic())
        raise RuntimeError("the database is away")

    options = {"max_retries": 2, "min_backoff_ms": 200, "max_backoff_ms": 400}
    producer = make_runner(**options)
    worker = make_runner(failing, **options)
    job_id = uuid.uuid4()
    producer.start(job_id)
    working(worker, 1)

    wait_for(lambda: producer.dead_letters() == [job_id])
    assert len(times) == 3  # the first run and two retries, no more
    gaps = [later - earlier for earlier, later in itertools.pairwise(times)]
    assert all(gap >= 0.19 for gap in gaps), gaps  # at least min_backoff between runs
    assert producer.pending() == 0
    assert messages_held(raw, queue) == 0
    assert producer.dead_letters(limit=0) == []

    # The next job is not held up by the dead one.
    other = uuid.uuid4()
    producer.start(other)
    wait_for(lambda: len(times) == 4)
    wait_for(lambda: set(producer.dead_letters()) == {job_id, other}, timeout=WAIT)


def test_stop_lets_a_running_job_finish(
    make_runner: RunnerFactory,
    working: Callable[[QueueJobRunner, int], threading.Thread],
    raw: redis.Redis,
    queue: str,
) -> None:
    entered, finished = threading.Event(), threading.Event()

    def slow(job_id: uuid.UUID) -> None:
        entered.set()
        time.sleep(1.0)
        finished.set()

    producer, worker = make_runner(), make_runner(slow)
    producer.start(uuid.uuid4())
    thread = working(worker, 1)
    assert entered.wait(WAIT)

    began = time.monotonic()
    worker.stop(10.0)
    took = time.monotonic() - began
    assert finished.is_set()  # stop() returned after the job, not before
    assert took < 5.0
    thread.join(2.0)
    assert not thread.is_alive()
    assert messages_held(raw, queue) == 0  # the finished job's message was acknowledged


def test_a_job_outliving_the_stop_timeout_keeps_its_message(
    make_runner: RunnerFactory,
    working: Callable[[QueueJobRunner, int], threading.Thread],
    raw: redis.Redis,
    queue: str,
) -> None:
    entered, release = threading.Event(), threading.Event()

    def stuck(job_id: uuid.UUID) -> None:
        entered.set()
        release.wait(WAIT)

    producer, worker = make_runner(), make_runner(stuck)
    producer.start(uuid.uuid4())
    producer.start(uuid.uuid4())
    thread = working(worker, 1)
    assert entered.wait(WAIT)

    began = time.monotonic()
    worker.stop(0.3)
    assert time.monotonic() - began < 3.0
    thread.join(2.0)
    assert not thread.is_alive()
    # The running job's message is not acknowledged (requeued once this worker's heartbeat
    # is stale); the one waiting never left the queue.
    assert messages_held(raw, queue) == 2
    assert producer.pending() == 1
    # When the job ends after all, its thread still acknowledges it.
    release.set()
    wait_for(lambda: messages_held(raw, queue) == 1)
    assert producer.pending() == 1


def test_a_duplicate_delivery_is_the_executors_business(
    make_runner: RunnerFactory,
    working: Callable[[QueueJobRunner, int], threading.Thread],
    raw: redis.Redis,
    queue: str,
) -> None:
    calls: list[uuid.UUID] = []
    ran: list[uuid.UUID] = []
    claimed: set[uuid.UUID] = set()
    lock = threading.Lock()

    def execute(job_id: uuid.UUID) -> None:
        # What JobService.execute does: claim the job first, skip it when it is not there to run.
        with lock:
            calls.append(job_id)
            if job_id in claimed:
                return
            claimed.add(job_id)
            ran.append(job_id)

    producer, worker = make_runner(), make_runner(execute)
    job_id, other = uuid.uuid4(), uuid.uuid4()
    producer.start(job_id)
    producer.start(job_id)  # e.g. resume_unfinished re-sending a job that was still queued
    producer.start(other)
    working(worker, 1)

    wait_for(lambda: len(calls) == 3 and messages_held(raw, queue) == 0)
    assert Counter(calls) == Counter({job_id: 2, other: 1})
    assert sorted(ran) == sorted([job_id, other])
    assert producer.dead_letters() == []
    assert producer.pending() == 0


# -- lifecycle ----------------------------------------------------------------------------------
def test_stop_before_work_and_close(make_runner: RunnerFactory) -> None:
    runner = make_runner()
    runner.stop(1.0)
    began = time.monotonic()
    runner.work()  # returns at once: stop() came first
    assert time.monotonic() - began < 1.0
    runner.close(1.0)
    with pytest.raises(JobQueueUnavailable, match="closed"):
        runner.start(uuid.uuid4())


def test_a_closed_port_is_unavailable_quickly() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    # Nothing listens there now: connections are refused.
    runner = QueueJobRunner(nothing, f"redis://127.0.0.1:{port}/0", queue="dzinza-absent")
    try:
        for call in (
            lambda: runner.start(uuid.uuid4()),
            runner.pending,
            runner.dead_letters,
            runner.ping,
        ):
            began = time.monotonic()
            with pytest.raises(JobQueueUnavailable, match="cannot be reached"):
                call()
            assert time.monotonic() - began < 2.0
    finally:
        runner.close(1.0)
