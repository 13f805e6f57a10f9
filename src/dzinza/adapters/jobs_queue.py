"""The ``JobRunner`` at scale: job ids on a Redis queue through Dramatiq, run by worker processes.

API replicas build a ``QueueJobRunner`` and only enqueue (``start``); ``dzinza worker`` processes
build one too and call ``work()``, which runs a Dramatiq ``Worker`` in the process until
``stop()``. A message carries nothing but the job id (a string): the job itself, its status,
progress and result live in the database, and the executor (``JobService.execute``) claims the
job there before running it. So a message delivered twice, or one for a job cancelled or
finished meanwhile, is harmless: the claim fails and the executor returns.

URL: ``redis://[[USER]:PASSWORD@]HOST[:PORT][/DB][?OPTIONS]`` (``rediss://`` for TLS), OPTIONS
being redis-py's own (they win over the defaults below). Each runner has its own
``RedisBroker`` (never Dramatiq's global one) and declares its one actor, ``dzinza_run_job``, on
its queue (``dzinza-jobs`` unless told otherwise). Nothing connects before the first call, so an
API replica starts while Redis is away; every Redis error of ``start``, ``pending``,
``dead_letters`` and ``ping`` becomes ``JobQueueUnavailable`` (the API answers 503).

Failures. When ``execute`` raises, Dramatiq's ``Retries`` runs the message again after an
exponential back-off (``min_backoff_ms`` doubling up to ``max_backoff_ms``, with jitter), and
after ``max_retries`` retries moves it to its dead-letter queue (``dramatiq:<queue>.XQ``, kept
seven days), which ``dead_letters`` reads. ``execute`` files most failures in the database
itself and returns, so this is for what escapes it (a bug, a lost database).

Stopping. ``stop(timeout)`` stops taking messages and lets the running jobs finish for up to
``timeout`` seconds; messages fetched but not started go back to the queue at once. A job still
running at the deadline keeps its message unacknowledged in Redis (see the next paragraph for
what becomes of it).

Killed workers (``kill -9``, a lost machine). Each broker notes a heartbeat in
``dramatiq:__heartbeats__`` (with every Redis command, and every ``HEARTBEAT_INTERVAL`` from our
own thread while long jobs keep the worker from polling). Once a worker has been silent for
``HEARTBEAT_TIMEOUT_MS``, the queue maintenance of any live worker (it runs on a random 0.1% of
broker commands, so some minutes later with idle workers) puts that worker's unacknowledged
messages back on the queue and another worker receives them. The executor then finds the job
still marked running in the database (nobody finished it) and skips it: the job is run again
only by ``JobService.resume_unfinished`` when a job process starts, as with the in-process runner.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from typing import Any, cast

import dramatiq
import redis
from dramatiq.brokers.redis import RedisBroker
from dramatiq.common import current_millis, dq_name, xq_name
from dramatiq.errors import BrokerConnectionError, DecodeError
from dramatiq.middleware import (
    AgeLimit,
    Callbacks,
    Middleware,
    Retries,
    ShutdownNotifications,
    TimeLimit,
)
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from redis.retry import Retry

from dzinza.adapters.cache_redis import public_url
from dzinza.domain.errors import Unavailable
from dzinza.ports import JobExecutor, JobRunner

log = logging.getLogger("dzinza.jobs")

ACTOR_NAME = "dzinza_run_job"
DEFAULT_QUEUE = "dzinza-jobs"
NAMESPACE = "dramatiq"
"""Dramatiq's default key prefix: ``dramatiq:<queue>`` and friends."""

DEFAULT_OPTIONS: dict[str, Any] = {
    # A missing Redis must cost an API request little: connecting gives up after 1 s.
    "socket_connect_timeout": 1.0,
    # Replies get longer. A worker's FETCH whose reply is lost to a timeout leaves the fetched
    # messages acknowledged to nobody until this (live) worker dies, so a Redis that is merely
    # slow for a moment must not look like a dead one.
    "socket_timeout": 5.0,
    # A pooled connection idle for longer is PINGed before use (one a NAT dropped is replaced).
    "health_check_interval": 30,
}
HEARTBEAT_TIMEOUT_MS = 60_000
"""A worker silent for this long is taken for dead and its unacknowledged messages requeued."""
HEARTBEAT_INTERVAL = 15.0
"""Seconds between two heartbeats of our own while ``work()`` runs (a quarter of the timeout)."""
STOP_POLL = 0.1
"""How often ``work()`` looks whether ``stop()`` was called."""
STOP_GRACE = 5.0
"""Beyond the stop timeout: the consumers' last poll and the requeueing of fetched messages."""
_MAX_MESSAGE = 200

# What "Redis cannot be reached" looks like: redis-py's errors (socket errors are wrapped in
# them, a TLS or file error may get past, hence OSError), and Dramatiq's connection errors.
_UNAVAILABLE = (RedisError, BrokerConnectionError, OSError)


class JobQueueUnavailable(Unavailable):
    """The job queue (Redis) cannot be reached; the API answers 503."""


