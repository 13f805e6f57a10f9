"""Background jobs (GEDCOM import and export): submitted here, run by a ``JobRunner``, watched
over the API while they run.

A job is a row of the store (``jobs``): queued, then running, then succeeded, failed or
cancelled. Services register a handler per kind of job, ``handler(ctx, params) -> result``; the
runner (threads of this process in the embedded default, worker processes later) calls
``JobService.execute(job_id)``, which claims the job, runs the handler and files how it ended.

Progress. ``ctx.progress(done, total, message)`` only notes the numbers in memory: a reporter
thread beside the handler writes them to the store at most four times a second, each in its own
short transaction, so other connections see them while the handler's own transaction is still
open (on SQLite a handler holding the write lock delays those writes until it commits; readers
in this process see the live numbers meanwhile). The last numbers are written with the outcome.

Cancelling. ``cancel`` sets a flag on the job (and, when the job runs in this process, tells it
at once); the reporter reads the flag at most once a second for a job run elsewhere. The next
``ctx.progress`` (or ``ctx.check``) raises ``JobCancelled``; the handler lets it propagate, which
rolls back the transaction it is in, and the job ends as cancelled.

Restarts. Handlers must be idempotent or all-or-nothing: a job the process lost (a crash, a
stop) is run again from the start by ``resume_unfinished`` when the next process starts; each run
is a new attempt, and the writes of a stale attempt change nothing. A job that was interrupted
``MAX_ATTEMPTS`` times is given up as failed rather than taking every start-up down with it.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from dzinza import telemetry, tracing
from dzinza.domain.errors import N_, AuthenticationRequired, Conflict, DzinzaError, NotFound, said
from dzinza.ports import Clock, JobExecutor, JobRunner, Row, StoreSession, TreeStore
from dzinza.services.access import Need, standing
from dzinza.services.common import Actor, Page, jsonable, make_page, page_limit, sort_spec

log = logging.getLogger("dzinza.jobs")

QUEUED, RUNNING = "queued", "running"
SUCCEEDED, FAILED, CANCELLED = "succeeded", "failed", "cancelled"
FINISHED = frozenset({SUCCEEDED, FAILED, CANCELLED})

PROGRESS_INTERVAL = 0.25
"""Seconds between two progress writes of one job (at most ~4 a second)."""
CANCEL_CHECK_INTERVAL = 1.0
"""Seconds between two reads of a running job's cancel flag."""
WAIT_POLL = 0.5
"""How often ``wait`` looks at a job finishing in another process."""
MAX_ATTEMPTS = 3
"""Runs a job may start before a restart gives it up."""
HEARTBEAT = 15.0
"""Seconds between two signs of life of a running job (its progress written again)."""
STALE_AFTER = 90.0
"""A running job not heard of for this long lost its runner (a worker killed): a redelivery of
its message may take it over."""

JOB_SORTS = {"created": ("created_at", "id")}
NEWEST_FIRST = "-created"

# Why a job must stop (JobCancelled.reason).
CANCEL = "cancel"
"""Someone asked for it: the job ends cancelled."""
SHUTDOWN = "shutdown"
"""This process is stopping: the job goes back to the queue for the next one."""
LOST = "lost"
"""The job is no longer this run's (deleted with its tree, or taken over after a restart)."""

UNEXPECTED = "The job stopped on an unexpected error on our side; it has been logged."
TIMED_OUT = "The job ran past the time a job may take, and was stopped."


class JobCancelled(Exception):
    """Raised by ``JobContext.progress`` and ``check`` when the job must stop. Handlers let it
    propagate (rolling back the transaction they are in); they may clean up on the way."""

    def __init__(self, reason: str = CANCEL) -> None:
        super().__init__(f"the job must stop ({reason})")
        self.reason = reason


