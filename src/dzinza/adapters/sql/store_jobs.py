"""Background jobs in the SQL store: the ``jobs`` table read and written by ``JobService``.
Mixed into ``SqlSession``.

A run of a job is named by its attempt number (``attempts``, bumped when a runner claims the
job): every write a runner makes names its attempt and changes nothing if the job has moved on
(cancelled, finished, or taken over by another process after a restart). Each method is meant for
its own short transaction, so that progress is visible to other connections while the job's own
work runs in another.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from dzinza.adapters.sql import tables as t
from dzinza.ports import Row, SortSpec

UNFINISHED = ("queued", "running")


def _row(r: sa.Row[Any] | None) -> Row | None:
    return dict(r._mapping) if r is not None else None


class JobQueries:
    conn: sa.Connection
    is_postgres: bool

    if TYPE_CHECKING:
        # Keyset pagination lives on SqlSession, which this class is mixed into.
        def _page(
            self,
            stmt: sa.Select[Any],
            cols: tuple[sa.ColumnElement[Any], ...],
            sort: SortSpec,
            limit: int,
        ) -> list[Row]: ...

    def create_job(
        self,
        job_id: uuid.UUID,
        kind: str,
        params: Mapping[str, Any],
        *,
        user_id: uuid.UUID | None,
        tree_id: uuid.UUID | None,
        now: datetime,
        trace_parent: str | None = None,
    ) -> None:
        self.conn.execute(
            t.jobs.insert().values(
                id=job_id,
                kind=kind,
                status="queued",
                user_id=user_id,
                tree_id=tree_id,
                params=dict(params),
                trace_parent=trace_parent,
                created_at=now,
                updated_at=now,
            )
        )

    def get_job(self, job_id: uuid.UUID) -> Row | None:
        return _row(self.conn.execute(sa.select(t.jobs).where(t.jobs.c.id == job_id)).first())

    def claim_job(
        self, job_id: uuid.UUID, now: datetime, stale_before: datetime | None = None
    ) -> Row | None:
        """Marks a queued job running, as a new attempt started from nothing, and returns it;
        None if it is not there to be run (cancelled, claimed by another runner, or gone).
        With ``stale_before``, a running job whose runner has not been heard of since then
        (its process died) is taken over too."""
        j = t.jobs
        claimable = j.c.status == "queued"
        if stale_before is not None:
            claimable = sa.or_(
                claimable, sa.and_(j.c.status == "running", j.c.updated_at < stale_before)
            )
        res = self.conn.execute(
            j.update()
            .where(j.c.id == job_id, claimable, j.c.cancel_requested == sa.false())
            .values(
                status="running",
                attempts=j.c.attempts + 1,
                done=0,
                total=None,
                message="",
                result=None,
                error=None,
                started_at=now,
                finished_at=None,
                updated_at=now,
            )
        )
        return self.get_job(job_id) if res.rowcount == 1 else None

    def update_job_progress(
        self,
        job_id: uuid.UUID,
        attempt: int,
        done: int,
        total: int | None,
        message: str,
        now: datetime,
    ) -> bool:
        """False if the job is no longer this attempt's to report on."""
        j = t.jobs
        res = self.conn.execute(
            j.update()
            .where(j.c.id == job_id, j.c.status == "running", j.c.attempts == attempt)
            .values(done=done, total=total, message=message, updated_at=now)
        )
        return res.rowcount == 1

    def finish_job(
        self,
        job_id: uuid.UUID,
        attempt: int,
        status: str,
        now: datetime,
        *,
        progress: tuple[int, int | None, str] | None = None,
        result: Any = None,
        error: Mapping[str, Any] | None = None,
    ) -> bool:
        """Ends an unfinished job as ``status`` (with its last ``progress``: done, total,
        message); False if it is no longer this attempt's to end."""
        j = t.jobs
        values: dict[str, Any] = {
            "status": status,
            "result": result,
            "error": dict(error) if error is not None else None,
            "finished_at": now,
            "updated_at": now,
        }
        if progress is not None:
            values["done"], values["total"], values["message"] = progress
        if status == "cancelled":
            values["cancel_requested"] = True  # whoever files it first, the cancel or the runner
        res = self.conn.execute(
            j.update()
            .where(j.c.id == job_id, j.c.status.in_(UNFINISHED), j.c.attempts == attempt)
            .values(**values)
        )
        return res.rowcount == 1

    def requeue_job(self, job_id: uuid.UUID, attempt: int, now: datetime) -> bool:
        """Puts a running job back in the queue (its run was interrupted) to be run again from
        the start; False if it is no longer that attempt's."""
        j = t.jobs
        res = self.conn.execute(
            j.update()
            .where(j.c.id == job_id, j.c.status == "running", j.c.attempts == attempt)
            .values(status="queued", updated_at=now)
        )
        return res.rowcount == 1

    def request_cancel(self, job_id: uuid.UUID, now: datetime) -> Row | None:
        """Asks a running job to stop (its runner sees the flag and ends it as cancelled); a
        queued one is cancelled at once. A finished job is left as it is. Returns the job."""
        j = t.jobs
        self.conn.execute(
            j.update()
            .where(j.c.id == job_id, j.c.status == "queued")
            .values(status="cancelled", cancel_requested=True, finished_at=now, updated_at=now)
        )
        self.conn.execute(
            j.update()
            .where(j.c.id == job_id, j.c.status == "running")
            .values(cancel_requested=True, updated_at=now)
        )
        return self.get_job(job_id)

    def unfinished_jobs(self) -> list[Row]:
        """Jobs queued or running, oldest first: after a restart, those a runner lost."""
        j = t.jobs
        stmt = sa.select(j).where(j.c.status.in_(UNFINISHED)).order_by(j.c.created_at, j.c.id)
        return [r._asdict() for r in self.conn.execute(stmt)]

    def jobs_of(self, user_id: uuid.UUID, sort: SortSpec, limit: int) -> list[Row]:
        """A page of the jobs a user started; sort columns from ``created_at`` and ``id``."""
        j = t.jobs
        stmt = sa.select(j).where(j.c.user_id == user_id)
        return self._page(stmt, tuple(j.c[c] for c in sort.columns), sort, limit)