def _retry() -> Retry:
    # One immediate retry, on ConnectionError only: enough to replace a pooled socket the server
    # closed (a restart). Not timeouts: a second wait would double the cost of a gone server, and
    # a retried script whose first run reached the server would enqueue or fetch twice.
    return Retry(NoBackoff(), 1, supported_errors=(RedisConnectionError,))


def _short(error: BaseException) -> str:
    text = f"{type(error).__name__}: {error}".replace("\n", " ")
    return text if len(text) <= _MAX_MESSAGE else text[: _MAX_MESSAGE - 3] + "..."


def _middleware() -> list[Middleware]:
    # Dramatiq's defaults minus Pipelines (we never pipe). Prometheus is left out (it would
    # start an HTTP server and write its metrics to files), and so is anything else that does.
    # ShutdownNotifications keeps its default (notify_shutdown=False): a stopping worker does not
    # interrupt the jobs it runs, it waits for them.
    return [
        AgeLimit(),
        TimeLimit(),
        ShutdownNotifications(),
        Callbacks(),
        Retries(),
    ]


class QueueJobRunner:
    """A ``JobRunner`` that enqueues job ids on Redis (``start``) and, in a worker process, runs
    them (``work``). See the module docstring."""

    def __init__(
        self,
        execute: JobExecutor,
        redis_url: str,
        *,
        queue: str = DEFAULT_QUEUE,
        max_retries: int = 5,
        min_backoff_ms: int = 1_000,
        max_backoff_ms: int = 300_000,
        time_limit_ms: int = 6 * 3600 * 1000,
    ) -> None:
        self._execute = execute
        self._queue = queue
        self.url = public_url(redis_url)
        # Our own client rather than RedisBroker(url=...): that one builds its pool from the URL
        # alone, with redis-py's defaults (no timeouts, ten retries with back-off).
        self._client = redis.Redis.from_url(redis_url, retry=_retry(), **DEFAULT_OPTIONS)
        self._broker = RedisBroker(  # type: ignore[no-untyped-call]
            client=self._client,
            namespace=NAMESPACE,
            middleware=_middleware(),
            heartbeat_timeout=HEARTBEAT_TIMEOUT_MS,
        )
        # Declared on our broker only (raises ValueError for a queue name Dramatiq refuses).
        self._actor = dramatiq.actor(
            actor_name=ACTOR_NAME,
            queue_name=queue,
            broker=self._broker,
            max_retries=max_retries,
            min_backoff=min_backoff_ms,
            max_backoff=max_backoff_ms,
            time_limit=time_limit_ms,
        )(self._run)
        self._lock = threading.Lock()
        # Set from stop() and close() without a lock: they may run in a signal handler, on the
        # very thread that sits in work() (possibly holding a lock there).
        self._stop_requested = False
        self._stop_timeout = 30.0
        self._closed = False
        self._work_thread: int | None = None
        self._stopped = threading.Event()
        self._stopped.set()  # nothing runs yet
        self._booted = False

    # -- the producer side (API replicas) -------------------------------------------------------
    def start(self, job_id: uuid.UUID) -> None:
        if self._closed:
            raise JobQueueUnavailable("the job queue is closed (the server is stopping)")
        try:
            self._actor.send(str(job_id))
        except _UNAVAILABLE as e:
            log.warning("could not enqueue job %s on %s: %s", job_id, self.url, _short(e))
            raise JobQueueUnavailable(f"the job queue cannot be reached: {_short(e)}") from e

    def pending(self) -> int:
        """Messages waiting in the queue: not yet fetched by a worker, plus retries waiting for
        their delay that no worker holds yet. Running jobs are not counted."""
        try:
            pipe = self._client.pipeline(transaction=False)
            pipe.llen(self._key(self._queue))
            pipe.llen(self._key(dq_name(self._queue)))
            counts: list[int] = pipe.execute()
        except _UNAVAILABLE as e:
            raise JobQueueUnavailable(f"the job queue cannot be reached: {_short(e)}") from e
        return sum(counts)

    def dead_letters(self, limit: int = 100) -> list[uuid.UUID]:
        """The ids of the jobs whose message Dramatiq gave up on (retries exhausted), the most
        recent first; kept seven days. A message that does not hold a job id is left out."""
        if limit <= 0:
            return []
        xq = self._key(xq_name(self._queue))
        try:
            ids = cast("list[bytes]", self._client.zrevrange(xq, 0, limit - 1))
            datas = cast("list[bytes | None]", self._client.hmget(f"{xq}.msgs", ids) if ids else [])
        except _UNAVAILABLE as e:
            raise JobQueueUnavailable(f"the job queue cannot be reached: {_short(e)}") from e
        found: list[uuid.UUID] = []
        for data in datas:
            if data is None:
                continue  # expired between the two reads
            try:
                found.append(uuid.UUID(str(dramatiq.Message.decode(data).args[0])))
            except (DecodeError, IndexError, ValueError):
                log.warning("a dead letter of queue %s holds no job id", self._queue)
        return found

    def ping(self) -> None:
        try:
            self._client.ping()
        except _UNAVAILABLE as e:
            raise JobQueueUnavailable(f"the job queue cannot be reached: {_short(e)}") from e

    def _key(self, name: str) -> str:
        return f"{NAMESPACE}:{name}"

    # -- the worker side (``dzinza worker``) ----------------------------------------------------
    def _run(self, job_id: str) -> None:
        """The actor: one message, one call of the executor (on a Dramatiq worker thread)."""
        try:
            parsed = uuid.UUID(job_id) if isinstance(job_id, str) else None
        except ValueError:
            parsed = None
        if parsed is None:
            # Retrying cannot fix it: drop the message (acknowledged) rather than retry it.
            log.error("a message on job queue %s holds no job id: %r", self._queue, job_id)
            return
        # Whatever escapes (an exception) goes to Dramatiq: retried, then dead-lettered.
        self._execute(parsed)

    def work(self, threads: int = 1) -> None:
        """Runs jobs from the queue on ``threads`` threads of this process until ``stop()`` (or
        ``close()``, or KeyboardInterrupt) and returns once they have stopped. Returns at once
        if ``stop()`` or ``close()`` came first."""
        with self._lock:
            if self._work_thread is not None:
                raise RuntimeError("this job runner is already working")
            self._work_thread = threading.get_ident()
            self._stopped.clear()
            if self._stop_requested or self._closed:
                self._work_thread = None
                self._stopped.set()
                return
        n = max(1, threads)
        worker: dramatiq.Worker | None = None
        beating = threading.Event()
        heart: threading.Thread | None = None
        try:
            if not self._booted:
                # What the dramatiq CLI emits once per process: TimeLimit starts its watcher
                # thread here (without it time limits are never enforced).
                self._broker.emit_after("process_boot")
                self._booted = True
            worker = dramatiq.Worker(self._broker, queues={self._queue}, worker_threads=n)
            # Fetch no more messages than there are threads (Dramatiq takes twice as many):
            # a job waiting in a busy worker's memory, behind a long import, is a job another
            # worker could have run.
            worker.queue_prefetch = n
            worker.start()
            heart = threading.Thread(
                target=self._beat, args=(beating,), name="dzinza-queue-heartbeat", daemon=True
            )
            heart.start()
            log.info("working on job queue %s of %s with %d thread(s)", self._queue, self.url, n)
            while not self._stop_requested:
                time.sleep(STOP_POLL)
        finally:
            try:
                if worker is not None:
                    log.info("stopping: waiting up to %.0f s for running jobs", self._stop_timeout)
                    # Stops the threads once their job is done (up to the timeout), then the
                    # consumers, and puts fetched messages no thread started back on the queue.
                    worker.stop(timeout=int(self._stop_timeout * 1000))
            finally:
                # Heartbeats end after the worker: the message of a job that outlived the
                # timeout stays unacknowledged, and is requeued once we have been silent long
                # enough (see the module docstring).
                beating.set()
                if heart is not None:
                    heart.join(1.0)
                with self._lock:
                    self._work_thread = None
                if self._closed:
                    self._disconnect()
                self._stopped.set()

    def _beat(self, done: threading.Event) -> None:
        # Dramatiq notes a heartbeat with each command its consumers send, but a worker whose
        # threads are all busy sends none: without these, a worker an hour into an import would
        # pass for dead and its message be handed to another (harmless, but noisy).
        key = self._key("__heartbeats__")
        while not done.wait(HEARTBEAT_INTERVAL):
            try:
                self._client.zadd(key, {self._broker.broker_id: current_millis()})
            except _UNAVAILABLE as e:
                log.warning("job queue heartbeat failed: %s", _short(e))

    def stop(self, timeout: float = 30.0) -> None:
        """Stops taking messages and lets running jobs finish for up to ``timeout`` seconds.
        From another thread, returns once the worker has stopped; from a signal handler on the
        thread in ``work()``, returns at once and ``work()`` does the stopping."""
        self._stop_timeout = max(0.0, timeout)
        self._stop_requested = True
        here = self._work_thread
        if here is None or here == threading.get_ident():
            return
        if not self._stopped.wait(self._stop_timeout + STOP_GRACE):
            log.warning("the job queue worker did not stop within %.0f s", timeout)

    def close(self, timeout: float = 30.0) -> None:
        """Stops the worker if one runs here (as ``stop``), then closes the Redis connections.
        ``start`` refuses jobs from then on."""
        self._closed = True
        self.stop(timeout)
        if self._work_thread is None:
            self._disconnect()
        # else work() is running on this thread (a signal handler): it disconnects when done.

    def _disconnect(self) -> None:
        try:
            self._broker.close()
            self._client.close()
        except _UNAVAILABLE as e:
            log.debug("closing the job queue connections: %s", _short(e))


_check: type[JobRunner] = QueueJobRunner