class JobContext:
    """What a handler gets besides its parameters: the job's identity and the way to report
    progress (and to hear that it must stop)."""

    def __init__(self, job: Row) -> None:
        self.job_id: uuid.UUID = job["id"]
        self.kind: str = job["kind"]
        self.params: dict[str, Any] = dict(job["params"] or {})
        self.user_id: uuid.UUID | None = job["user_id"]
        """Who started the job (None: the system); the handler checks their rights itself."""
        self.tree_id: uuid.UUID | None = job["tree_id"]
        self.attempt: int = job["attempts"]
        self.trace_parent: str | None = job.get("trace_parent")
        self._lock = threading.Lock()
        self._done = 0
        self._total: int | None = None
        self._message = ""
        self._dirty = False
        self._reason: str | None = None
        self._ended = threading.Event()

    def progress(self, done: int, total: int | None = None, message: str = "") -> None:
        """Records that ``done`` records of ``total`` are done. ``total`` None keeps the total
        given before (unknown if never given); an empty ``message`` keeps the one before.
        Cheap: call it per record. Raises ``JobCancelled`` if the job must stop."""
        with self._lock:
            self._done = done
            if total is not None:
                self._total = total
            if message:
                self._message = message
            self._dirty = True
        self.check()

    def check(self) -> None:
        """Raises ``JobCancelled`` if the job must stop (cancel asked for, process stopping)."""
        reason = self._reason
        if reason is not None:
            raise JobCancelled(reason)

    # -- for JobService ---------------------------------------------------------------------
    def latest(self) -> tuple[int, int | None, str]:
        with self._lock:
            return self._done, self._total, self._message

    def take_changes(self) -> tuple[int, int | None, str] | None:
        """The numbers to write, if they changed since the last take."""
        with self._lock:
            if not self._dirty:
                return None
            self._dirty = False
            return self._done, self._total, self._message

    def mark_unwritten(self) -> None:
        with self._lock:
            self._dirty = True

    def stop(self, reason: str) -> None:
        """Makes the next ``progress`` raise; the first reason given wins."""
        with self._lock:
            if self._reason is None:
                self._reason = reason

    @property
    def stop_reason(self) -> str | None:
        return self._reason

    def end(self) -> None:
        """The handler has returned: the reporter stops."""
        self._ended.set()

    def running_after(self, seconds: float) -> bool:
        """Waits up to ``seconds``; False once the handler has returned."""
        return not self._ended.wait(seconds)


Handler = Callable[[JobContext, dict[str, Any]], dict[str, Any]]
"""Does a job's work and returns its result (JSON); raises to fail it (a ``DzinzaError`` says
what the user can fix; anything else is logged and reported as an internal error)."""
RunnerFactory = Callable[[JobExecutor], JobRunner]


class _NoRunner:
    """Used when no runner is configured (a platform assembled in code): says what it drops."""

    def start(self, job_id: uuid.UUID) -> None:
        log.warning("no job runner is configured: job %s stays queued", job_id)

    def close(self, timeout: float = 30.0) -> None:
        return None


def _aware(value: datetime) -> datetime:
    """SQLite hands back naive datetimes (they are UTC)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _utc(value: datetime | None) -> datetime | None:
    return _aware(value) if value is not None else None


def _iso(value: datetime | None) -> str | None:
    return _aware(value).isoformat() if value is not None else None


def job_view(
    job: Row, now: datetime, live: tuple[int, int | None, str] | None = None
) -> dict[str, Any]:
    """A job as the API shows it. ``live``: the progress of a run in this process, fresher than
    the stored one. ``percent`` needs a total; ``rate`` is records a second since the run
    started; ``eta_seconds`` needs a total and a rate (0 once succeeded)."""
    done, total, message = live if live is not None else (job["done"], job["total"], job["message"])
    status = job["status"]
    started, finished = _utc(job["started_at"]), _utc(job["finished_at"])
    percent: float | None = None
    if total is not None:
        percent = 100.0 if total <= 0 else round(min(max(done, 0), total) * 100 / total, 1)
    rate: float | None = None
    eta: float | None = None
    if started is not None and status != QUEUED:
        elapsed = ((finished or _aware(now)) - started).total_seconds()
        if elapsed > 0:
            per_second = done / elapsed
            rate = round(per_second, 2)
            if status == RUNNING and total is not None and per_second > 0:
                eta = round(max(total - done, 0) / per_second, 1)
    if status == SUCCEEDED:
        eta = 0.0
    return {
        "id": str(job["id"]),
        "kind": job["kind"],
        "status": status,
        "tree_id": jsonable(job["tree_id"]),
        "done": done,
        "total": total,
        "percent": percent,
        "rate": rate,
        "eta_seconds": eta,
        "message": message,
        "result": job["result"],
        "error": job["error"],
        "cancel_requested": bool(job["cancel_requested"]),
        "created_at": _iso(job["created_at"]),
        "started_at": _iso(started),
        "finished_at": _iso(finished),
    }


def problem_of(exc: DzinzaError) -> dict[str, Any]:
    """A user-caused error as the job's error: what the API would have answered."""
    error: dict[str, Any] = {"title": exc.title, "status": exc.status, "detail": exc.detail}
    if exc.errors:
        error["errors"] = jsonable(exc.errors)
    return error


def _internal(detail: str) -> dict[str, Any]:
    return {"title": "Job failed", "status": 500, "detail": detail}


class JobService:
    def __init__(self, store: TreeStore, clock: Clock, runner: RunnerFactory | None = None) -> None:
        self.store = store
        self.clock = clock
        self.runner: JobRunner = runner(self.execute) if runner is not None else _NoRunner()
        self._handlers: dict[str, Handler] = {}
        self._live: dict[uuid.UUID, JobContext] = {}
        self._lock = threading.Lock()
        self._stopping = False
        self._changed = threading.Condition()
        self._generation = 0

    # -- setting up ---------------------------------------------------------------------------
    def register(self, kind: str, handler: Handler) -> None:
        """The handler of a kind of job (one per kind)."""
        with self._lock:
            if kind in self._handlers:
                raise ValueError(f"a handler for jobs of kind {kind!r} is already registered")
            self._handlers[kind] = handler

    def submit(
        self,
        kind: str,
        params: Mapping[str, Any],
        *,
        user_id: uuid.UUID | None,
        tree_id: uuid.UUID | None = None,
    ) -> dict[str, Any]:
        """Stores a job (``params``: JSON) and hands it to the runner; returns its view at once.
        Access is the caller's to check first. Call it outside any open store transaction."""
        if kind not in self._handlers:
            raise ValueError(f"no handler is registered for jobs of kind {kind!r}")
        job_id = uuid.uuid4()
        with self.store.write() as tx:
            tx.create_job(
                job_id,
                kind,
                jsonable(dict(params)),
                user_id=user_id,
                tree_id=tree_id,
                now=self.clock.now(),
                trace_parent=tracing.traceparent(),
            )
            job = tx.get_job(job_id)
        assert job is not None
        try:
            self.runner.start(job_id)
        except Exception as exc:
            # The queue cannot take it (Redis away): the job would never run, so it ends now,
            # failed with the reason, and the caller hears it (a 503 for a DzinzaError).
            error = problem_of(exc) if isinstance(exc, DzinzaError) else _internal(UNEXPECTED)
            with self.store.write() as tx:
                tx.finish_job(job_id, 0, FAILED, self.clock.now(), error=error)
            raise
        return self._view(job)

    def resume_unfinished(self, *, shared: bool = False) -> list[uuid.UUID]:
        """Runs again, from the start, the jobs an earlier process left queued or running (it
        stopped or crashed). Call it once, when the process that runs jobs starts. A job asked
        to stop meanwhile ends cancelled; one started ``MAX_ATTEMPTS`` times ends failed.
        Returns the ids handed to the runner.

        ``shared``: the runner is a queue other processes take jobs from (``dzinza worker``).
        Then a running job is left to its worker unless it has not been heard of for
        ``STALE_AFTER`` (its worker died), when it is handed over again (``execute`` takes it
        over); queued jobs are handed over again in case their message was lost."""
        now = self.clock.now()
        if shared:
            return self._resume_shared(now)
        again: list[uuid.UUID] = []
        with self._lock:
            here = set(self._live)
        with self.store.write() as tx:
            for job in tx.unfinished_jobs():
                job_id, attempt = job["id"], job["attempts"]
                if job_id in here:
                    continue
                if job["cancel_requested"]:
                    tx.finish_job(job_id, attempt, CANCELLED, now)
                elif attempt >= MAX_ATTEMPTS:
                    detail = (
                        f"The job was interrupted {attempt} times (the server stopped while it "
                        "ran) and has been given up: start it again."
                    )
                    tx.finish_job(job_id, attempt, FAILED, now, error=_internal(detail))
                    log.error(
                        "job %s (%s) given up after %d attempts", job_id, job["kind"], attempt
                    )
                elif job["status"] == QUEUED or tx.requeue_job(job_id, attempt, now):
                    again.append(job_id)
        for job_id in again:
            self.runner.start(job_id)
        if again:
            log.info("resuming %d unfinished job(s)", len(again))
        self._notify()
        return again

    def _resume_shared(self, now: datetime) -> list[uuid.UUID]:
        stale_before = now - timedelta(seconds=STALE_AFTER)
        with self.store.read() as tx:
            jobs = tx.unfinished_jobs()
        again = [
            job["id"]
            for job in jobs
            if job["status"] == QUEUED or _aware(job["updated_at"]) < stale_before
        ]
        for job_id in again:
            self.runner.start(job_id)
        if again:
            log.info("handed %d unfinished job(s) to the queue again", len(again))
        return again

    def hand_back(self) -> None:
        """Tells the jobs running here to stop: each goes back to the queue (for another worker,
        or the next process) at its next progress report. Quick and safe from a signal handler
        (it takes no lock a job's thread could hold)."""
        self._stopping = True
        for ctx in list(self._live.values()):
            ctx.stop(SHUTDOWN)

    def close(self, timeout: float = 30.0) -> None:
        """Hands the running jobs back (``hand_back``) and stops the runner."""
        with self._lock:
            self._stopping = True
        self.hand_back()
        self.runner.close(timeout)

    # -- reading and cancelling (the API) -----------------------------------------------------
    def get(self, actor: Actor, job_id: uuid.UUID) -> dict[str, Any]:
        """A job, for the user who started it or a manager of its tree; 404 for anyone else."""
        with self.store.read() as tx:
            job = self._visible_job(tx, actor, job_id)
        return self._view(job)

    def of_user(self, actor: Actor, *, cursor: str | None = None, limit: int | None = None) -> Page:
        """The jobs the actor started, newest first."""
        if actor.user_id is None:
            raise AuthenticationRequired(N_("Sign in to see your jobs."))
        n = page_limit(limit)
        spec = sort_spec(NEWEST_FIRST, JOB_SORTS, cursor)
        with self.store.read() as tx:
            rows = tx.jobs_of(actor.user_id, spec, n + 1)
        return make_page(rows, n, NEWEST_FIRST, spec, [self._view(r) for r in rows])

    def cancel(self, actor: Actor, job_id: uuid.UUID) -> dict[str, Any]:
        """Asks a job to stop: a queued one is cancelled at once, a running one at its next
        progress report. Cancelling a cancelled job changes nothing; a finished one is 409."""
        with self.store.read() as tx:
            job = self._visible_job(tx, actor, job_id)
        if job["status"] in (SUCCEEDED, FAILED):
            raise Conflict(
                N_("This job has already succeeded: there is nothing to cancel.")
                if job["status"] == SUCCEEDED
                else N_("This job has already failed: there is nothing to cancel.")
            )
        with self._lock:
            ctx = self._live.get(job_id)
        if ctx is not None:
            # Before the store: on SQLite a handler holding the write lock must let go of it
            # for the flag to be written.
            ctx.stop(CANCEL)
        with self.store.write() as tx:
            found = tx.request_cancel(job_id, self.clock.now())
        if found is None:
            raise NotFound(said("There is no job with id %(job_id)s.", job_id=job_id))
        self._notify()
        return self._view(found)

    def wait(self, job_id: uuid.UUID, timeout: float | None = None) -> dict[str, Any]:
        """Blocks until the job has finished and returns its view (no access check: for the
        command line and tests). Raises ``TimeoutError`` after ``timeout`` seconds."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            with self._changed:
                seen = self._generation
            with self.store.read() as tx:
                job = tx.get_job(job_id)
            if job is None:
                raise NotFound(said("There is no job with id %(job_id)s.", job_id=job_id))
            if job["status"] in FINISHED:
                return self._view(job)
            pause = WAIT_POLL
            if deadline is not None:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"job {job_id} is still {job['status']}")
                pause = min(pause, left)
            with self._changed:
                if self._generation == seen:
                    self._changed.wait(pause)

    def _visible_job(self, tx: StoreSession, actor: Actor, job_id: uuid.UUID) -> Row:
        job = tx.get_job(job_id)
        if job is None or not self._may_see(tx, actor, job):
            raise NotFound(said("There is no job with id %(job_id)s.", job_id=job_id))
        return job

    @staticmethod
    def _may_see(tx: StoreSession, actor: Actor, job: Row) -> bool:
        if actor.user_id is None:
            return False
        if actor.is_admin or job["user_id"] == actor.user_id:
            return True
        if job["tree_id"] is None:
            return False
        tree = tx.get("tree", job["tree_id"])
        return tree is not None and standing(tx, tree, actor).allows(Need.MANAGE)

    def _view(self, job: Row) -> dict[str, Any]:
        live = None
        if job["status"] == RUNNING:
            with self._lock:
                ctx = self._live.get(job["id"])
            if ctx is not None and ctx.attempt == job["attempts"]:
                live = ctx.latest()
        return job_view(job, self.clock.now(), live)

    def _notify(self) -> None:
        with self._changed:
            self._generation += 1
            self._changed.notify_all()

    # -- running (the runner calls execute) ---------------------------------------------------
    def execute(self, job_id: uuid.UUID) -> None:
        """Runs one queued job to its end on this thread: claims it (a job cancelled, claimed by
        another runner or deleted meanwhile is skipped), runs its handler, files the outcome."""
        if self._stopping:
            return  # stays queued: the next process resumes it
        now = self.clock.now()
        try:
            with self.store.write() as tx:
                job = tx.claim_job(job_id, now, now - timedelta(seconds=STALE_AFTER))
        except Exception:
            # The database away for a moment: the runner tries again later (a queue retries
            # with back-off; the in-process runner leaves it to the next start).
            log.exception("could not start job %s", job_id)
            raise
        if job is None:
            return
        ctx = JobContext(job)
        if ctx.attempt > MAX_ATTEMPTS:
            detail = (
                f"The job was interrupted {ctx.attempt - 1} times (its worker stopped while it "
                "ran) and has been given up: start it again."
            )
            self._finish(ctx, FAILED, error=_internal(detail))
            return
        handler = self._handlers.get(ctx.kind)
        if handler is None:
            detail = f"This server cannot run jobs of kind '{ctx.kind}'."
            self._finish(ctx, FAILED, error=_internal(detail))
            return
        with self._lock:
            self._live[ctx.job_id] = ctx
            if self._stopping:
                ctx.stop(SHUTDOWN)
        reporter = threading.Thread(
            target=self._report, args=(ctx,), name="dzinza-job-progress", daemon=True
        )
        reporter.start()
        try:
            # A job run again after its process stopped (attempt 2 on) starts a trace of its
            # own, linked to the request's, whose trace ended long ago.
            with tracing.job_span(ctx.kind, ctx.job_id, ctx.trace_parent, resumed=ctx.attempt > 1):
                self._run(ctx, handler, reporter)
        finally:
            with self._lock:
                self._live.pop(ctx.job_id, None)
            self._notify()

    def _run(self, ctx: JobContext, handler: Handler, reporter: threading.Thread) -> None:
        status: str | None
        result: Any = None
        error: dict[str, Any] | None = None
        started = time.monotonic()
        try:
            result = jsonable(handler(ctx, dict(ctx.params)))
            status = SUCCEEDED
        except JobCancelled as exc:
            # A handler may raise it of its own accord: that is a cancel too.
            reason = ctx.stop_reason or exc.reason
            status = {CANCEL: CANCELLED}.get(reason)
            if reason == SHUTDOWN:
                self._requeue(ctx)
        except DzinzaError as exc:
            log.info("job %s (%s) failed: %s", ctx.job_id, ctx.kind, exc.detail)
            status, error = FAILED, problem_of(exc)
        except Exception:
            log.exception("job %s (%s) failed", ctx.job_id, ctx.kind)
            status, error = FAILED, _internal(UNEXPECTED)
        except BaseException as exc:
            # An interrupt raised into this thread (a queue's time limit): the job ends failed,
            # not "running" forever; the interrupt goes on to whoever raised it.
            if isinstance(exc, KeyboardInterrupt | SystemExit):
                raise
            log.error("job %s (%s) interrupted: %r", ctx.job_id, ctx.kind, exc)
            ctx.end()
            reporter.join()
            self._finish(ctx, FAILED, error=_internal(TIMED_OUT))
            raise
        finally:
            # No progress write may land after the outcome.
            ctx.end()
            reporter.join()
        telemetry.job_ended(ctx.kind, status or "handed back", time.monotonic() - started)
        if error is not None:
            tracing.mark_failed(str(error.get("title", FAILED)))
            trace_id = tracing.trace_id()
            if trace_id:
                error["trace_id"] = trace_id
        if status is not None:
            self._finish(ctx, status, result=result, error=error)

    def _finish(
        self,
        ctx: JobContext,
        status: str,
        *,
        result: Any = None,
        error: dict[str, Any] | None = None,
    ) -> None:
        try:
            with self.store.write() as tx:
                tx.finish_job(
                    ctx.job_id,
                    ctx.attempt,
                    status,
                    self.clock.now(),
                    progress=ctx.latest(),
                    result=result,
                    error=error,
                )
        except Exception:
            if status != SUCCEEDED:
                log.exception("could not record the end of job %s", ctx.job_id)
                return
            # Most likely a result the store cannot hold: the job fails rather than hangs.
            log.exception("could not record the result of job %s", ctx.job_id)
            self._finish(ctx, FAILED, error=_internal(UNEXPECTED))

    def _requeue(self, ctx: JobContext) -> None:
        try:
            with self.store.write() as tx:
                requeued = tx.requeue_job(ctx.job_id, ctx.attempt, self.clock.now())
            if requeued:
                # A queue shared by workers takes it back now (another worker runs it); the
                # in-process runner, stopping, leaves it to the next start's resume.
                self.runner.start(ctx.job_id)
        except Exception:
            log.exception("could not put job %s back in the queue", ctx.job_id)

    def _report(self, ctx: JobContext) -> None:
        """Beside a running handler: writes its progress and reads its cancel flag."""
        checked = beat = time.monotonic()
        while ctx.running_after(PROGRESS_INTERVAL):
            changes = ctx.take_changes()
            if changes is None and time.monotonic() - beat >= HEARTBEAT:
                changes = ctx.latest()  # the same numbers again: a sign of life
            if changes is not None:
                beat = time.monotonic()
            try:
                if changes is not None:
                    with self.store.write() as tx:
                        mine = tx.update_job_progress(
                            ctx.job_id, ctx.attempt, *changes, self.clock.now()
                        )
                    if not mine:
                        ctx.stop(LOST)
                if time.monotonic() - checked >= CANCEL_CHECK_INTERVAL:
                    checked = time.monotonic()
                    with self.store.read() as tx:
                        job = tx.get_job(ctx.job_id)
                    if job is None or job["attempts"] != ctx.attempt or job["status"] != RUNNING:
                        ctx.stop(LOST)
                    elif job["cancel_requested"]:
                        ctx.stop(CANCEL)
            except Exception:
                if changes is not None:
                    ctx.mark_unwritten()
                log.warning("could not record the progress of job %s", ctx.job_id, exc_info=True)
